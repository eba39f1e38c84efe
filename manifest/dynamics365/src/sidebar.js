// @ts-check
/*
 * What the sidebar-host.js mount needs in Dynamics: the context, tokens, and the plugin's actions
 * done through Dynamics' client API. Used by the side pane, the list-view dialog and the Hot
 * Prospects page alike; the DOM wiring is in their entry scripts.
 */
import { TABLES, isEntity, normalId } from './records.js';
import { SignInRequired } from './session.js';

/**
 * What a page shows the user beside the plugin.
 * @typedef {{ signInNeeded: () => void, signedIn: () => void, problem: (message: string) => void }} PageNotices
 */

/**
 * @param {{
 *   xrm: Xrm.XrmStatic,
 *   session: { token: (options?: { fresh?: boolean }) => Promise<{ token: string, expiresAt: string }> },
 *   view: string,
 *   record?: import('./records.js').SidebarRecord | null,
 *   selection?: import('./records.js').SidebarRecord[],
 *   user: { id: string, name: string, locale: string, timeZone: string },
 *   notices: PageNotices,
 * }} options
 */
export function sidebarCallbacks({ xrm, session, view, record = null, selection = [], user, notices }) {
  /** @param {{ fresh?: boolean }} options */
  async function token(options) {
    try {
      const answer = await session.token(options);
      notices.signedIn();
      return answer;
    } catch (error) {
      if (error instanceof SignInRequired) notices.signInNeeded();
      else notices.problem(error instanceof Error ? error.message : 'Signing in to the marketing platform failed.');
      // sidebar-host.js answers tokenError, so the plugin says at once that it has no session.
      throw error;
    }
  }

  return {
    getContext: async () => ({
      ...(await token({})),
      view,
      record,
      selection,
      user,
      // Dynamics' client API has no documented way to ask for the app's theme, so the app never
      // says dark: light, as the app's own forms are.
      theme: 'light',
    }),
    getToken: () => token({ fresh: true }),

    /**
     * A Note on the record, with the message's subject and body, as Dynamics users log activity by
     * hand. A failure is shown in the page (and sidebar-host.js warns in the console).
     * @param {{ entity: string, id: string, subject: string, body: string }} activity
     */
    onLogActivity: async ({ entity, id, subject, body }) => {
      const rowId = normalId(id);
      if (!isEntity(entity) || !rowId) throw new Error(`no ${entity} ${id} to note`);
      try {
        await xrm.WebApi.createRecord('annotation', {
          subject,
          notetext: body,
          [`objectid_${entity}@odata.bind`]: `/${TABLES[entity].setName}(${rowId})`,
        });
      } catch (error) {
        const reason = error && typeof /** @type {any} */ (error).message === 'string' ? ` (${/** @type {any} */ (error).message})` : '';
        notices.problem(`The note "${subject}" could not be saved in Dynamics 365${reason}.`);
        throw error;
      }
    },

    /** @param {string} entity @param {string} id */
    onOpenRecord: (entity, id) => {
      const rowId = normalId(id);
      if (!isEntity(entity) || !rowId) {
        notices.problem('That record is not one Dynamics 365 can open.');
        return;
      }
      return xrm.Navigation.openForm({ entityName: entity, entityId: rowId });
    },
  };
}
