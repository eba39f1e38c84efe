// The platform token: Entra ID access token exchanged at /v1/sso/exchange.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPlatformSession, SignInRequired } from '../src/session.js';

const NOW = Date.parse('2030-03-01T10:00:00Z');

function platform(answers) {
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ url, init: { ...init, body: JSON.parse(init.body) } });
    const [status, body] = answers.shift();
    return { ok: status >= 200 && status < 300, status, json: async () => (typeof body === 'string' ? JSON.parse(body) : body) };
  };
  return { requests, fetch };
}

test('the Entra token is exchanged once and the platform token reused for contexts while it has life left', async () => {
  const api = platform([[200, { token: 'p1', expiresAt: '2030-03-01T10:15:00Z' }], [200, { token: 'p2', expiresAt: '2030-03-01T10:30:00Z' }]]);
  const entra = [];
  const session = createPlatformSession({
    apiUrl: 'https://api.example.com', fetch: api.fetch, now: () => NOW,
    entraToken: async (interactive) => { entra.push(interactive); return `entra-${entra.length}`; },
  });
  assert.deepEqual(await session.token(), { token: 'p1', expiresAt: '2030-03-01T10:15:00Z' });
  assert.deepEqual(await session.token(), { token: 'p1', expiresAt: '2030-03-01T10:15:00Z' });
  assert.deepEqual(await session.token({ fresh: true }), { token: 'p2', expiresAt: '2030-03-01T10:30:00Z' });
  assert.deepEqual(entra, [false, false], 'silently, never a popup');
  assert.deepEqual(api.requests.map((r) => [r.url, r.init.method, r.init.body, r.init.credentials]), [
    ['https://api.example.com/v1/sso/exchange', 'POST', { kind: 'entraId', assertion: 'entra-1' }, 'omit'],
    ['https://api.example.com/v1/sso/exchange', 'POST', { kind: 'entraId', assertion: 'entra-2' }, 'omit'],
  ]);
});

test('a token with less than two minutes left is not reused', async () => {
  const api = platform([[200, { token: 'p1', expiresAt: '2030-03-01T10:01:30Z' }], [200, { token: 'p2', expiresAt: '2030-03-01T10:15:00Z' }]]);
  const session = createPlatformSession({ apiUrl: 'https://api.example.com', fetch: api.fetch, now: () => NOW, entraToken: async () => 'e' });
  await session.token();
  assert.equal((await session.token()).token, 'p2');
});

test('silent sign-in failing reaches the caller as SignInRequired, and nothing is exchanged', async () => {
  const api = platform([]);
  const session = createPlatformSession({
    apiUrl: 'https://api.example.com', fetch: api.fetch, now: () => NOW,
    entraToken: async () => { throw new SignInRequired('interaction_required'); },
  });
  await assert.rejects(session.token(), SignInRequired);
  assert.equal(api.requests.length, 0);
});

test('a refused exchange says the platform\'s reason and keeps no token', async () => {
  const api = platform([
    [401, { error: { code: 'ssoInvalid', message: 'audience: the assertion is not for this application' } }],
    [502, '"not json'],
  ]);
  const session = createPlatformSession({ apiUrl: 'https://api.example.com', fetch: api.fetch, now: () => NOW, entraToken: async () => 'e' });
  await assert.rejects(session.token(), { message: 'The marketing platform refused the sign-in (401): audience: the assertion is not for this application' });
  await assert.rejects(session.token(), { message: 'The marketing platform refused the sign-in (502)' });
});

test('an unreachable platform or an answer without a token is an error', async () => {
  const session = createPlatformSession({
    apiUrl: 'https://api.example.com', now: () => NOW, entraToken: async () => 'e',
    fetch: async () => { throw new TypeError('Failed to fetch'); },
  });
  await assert.rejects(session.token(), { message: 'The marketing platform could not be reached.' });
  const empty = platform([[200, { expiresAt: '2030-03-01T10:15:00Z' }]]);
  const session2 = createPlatformSession({ apiUrl: 'https://api.example.com', fetch: empty.fetch, now: () => NOW, entraToken: async () => 'e' });
  await assert.rejects(session2.token(), { message: 'The marketing platform answered the sign-in without a token.' });
});

test('Sign in opens the popup and the next token is exchanged anew', async () => {
  const api = platform([[200, { token: 'p1', expiresAt: '2030-03-01T10:15:00Z' }], [200, { token: 'p2', expiresAt: '2030-03-01T10:15:00Z' }]]);
  const entra = [];
  const session = createPlatformSession({
    apiUrl: 'https://api.example.com', fetch: api.fetch, now: () => NOW,
    entraToken: async (interactive) => { entra.push(interactive); return 'e'; },
  });
  await session.token();
  await session.signIn();
  assert.equal((await session.token()).token, 'p2');
  assert.deepEqual(entra, [false, true, false]);
});

test('a page hosting Xrm that supplies MarketingSidebarEntraToken replaces MSAL (the seam the demo uses)', async () => {
  const { entraTokenSource } = await import('../src/page.js');
  const asked = [];
  const source = entraTokenSource(/** @type {any} */ ({ parent: { MarketingSidebarEntraToken: async (interactive) => { asked.push(interactive); return 'demo-assertion'; } } }),
    { applicationId: '0b9c3f2e-6d1a-4c5e-9f7b-2a8d4e6c1b3f', loginHint: 'ava@contoso.example', redirectUri: 'https://contoso.crm4.dynamics.com/WebResources/msb_/sidebar/auth.html' });
  assert.equal(await source(false), 'demo-assertion');
  assert.deepEqual(asked, [false]);
});
