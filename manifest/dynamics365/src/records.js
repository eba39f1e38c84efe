// @ts-check
/*
 * The three Dynamics 365 tables the sidebar sits beside, and how their rows become the records of
 * the host protocol (crm-sidebar/1): the same fields whether they come from an open form or from
 * rows read for a list-view selection.
 */

/** At most this many ticked rows go to Send or Programs, as manifest/plugin.json's maxSelection. */
export const MAX_SELECTION = 200;

/**
 * @typedef {'lead' | 'contact' | 'account'} Entity
 * @typedef {{ entity: Entity, id: string, email: string | null, firstName: string | null,
 *   lastName: string | null, company: string | null, jobTitle: string | null }} SidebarRecord
 * @typedef {{ setName: string, idColumn: string, columns: string[],
 *   fromForm: (value: (name: string) => any) => Omit<SidebarRecord, 'entity' | 'id'>,
 *   fromRow: (row: Record<string, any>) => Omit<SidebarRecord, 'entity' | 'id'> }} Table
 */

const FORMATTED = '@OData.Community.Display.V1.FormattedValue';

/** @param {any} value */
function text(value) {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** The name of a lookup column's first value on a form (a contact's company is a lookup). */
/** @param {any} value */
function lookupName(value) {
  return Array.isArray(value) && value.length > 0 ? text(value[0] && value[0].name) : null;
}

/** @type {Record<Entity, Table>} */
export const TABLES = {
  lead: {
    setName: 'leads',
    idColumn: 'leadid',
    columns: ['leadid', 'emailaddress1', 'firstname', 'lastname', 'companyname', 'jobtitle'],
    fromForm: (value) => ({
      email: text(value('emailaddress1')), firstName: text(value('firstname')), lastName: text(value('lastname')),
      company: text(value('companyname')), jobTitle: text(value('jobtitle')),
    }),
    fromRow: (row) => ({
      email: text(row.emailaddress1), firstName: text(row.firstname), lastName: text(row.lastname),
      company: text(row.companyname), jobTitle: text(row.jobtitle),
    }),
  },
  contact: {
    setName: 'contacts',
    idColumn: 'contactid',
    // A contact's company is the name of its parent account (or contact): a lookup.
    columns: ['contactid', 'emailaddress1', 'firstname', 'lastname', '_parentcustomerid_value', 'jobtitle'],
    fromForm: (value) => ({
      email: text(value('emailaddress1')), firstName: text(value('firstname')), lastName: text(value('lastname')),
      company: lookupName(value('parentcustomerid')), jobTitle: text(value('jobtitle')),
    }),
    fromRow: (row) => ({
      email: text(row.emailaddress1), firstName: text(row.firstname), lastName: text(row.lastname),
      company: text(row['_parentcustomerid_value' + FORMATTED]), jobTitle: text(row.jobtitle),
    }),
  },
  account: {
    setName: 'accounts',
    idColumn: 'accountid',
    // An account is a company: it has no person's name or job title of its own.
    columns: ['accountid', 'emailaddress1', 'name'],
    fromForm: (value) => ({
      email: text(value('emailaddress1')), firstName: null, lastName: null, company: text(value('name')), jobTitle: null,
    }),
    fromRow: (row) => ({
      email: text(row.emailaddress1), firstName: null, lastName: null, company: text(row.name), jobTitle: null,
    }),
  },
};

/** @param {unknown} entity @returns {entity is Entity} */
export function isEntity(entity) {
  return entity === 'lead' || entity === 'contact' || entity === 'account';
}

const GUID = /^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

/**
 * A row id as the Web API writes it (lower case, no braces): forms and grids give
 * `{2F5A…}`, the Web API `2f5a…`, and the sidebar must see one record, not two.
 * @param {unknown} id
 * @returns {string | null} null when `id` is not a GUID
 */
export function normalId(id) {
  const match = typeof id === 'string' ? GUID.exec(id.trim()) : null;
  return match ? match.slice(1).join('-').toLowerCase() : null;
}

/**
 * The record an open form shows, from its attributes (unsaved edits included), or null for a
 * form of another table or a record not yet saved (it has no id for marketing to know it by).
 * @param {Xrm.FormContext} formContext
 * @returns {SidebarRecord | null}
 */
export function recordFromForm(formContext) {
  const entity = formContext.data.entity.getEntityName();
  const id = normalId(formContext.data.entity.getId());
  if (!isEntity(entity) || !id) return null;
  const value = (/** @type {string} */ name) => {
    const attribute = formContext.getAttribute(name);
    return attribute ? attribute.getValue() : null;
  };
  return { entity, id, ...TABLES[entity].fromForm(value) };
}

/**
 * A record from a Web API row of `entity` (as retrieveMultipleRecords returns it).
 * @param {Entity} entity
 * @param {Record<string, any>} row
 * @returns {SidebarRecord | null}
 */
export function recordFromRow(entity, row) {
  const id = normalId(row[TABLES[entity].idColumn]);
  return id ? { entity, id, ...TABLES[entity].fromRow(row) } : null;
}
