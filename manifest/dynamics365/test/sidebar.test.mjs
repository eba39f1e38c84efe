// What the pages give sidebar-host.js: the context, tokens, Notes and record opening.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createXrmDouble } from './xrm-double.mjs';
import { sidebarCallbacks } from '../src/sidebar.js';
import { SignInRequired } from '../src/session.js';

const LEAD = { entity: 'lead', id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', email: 'mia.jones@example.com', firstName: 'Mia', lastName: 'Jones', company: 'Northwind', jobTitle: 'Head of IT' };
const USER = { id: '6e0c1d9a-0000-4000-8000-0000000000a1', name: 'Ava Reed', locale: 'en-GB', timeZone: 'Europe/London' };
const TOKEN = { token: 'platform-token', expiresAt: '2030-03-01T10:15:00Z' };

function notices() {
  const said = [];
  return {
    said,
    signInNeeded: () => said.push('signInNeeded'),
    signedIn: () => said.push('signedIn'),
    problem: (message) => said.push(`problem: ${message}`),
  };
}

function callbacks({ crm = createXrmDouble(), session = { token: async () => TOKEN }, shown = notices(), ...rest } = {}) {
  return { crm, shown, host: sidebarCallbacks({ xrm: crm.xrm, session, view: 'activity', record: LEAD, user: USER, notices: shown, ...rest }) };
}

test('the context carries the platform token, the record, the user and the light theme', async () => {
  const { host, shown } = callbacks();
  assert.deepEqual(await host.getContext(), {
    token: 'platform-token', expiresAt: '2030-03-01T10:15:00Z', view: 'activity', record: LEAD, selection: [], user: USER, theme: 'light',
  });
  assert.deepEqual(shown.said, ['signedIn']);
});

test('a tokenRequest asks the session for a fresh token', async () => {
  const asked = [];
  const { host } = callbacks({ session: { token: async (options) => { asked.push(options); return TOKEN; } } });
  await host.getToken();
  await host.getContext();
  assert.deepEqual(asked, [{ fresh: true }, {}]);
});

test('a token failure that needs the user shows Sign in, and the host gets the error to answer tokenError', async () => {
  const { host, shown } = callbacks({ session: { token: async () => { throw new SignInRequired('interaction_required'); } } });
  await assert.rejects(host.getContext(), SignInRequired);
  await assert.rejects(host.getToken(), SignInRequired);
  assert.deepEqual(shown.said, ['signInNeeded', 'signInNeeded']);
});

test('a refused exchange is said in the page, without Sign in', async () => {
  const refused = new Error('The marketing platform refused the sign-in (401): user not a sales user');
  const { host, shown } = callbacks({ session: { token: async () => { throw refused; } } });
  await assert.rejects(host.getContext(), refused);
  assert.deepEqual(shown.said, ['problem: The marketing platform refused the sign-in (401): user not a sales user']);
});

test('logActivity creates a Note on the record with the subject and body', async () => {
  const { host, crm } = callbacks();
  await host.onLogActivity({ entity: 'lead', id: LEAD.id, subject: 'Sent Email: Spring offer', body: 'Marketing email sent to mia.jones@example.com.' });
  await host.onLogActivity({ entity: 'contact', id: `{${LEAD.id.toUpperCase()}}`, subject: 'Enrolled: Onboarding', body: '' });
  await host.onLogActivity({ entity: 'account', id: LEAD.id, subject: 'Sent Email: News', body: 'x' });
  assert.deepEqual(crm.callsTo('WebApi.createRecord'), [
    ['annotation', { subject: 'Sent Email: Spring offer', notetext: 'Marketing email sent to mia.jones@example.com.', 'objectid_lead@odata.bind': `/leads(${LEAD.id})` }],
    ['annotation', { subject: 'Enrolled: Onboarding', notetext: '', 'objectid_contact@odata.bind': `/contacts(${LEAD.id})` }],
    ['annotation', { subject: 'Sent Email: News', notetext: 'x', 'objectid_account@odata.bind': `/accounts(${LEAD.id})` }],
  ]);
  assert.equal(crm.notes().length, 3);
});

test('a Note Dynamics refuses is said in the page and reported to the host', async () => {
  const { host, crm, shown } = callbacks();
  crm.failNext('WebApi.createRecord', Object.assign(new Error('You do not have prvCreateNote'), { errorCode: -2147220960 }));
  await assert.rejects(host.onLogActivity({ entity: 'lead', id: LEAD.id, subject: 'Sent Email: Spring offer', body: 'b' }), /prvCreateNote/);
  assert.deepEqual(shown.said, ['problem: The note "Sent Email: Spring offer" could not be saved in Dynamics 365 (You do not have prvCreateNote).']);
  assert.equal(crm.notes().length, 0);
});

test('openRecord opens the record\'s form; an id that is not a Dynamics id opens nothing', async () => {
  const { host, crm, shown } = callbacks();
  await host.onOpenRecord('contact', `{${LEAD.id.toUpperCase()}}`);
  await host.onOpenRecord('lead', '00Q5e000001');
  assert.deepEqual(crm.callsTo('Navigation.openForm'), [[{ entityName: 'contact', entityId: LEAD.id }, undefined]]);
  assert.deepEqual(shown.said, ['problem: That record is not one Dynamics 365 can open.']);
});
