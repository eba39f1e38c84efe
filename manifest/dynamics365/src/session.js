// @ts-check
/*
 * The platform token: an Entra ID access token for the platform's application, exchanged at
 * POST <api>/v1/sso/exchange for the platform's own short-lived token. Both live in memory only.
 */

/** Silent sign-in was not possible: the user has to click "Sign in" (a popup, never a redirect). */
export class SignInRequired extends Error {}

/**
 * Gets an Entra access token whose audience is the platform's application. With
 * `interactive` false it must not show anything and throws SignInRequired when it cannot;
 * with true it may open a popup (called only from a click).
 * @typedef {(interactive: boolean) => Promise<string>} EntraTokenSource
 */

/** @typedef {{ token: string, expiresAt: string }} PlatformToken */

// A context (a record switch) reuses a token with this much life left; a tokenRequest never does,
// since the plugin asks when its token is about to expire or was refused.
const REUSE_MARGIN_MS = 2 * 60 * 1000;

/**
 * @param {{ apiUrl: string, entraToken: EntraTokenSource, fetch?: typeof fetch, now?: () => number }} options
 */
export function createPlatformSession({ apiUrl, entraToken, fetch: fetchFn = fetch, now = Date.now }) {
  /** @type {PlatformToken | null} */
  let current = null;

  /** @param {string} assertion @returns {Promise<PlatformToken>} */
  async function exchange(assertion) {
    let response;
    try {
      response = await fetchFn(`${apiUrl}/v1/sso/exchange`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'entraId', assertion }),
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
    } catch (_) {
      throw new Error('The marketing platform could not be reached.');
    }
    /** @type {any} */
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      // an answer that is not JSON is described by its status below
    }
    if (!response.ok) {
      // The platform's message says which check failed, and never holds a secret or a token.
      const reason = body && body.error && typeof body.error.message === 'string' ? `: ${body.error.message}` : '';
      throw new Error(`The marketing platform refused the sign-in (${response.status})${reason}`);
    }
    if (!body || typeof body.token !== 'string' || !body.token || typeof body.expiresAt !== 'string') {
      throw new Error('The marketing platform answered the sign-in without a token.');
    }
    return { token: body.token, expiresAt: body.expiresAt };
  }

  return {
    /**
     * A platform token; `fresh` exchanges a new one even if the last has life left.
     * @param {{ fresh?: boolean }} [options]
     * @returns {Promise<PlatformToken>}
     */
    async token({ fresh = false } = {}) {
      if (!fresh && current && Date.parse(current.expiresAt) - now() > REUSE_MARGIN_MS) return current;
      current = null;
      current = await exchange(await entraToken(false));
      return current;
    },
    /** The user's click on "Sign in": the popup, then forget the old token. */
    async signIn() {
      await entraToken(true);
      current = null;
    },
  };
}
