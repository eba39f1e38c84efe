/*
 * xrm-double.mjs: a stand-in for Dynamics 365's client API (Xrm), written from Microsoft's
 * documented signatures, for the package's tests under Node and, later, a demo page in a browser
 * (no Node API is used). It keeps rows in memory and records every call, so a test can say what the
 * scripts asked Dynamics to do.
 *
 *   const crm = createXrmDouble({ tables: { lead: [row, …] }, environment: { msb_PluginUrl: '…' } });
 *   crm.xrm.App.sidePanes.getPane('…');   crm.calls;   crm.notes();
 *   crm.executionContext('lead', '{GUID}', { emailaddress1: '…' })  // what a form's OnLoad gets
 */

const ID_COLUMN = { lead: 'leadid', contact: 'contactid', account: 'accountid', systemuser: 'systemuserid', annotation: 'annotationid' };
const FORMATTED = '@OData.Community.Display.V1.FormattedValue';

let counter = 0;
function newId() {
  counter += 1;
  return `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
}

/** `?$select=a,b&$filter=…&$expand=…` as a map (the Web API's system query options). */
function queryOptions(options) {
  const out = {};
  for (const part of String(options || '').replace(/^\?/, '').split('&')) {
    if (!part) continue;
    const at = part.indexOf('=');
    out[part.slice(0, at)] = part.slice(at + 1);
  }
  return out;
}

/** The `or` of `column eq value` terms the scripts write, as [column, value] pairs. */
function equalities(filter) {
  return filter.split(' or ').map((term) => {
    const match = /^\s*(\w+) eq '?([^']*?)'?\s*$/.exec(term);
    if (!match) throw new Error(`xrm double: cannot read the filter term "${term}"`);
    return [match[1], match[2]];
  });
}

/** Only the selected columns, with a lookup's formatted value when the lookup is selected. */
function project(row, select) {
  if (!select) return { ...row };
  const out = {};
  for (const column of select.split(',')) {
    if (column in row) out[column] = row[column];
    if (`${column}${FORMATTED}` in row) out[`${column}${FORMATTED}`] = row[`${column}${FORMATTED}`];
  }
  return out;
}

/**
 * @param {{
 *   tables?: Record<string, object[]>,             // rows by table logical name
 *   environment?: Record<string, string>,          // environment variable current values by schema name
 *   environmentDefaults?: Record<string, string>,  // their default values
 *   user?: { userId: string, userName: string, languageId: number, domainname: string },
 *   clientUrl?: string,
 * }} [options]
 */
export function createXrmDouble(options = {}) {
  const tables = {};
  for (const [table, rows] of Object.entries(options.tables || {})) tables[table] = rows.map((row) => ({ ...row }));
  const user = options.user || { userId: '{6E0C1D9A-0000-4000-8000-0000000000A1}', userName: 'Ava Reed', languageId: 2057, domainname: 'ava.reed@contoso.example' };
  tables.systemuser = tables.systemuser || [{ systemuserid: user.userId.replace(/[{}]/g, '').toLowerCase(), fullname: user.userName, domainname: user.domainname }];
  const clientUrl = options.clientUrl || 'https://contoso.crm4.dynamics.com';
  const calls = [];
  const panes = new Map();
  const failures = {}; // api name -> error the next call throws
  let selectedPane = null;

  function record(api, args) {
    calls.push({ api, args });
    if (failures[api]) {
      const error = failures[api];
      delete failures[api];
      return error;
    }
    return null;
  }

  function paneObject(options) {
    const pane = {
      ...options,
      navigations: [],
      closed: false,
      navigate(pageInput, navigationOptions) {
        const failure = record('pane.navigate', [pageInput, navigationOptions]);
        if (failure) return Promise.reject(failure);
        pane.navigations.push(pageInput);
        return Promise.resolve();
      },
      close() {
        record('pane.close', []);
        pane.closed = true;
        panes.delete(pane.paneId);
      },
      select() {
        record('pane.select', []);
        selectedPane = pane;
      },
    };
    return pane;
  }

  const xrm = {
    App: {
      sidePanes: {
        state: 1,
        createPane(paneOptions = {}) {
          const failure = record('sidePanes.createPane', [paneOptions]);
          if (failure) return Promise.reject(failure);
          const paneId = paneOptions.paneId || newId();
          if (panes.has(paneId)) return Promise.reject(new Error(`a pane ${paneId} exists already`));
          const pane = paneObject({ ...paneOptions, paneId });
          panes.set(paneId, pane);
          if (paneOptions.isSelected !== false) selectedPane = pane;
          return Promise.resolve(pane);
        },
        getPane(paneId) {
          record('sidePanes.getPane', [paneId]);
          return panes.get(paneId);
        },
        getAllPanes() {
          return [...panes.values()];
        },
        getSelectedPane() {
          return selectedPane;
        },
      },
    },
    Navigation: {
      navigateTo(pageInput, navigationOptions) {
        const failure = record('Navigation.navigateTo', [pageInput, navigationOptions]);
        return failure ? Promise.reject(failure) : Promise.resolve();
      },
      openForm(entityFormOptions, formParameters) {
        const failure = record('Navigation.openForm', [entityFormOptions, formParameters]);
        return failure ? Promise.reject(failure) : Promise.resolve({ savedEntityReference: [] });
      },
      openAlertDialog(alertStrings, alertOptions) {
        const failure = record('Navigation.openAlertDialog', [alertStrings, alertOptions]);
        return failure ? Promise.reject(failure) : Promise.resolve();
      },
    },
    WebApi: {
      createRecord(entityLogicalName, data) {
        const failure = record('WebApi.createRecord', [entityLogicalName, data]);
        if (failure) return Promise.reject(failure);
        const id = newId();
        (tables[entityLogicalName] = tables[entityLogicalName] || []).push({ ...data, [ID_COLUMN[entityLogicalName] || `${entityLogicalName}id`]: id });
        return Promise.resolve({ entityType: entityLogicalName, id });
      },
      retrieveRecord(entityLogicalName, id, options) {
        const failure = record('WebApi.retrieveRecord', [entityLogicalName, id, options]);
        if (failure) return Promise.reject(failure);
        const column = ID_COLUMN[entityLogicalName];
        const row = (tables[entityLogicalName] || []).find((r) => r[column] === String(id).replace(/[{}]/g, '').toLowerCase());
        if (!row) return Promise.reject(Object.assign(new Error(`${entityLogicalName} With Id = ${id} Does Not Exist`), { errorCode: -2147220969 }));
        return Promise.resolve(project(row, queryOptions(options).$select));
      },
      retrieveMultipleRecords(entityLogicalName, options, maxPageSize) {
        const failure = record('WebApi.retrieveMultipleRecords', [entityLogicalName, options, maxPageSize]);
        if (failure) return Promise.reject(failure);
        const query = queryOptions(options);
        if (entityLogicalName === 'environmentvariabledefinition') return Promise.resolve({ entities: environmentRows(query) });
        const wanted = query.$filter ? equalities(query.$filter) : [];
        let rows = (tables[entityLogicalName] || []).filter((row) =>
          wanted.length === 0 || wanted.some(([column, value]) => String(row[column]).toLowerCase() === value.toLowerCase()));
        const page = maxPageSize ? rows.slice(0, maxPageSize) : rows.slice(0, 5000);
        const result = { entities: page.map((row) => project(row, query.$select)) };
        if (page.length < rows.length) result.nextLink = `${clientUrl}/api/data/v9.2/${entityLogicalName}?next`;
        return Promise.resolve(result);
      },
    },
    Utility: {
      getGlobalContext() {
        return {
          userSettings: {
            userId: user.userId,
            userName: user.userName,
            languageId: user.languageId,
            getTimeZoneOffsetMinutes: () => -new Date().getTimezoneOffset(),
          },
          getClientUrl: () => clientUrl,
        };
      },
    },
  };

  function environmentRows(query) {
    const wanted = equalities(query.$filter || '').map(([, value]) => value);
    const schemas = new Set([...Object.keys(options.environment || {}), ...Object.keys(options.environmentDefaults || {})]);
    return [...schemas].filter((schema) => wanted.includes(schema)).map((schema) => ({
      schemaname: schema,
      defaultvalue: (options.environmentDefaults || {})[schema] ?? null,
      environmentvariabledefinition_environmentvariablevalue:
        schema in (options.environment || {}) ? [{ value: options.environment[schema] }] : [],
    }));
  }

  /**
   * The execution context a main form's OnLoad handler receives, for a record of `entity`
   * (`id` null for a new, unsaved record) with these attribute values.
   */
  function executionContext(entity, id, attributes = {}) {
    const formContext = {
      data: { entity: { getEntityName: () => entity, getId: () => (id ? `{${id.replace(/[{}]/g, '').toUpperCase()}}` : '') } },
      getAttribute: (name) => (name in attributes ? { getName: () => name, getValue: () => attributes[name] } : null),
    };
    return { getFormContext: () => formContext, getEventSource: () => formContext, getDepth: () => 0 };
  }

  return {
    xrm,
    calls,
    /** The calls to one API, e.g. 'sidePanes.createPane', as their argument lists. */
    callsTo: (api) => calls.filter((call) => call.api === api).map((call) => call.args),
    /** Makes the next call to `api` fail with `error`. */
    failNext: (api, error) => { failures[api] = error; },
    /** The Notes (annotation rows) created so far. */
    notes: () => (tables.annotation || []).map((row) => ({ ...row })),
    executionContext,
  };
}
