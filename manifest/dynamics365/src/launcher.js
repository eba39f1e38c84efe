// @ts-check
/*
 * launcher.js: the OnLoad handler of the lead, contact and account main forms, and the command of
 * the list views' "Send marketing email" and "Add to program" buttons. Bundled as the global
 * `MarketingSidebar` (MarketingSidebar.onLoad, MarketingSidebar.openListDialog).
 */
import { recordFromForm, isEntity, normalId, MAX_SELECTION } from './records.js';
import { tabChannelName, askPaneToShow } from './pane-link.js';

export const PANE_ID = 'msb_marketingsidebar';
export const PANE_PAGE = 'msb_/sidebar/pane.html';
export const DIALOG_PAGE = 'msb_/sidebar/dialog.html';
export const PANE_WIDTH = 360;
// A pane page that is loaded answers within milliseconds; one that does not answer in this time is
// not there (or still loading) and the pane is navigated instead.
const PANE_PATIENCE_MS = 1500;

const LIST_VIEWS = { send: 'Send marketing email', programs: 'Add to program' };
const PLURAL = { lead: 'leads', contact: 'contacts', account: 'accounts' };

/**
 * @typedef {{ xrm: Xrm.XrmStatic, openChannel?: () => BroadcastChannel | null, panePatienceMs?: number }} LauncherDeps
 */

/**
 * The launcher's entry points, with what they use passed in (the bundle passes the page's own).
 * @param {LauncherDeps} deps
 */
export function createLauncher({ xrm, openChannel = defaultChannel, panePatienceMs = PANE_PATIENCE_MS }) {
  /**
   * Shows the form's record in the marketing side pane: creates the pane the first time, and
   * afterwards moves the open pane to the record, without reloading the plugin when the pane page
   * is there to take it. Resolves to what it did, for tests and the console.
   * @param {Xrm.Events.EventContext} executionContext
   * @returns {Promise<'created' | 'moved' | 'reloaded' | 'skipped'>}
   */
  async function onLoad(executionContext) {
    const record = recordFromForm(executionContext.getFormContext());
    if (!record) return 'skipped';
    const panes = xrm.App.sidePanes;
    const existing = panes.getPane(PANE_ID);
    if (existing) {
      const channel = openChannel();
      if (channel) {
        try {
          if (await askPaneToShow(channel, record, panePatienceMs)) return 'moved';
        } finally {
          channel.close();
        }
      }
    }
    const pane = existing ?? await panes.createPane({
      paneId: PANE_ID,
      title: 'Marketing',
      canClose: false,
      alwaysRender: true,
      width: PANE_WIDTH,
      imageSrc: 'WebResources/msb_/sidebar/icon.svg',
    });
    await pane.navigate({ pageType: 'webresource', webresourceName: PANE_PAGE, data: JSON.stringify(record) });
    return existing ? 'reloaded' : 'created';
  }

  /**
   * The list-view buttons' command: opens Send or Programs in a dialog for the ticked rows. The
   * ribbon enables the buttons for 1 to 200 rows; a count outside that gets a message instead.
   * @param {string[]} selectedIds SelectedControlSelectedItemIds
   * @param {string} entity SelectedEntityTypeName
   * @param {string} view 'send' or 'programs'
   * @returns {Promise<'opened' | 'refused'>}
   */
  async function openListDialog(selectedIds, entity, view) {
    if (!isEntity(entity) || (view !== 'send' && view !== 'programs')) throw new Error(`MarketingSidebar: no list view ${view} for ${entity}`);
    const ids = (Array.isArray(selectedIds) ? selectedIds : []).map(normalId).filter((id) => id !== null);
    const message = selectionProblem(ids.length, entity);
    if (message) {
      await xrm.Navigation.openAlertDialog({ title: LIST_VIEWS[view], text: message });
      return 'refused';
    }
    await xrm.Navigation.navigateTo(
      { pageType: 'webresource', webresourceName: DIALOG_PAGE, data: JSON.stringify({ entity, view, ids }) },
      { target: 2, position: 1, width: { value: 60, unit: '%' }, height: { value: 80, unit: '%' }, title: LIST_VIEWS[view] },
    );
    return 'opened';
  }

  return { onLoad, openListDialog };
}

/**
 * What to tell the user about a selection of `count` rows, or null when it can be used.
 * @param {number} count
 * @param {import('./records.js').Entity} entity
 */
export function selectionProblem(count, entity) {
  if (count === 0) return `Select the ${PLURAL[entity]} to use, then try again.`;
  if (count > MAX_SELECTION) {
    return `You selected ${count} ${PLURAL[entity]}; at most ${MAX_SELECTION} can be used at once. Select fewer and try again.`;
  }
  return null;
}

function defaultChannel() {
  try {
    return new BroadcastChannel(tabChannelName(window.sessionStorage));
  } catch (_) {
    // No BroadcastChannel or no storage (a locked-down browser): the pane is reloaded instead.
    return null;
  }
}

// The form and the ribbon call these by name; `Xrm` is the page's at the time of the call.
/** @param {Xrm.Events.EventContext} executionContext */
export function onLoad(executionContext) {
  return createLauncher({ xrm: Xrm }).onLoad(executionContext);
}

/** @param {string[]} selectedIds @param {string} entity @param {string} view */
export function openListDialog(selectedIds, entity, view) {
  return createLauncher({ xrm: Xrm }).openListDialog(selectedIds, entity, view);
}
