// @ts-check
/*
 * auth.html's script: the page Entra ID returns MSAL's popup to (the application's redirect URI).
 * It hands the answer to the page that opened the popup and does nothing else.
 */
import { broadcastResponseToMainFrame } from '@azure/msal-browser/redirect-bridge';

broadcastResponseToMainFrame().catch(() => {
  document.body.textContent = 'Signing in did not finish. Close this window and try again.';
});
