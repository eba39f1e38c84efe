// @ts-check
/*
 * The one place MSAL is used: an Entra ID access token for the platform's application, for the
 * signed-in Dynamics user. Silent first (their Entra session), a popup only on a click.
 */
import { createStandardPublicClientApplication } from '@azure/msal-browser';
import { SignInRequired } from './session.js';

/**
 * @param {{ applicationId: string, loginHint: string, redirectUri: string }} options
 *   loginHint is the user's UPN; redirectUri the solution's auth.html web resource.
 * @returns {import('./session.js').EntraTokenSource}
 */
export function msalTokenSource({ applicationId, loginHint, redirectUri }) {
  // The UPN's domain names the user's Entra tenant (a single-tenant app cannot use /common).
  const tenant = loginHint.split('@')[1] || 'organizations';
  const scopes = [`api://${applicationId}/access_as_user`];
  /** @type {ReturnType<typeof createStandardPublicClientApplication> | null} */
  let client = null;
  const app = () => {
    client = client || createStandardPublicClientApplication({
      auth: { clientId: applicationId, authority: `https://login.microsoftonline.com/${tenant}`, redirectUri },
      // Tokens stay in this page's memory, never in the browser's storage.
      cache: { cacheLocation: 'memoryStorage' },
    });
    return client;
  };

  return async function entraToken(interactive) {
    const msal = await app();
    if (interactive) {
      const result = await msal.acquireTokenPopup({ scopes, loginHint });
      return result.accessToken;
    }
    const account = msal.getAllAccounts().find((a) => a.username.toLowerCase() === loginHint.toLowerCase());
    try {
      const result = account
        ? await msal.acquireTokenSilent({ scopes, account })
        : await msal.ssoSilent({ scopes, loginHint });
      return result.accessToken;
    } catch (error) {
      // Consent missing, no Entra session in this browser, third-party cookies blocked: all are
      // solved by the user signing in once in a popup.
      throw new SignInRequired(error && /** @type {any} */ (error).errorCode ? String(/** @type {any} */ (error).errorCode) : 'silent sign-in failed');
    }
  };
}
