// @ts-check
/*
 * dialog.html's script: Send or Programs for the rows ticked in a lead, contact or account list,
 * in the dialog the list-view buttons open. It reads the rows' email, names, company and job title
 * from Dataverse and gives them to the plugin as the `selection`.
 */
import { startSidebar, pageData, findXrm } from './page.js';
import { TABLES, isEntity, normalId, recordFromRow } from './records.js';
import { selectionProblem } from './launcher.js';

// Ids per request: a filter of 50 ids keeps the request URL far below the Web API's limit.
const IDS_PER_REQUEST = 50;

/**
 * The dialog's `data` checked: the table, the view and the selected ids, or a message for the user.
 * @param {any} data
 * @returns {{ entity: import('./records.js').Entity, view: 'send' | 'programs', ids: string[] } | { problem: string }}
 */
export function dialogRequest(data) {
  if (!data || !isEntity(data.entity) || (data.view !== 'send' && data.view !== 'programs') || !Array.isArray(data.ids)) {
    return { problem: 'Open this dialog from the Send marketing email or Add to program button of a list.' };
  }
  const ids = [...new Set(data.ids.map(normalId).filter((/** @type {string | null} */ id) => id !== null))];
  const problem = selectionProblem(ids.length, data.entity);
  return problem ? { problem } : { entity: data.entity, view: data.view, ids };
}

/**
 * The selected rows as sidebar records, in the order selected. A row the user may not read (or
 * deleted meanwhile) is left out.
 * @param {Xrm.XrmStatic} xrm
 * @param {import('./records.js').Entity} entity
 * @param {string[]} ids normalised ids
 * @returns {Promise<import('./records.js').SidebarRecord[]>}
 */
export async function readSelection(xrm, entity, ids) {
  const table = TABLES[entity];
  /** @type {Map<string, import('./records.js').SidebarRecord>} */
  const byId = new Map();
  for (let start = 0; start < ids.length; start += IDS_PER_REQUEST) {
    const chunk = ids.slice(start, start + IDS_PER_REQUEST);
    const filter = chunk.map((id) => `${table.idColumn} eq ${id}`).join(' or ');
    const result = await xrm.WebApi.retrieveMultipleRecords(entity, `?$select=${table.columns.join(',')}&$filter=${filter}`, chunk.length);
    for (const row of result.entities) {
      const record = recordFromRow(entity, row);
      if (record) byId.set(record.id, record);
    }
  }
  return ids.map((id) => byId.get(id)).filter((record) => record !== undefined);
}

async function main() {
  const status = /** @type {HTMLElement} */ (document.getElementById('msb-status'));
  const request = dialogRequest(pageData(window.location));
  if ('problem' in request) {
    status.textContent = request.problem;
    return;
  }
  const xrm = findXrm(window);
  if (!xrm) {
    status.textContent = 'Open this dialog from Dynamics 365.';
    return;
  }
  let selection;
  try {
    selection = await readSelection(xrm, request.entity, request.ids);
  } catch (error) {
    status.textContent = 'The selected records could not be read from Dynamics 365. Close this dialog and try again.';
    return;
  }
  if (selection.length === 0) {
    status.textContent = 'None of the selected records can be read with your permissions.';
    return;
  }
  await startSidebar({
    page: window,
    view: request.view,
    selection,
    // The plugin's Close: the dialog closes, as with its own close button.
    onClose: () => window.close(),
  });
}

if (typeof document !== 'undefined') main();
