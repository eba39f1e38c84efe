// The environment variables the admin sets after import, and the user's context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createXrmDouble } from './xrm-double.mjs';
import { readSettings, SetupError } from '../src/settings.js';
import { userFromSettings, browserTimeZone } from '../src/user.js';

const APP_ID = '0b9c3f2e-6d1a-4c5e-9f7b-2a8d4e6c1b3f';

test('settings are the current values, else the defaults, without a trailing slash on the API', async () => {
  const crm = createXrmDouble({
    environment: { msb_PluginUrl: 'https://plugin.example.com/index.html', msb_EntraApplicationId: APP_ID },
    environmentDefaults: { msb_PlatformApiUrl: 'https://api.example.com/', msb_PluginUrl: 'https://old.example.com/' },
  });
  assert.deepEqual(await readSettings(crm.xrm), {
    pluginUrl: 'https://plugin.example.com/index.html', apiUrl: 'https://api.example.com', entraApplicationId: APP_ID,
  });
  const [[table, query]] = crm.callsTo('WebApi.retrieveMultipleRecords');
  assert.equal(table, 'environmentvariabledefinition');
  assert.match(query, /\$expand=environmentvariabledefinition_environmentvariablevalue\(\$select=value\)/);
});

test('a missing or malformed setting stops the page with a message naming it', async () => {
  const crm = createXrmDouble({ environment: { msb_PluginUrl: 'http://plugin.example.com/', msb_EntraApplicationId: 'not-an-id' } });
  await assert.rejects(readSettings(crm.xrm), (error) => {
    assert.ok(error instanceof SetupError);
    assert.equal(error.message, 'The marketing sidebar is not set up: Marketing Sidebar plugin URL is not an https URL; ' +
      'Marketing Sidebar platform API URL is not set; Marketing Sidebar Entra application ID is not an application (client) ID. ' +
      'Ask your Dynamics 365 administrator.');
    return true;
  });
});

test('http is accepted for the local machine only', async () => {
  const crm = createXrmDouble({ environment: { msb_PluginUrl: 'http://127.0.0.1:8787/index.html', msb_PlatformApiUrl: 'http://localhost:8787', msb_EntraApplicationId: APP_ID } });
  assert.equal((await readSettings(crm.xrm)).apiUrl, 'http://localhost:8787');
});

test('the user is Dynamics\' user id and name, the locale of their language id, and the browser\'s time zone', () => {
  const context = createXrmDouble({ user: { userId: '{6E0C1D9A-0000-4000-8000-0000000000A1}', userName: 'Ava Reed', languageId: 2057, domainname: 'ava@contoso.example' } })
    .xrm.Utility.getGlobalContext();
  assert.deepEqual(userFromSettings(context, 'fr-FR'), {
    id: '6e0c1d9a-0000-4000-8000-0000000000a1', name: 'Ava Reed', locale: 'en-GB', timeZone: browserTimeZone(),
  });
  const unknown = createXrmDouble({ user: { userId: '{6E0C1D9A-0000-4000-8000-0000000000A1}', userName: 'Ava Reed', languageId: 9999, domainname: '' } })
    .xrm.Utility.getGlobalContext();
  assert.equal(userFromSettings(unknown, 'fr-FR').locale, 'fr-FR', 'a language id not in the table falls back to the browser\'s');
});
