// @ts-check
/*
 * The start shared by the web resource pages that show the plugin (side pane, list-view dialog,
 * Hot Prospects): find Dynamics' Xrm, read the admin's settings, sign the user in, mount the plugin.
 */
import { readSettings, SetupError } from './settings.js';
import { createPlatformSession } from './session.js';
import { msalTokenSource } from './entra.js';
import { userFromSettings } from './user.js';
import { normalId } from './records.js';
import { sidebarCallbacks } from './sidebar.js';

/** The web resource MSAL's popup returns to (the redirect URI registered in Entra ID). */
export const AUTH_PAGE = 'msb_/sidebar/auth.html';

/**
 * Dynamics' Xrm as a web resource page reaches it: its parent's (the app page). An HTML web
 * resource does not get Xrm of its own.
 * @param {Window} page
 * @returns {Xrm.XrmStatic | null}
 */
export function findXrm(page) {
  try {
    const parent = /** @type {any} */ (page.parent);
    return parent && parent !== page && parent.Xrm ? parent.Xrm : null;
  } catch (_) {
    return null; // a parent of another origin: this page is not inside Dynamics
  }
}

/**
 * The Entra token source: MSAL, unless the page hosting Xrm supplies its own as
 * `MarketingSidebarEntraToken(interactive) => Promise<string>`. Dynamics defines no such function;
 * a stand-in of Dynamics (the demo's Xrm double) does, to sign in through its own identity
 * provider. It can only hand tokens in, never read one out.
 * @param {Window} page
 * @param {Parameters<typeof msalTokenSource>[0]} msalOptions
 * @returns {import('./session.js').EntraTokenSource}
 */
export function entraTokenSource(page, msalOptions) {
  let supplied = null;
  try {
    supplied = /** @type {any} */ (page.parent).MarketingSidebarEntraToken;
  } catch (_) {
    // a parent of another origin supplies nothing
  }
  if (typeof supplied === 'function') return (interactive) => Promise.resolve(supplied(interactive)).then(String);
  return msalTokenSource(msalOptions);
}

/**
 * The `data` a web resource page was opened with (navigateTo / pane.navigate), parsed, or null.
 * @param {Location} location
 */
export function pageData(location) {
  const data = new URLSearchParams(location.search).get('data');
  if (!data) return null;
  try {
    return JSON.parse(data);
  } catch (_) {
    return null;
  }
}

/**
 * The page's notices: a status line and the "Sign in" button.
 * @param {Document} document
 * @param {() => void} onSignIn
 * @returns {import('./sidebar.js').PageNotices}
 */
export function pageNotices(document, onSignIn) {
  const status = /** @type {HTMLElement} */ (document.getElementById('msb-status'));
  const button = /** @type {HTMLButtonElement} */ (document.getElementById('msb-sign-in'));
  button.addEventListener('click', onSignIn);
  return {
    signInNeeded: () => {
      status.textContent = 'Sign in to see what marketing knows.';
      button.hidden = false;
    },
    signedIn: () => {
      button.hidden = true;
      status.textContent = '';
    },
    // Text, never markup: messages can quote what a server or a record said.
    problem: (message) => {
      status.textContent = message;
    },
  };
}

/**
 * Mounts the plugin in `#msb-sidebar` for `view`, with `record` or `selection`.
 * @param {{ page: Window, view: string, record?: import('./records.js').SidebarRecord | null,
 *   selection?: import('./records.js').SidebarRecord[], onResize?: (height: number) => void,
 *   onClose?: () => void }} options
 * @returns {Promise<ReturnType<CrmSidebarHostApi['mount']> | null>} null when it could not start
 */
export async function startSidebar({ page, view, record = null, selection = [], onResize, onClose }) {
  const document = page.document;
  /** @type {ReturnType<CrmSidebarHostApi['mount']> | null} */
  let sidebar = null;
  /** @type {ReturnType<typeof createPlatformSession> | null} */
  let session = null;
  const notices = pageNotices(document, () => {
    if (!session) return;
    session.signIn().then(
      () => sidebar && sidebar.update({}),
      (error) => notices.problem(`Signing in did not finish${error && error.errorCode ? ` (${error.errorCode})` : ''}. Try again.`),
    );
  });
  const xrm = findXrm(page);
  if (!xrm) {
    notices.problem('Open this page from Dynamics 365.');
    return null;
  }
  try {
    const settings = await readSettings(xrm);
    const context = xrm.Utility.getGlobalContext();
    const user = userFromSettings(context, page.navigator.language);
    const me = await xrm.WebApi.retrieveRecord('systemuser', normalId(context.userSettings.userId) || user.id, '?$select=domainname');
    const entraToken = entraTokenSource(page, {
      applicationId: settings.entraApplicationId,
      loginHint: String(me.domainname || ''),
      redirectUri: `${context.getClientUrl()}/WebResources/${AUTH_PAGE}`,
    });
    session = createPlatformSession({ apiUrl: settings.apiUrl, entraToken });
    sidebar = page.CrmSidebarHost.mount({
      container: /** @type {HTMLElement} */ (document.getElementById('msb-sidebar')),
      pluginUrl: settings.pluginUrl,
      view,
      title: 'Marketing sidebar',
      ...sidebarCallbacks({ xrm, session, view, record, selection, user, notices }),
      onResize,
      onClose,
    });
    return sidebar;
  } catch (error) {
    notices.problem(error instanceof SetupError ? error.message : 'The marketing sidebar could not start. Reload the page to try again.');
    return null;
  }
}
