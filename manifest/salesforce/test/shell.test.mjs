// The canvas shell's rules (www/host/salesforce-canvas.js): which record, which people, what
// Task, from what the signed request says.
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadScript } from './load-script.mjs';

const shell = loadScript('www/host/salesforce-canvas.js');

test('the user comes from context.user, with a locale the browser can read', () => {
  assert.deepEqual(
    shell.hostUser({ userId: '005xx0000012Qzx', fullName: 'Yan Li', locale: 'de_DE', timeZone: 'Europe/Berlin' }),
    { id: '005xx0000012Qzx', name: 'Yan Li', locale: 'de-DE', timeZone: 'Europe/Berlin' },
  );
});

test('the record comes from the component parameters, else the page record, else its id prefix', () => {
  assert.deepEqual(shell.recordOf({ parameters: { recordId: '003xx000004TmiQ', sObjectName: 'Contact' } }),
    { entity: 'contact', id: '003xx000004TmiQ' });
  assert.deepEqual(shell.recordOf({ parameters: {}, record: { Id: '001xx000003DGWi', attributes: { type: 'Account' } } }),
    { entity: 'account', id: '001xx000003DGWi' });
  assert.deepEqual(shell.recordOf({ parameters: { recordId: '00Qxx0000012345AAA' } }), { entity: 'lead', id: '00Qxx0000012345AAA' });
  assert.equal(shell.recordOf({ parameters: {} }), null);
});

test('a record of another object, or an id that could escape SOQL, is refused', () => {
  assert.throws(() => shell.recordOf({ parameters: { recordId: '006xx0000001', sObjectName: 'Opportunity' } }), /not Opportunity/);
  assert.throws(() => shell.recordOf({ parameters: { recordId: "00Q' OR Id != '" } }), /not a Salesforce id/);
});

test('one SOQL query reads the selected people, contacts with their account name', () => {
  assert.equal(shell.fieldsQuery('lead', ['00Q1', '00Q2']),
    "SELECT Id, Email, FirstName, LastName, Company, Title FROM Lead WHERE Id IN ('00Q1', '00Q2')");
  assert.equal(shell.fieldsQuery('contact', ['0031']),
    "SELECT Id, Email, FirstName, LastName, Title, Account.Name FROM Contact WHERE Id IN ('0031')");
  assert.throws(() => shell.fieldsQuery('lead', ["a'b"]), /not a Salesforce id/);
});

test('rows become protocol records', () => {
  assert.deepEqual(
    shell.recordFromRow('contact', { Id: '0031', Email: 'ana@example.com', FirstName: 'Ana', LastName: 'Silva', Title: null, Account: { Name: 'Acme' } }),
    { entity: 'contact', id: '0031', email: 'ana@example.com', firstName: 'Ana', lastName: 'Silva', company: 'Acme', jobTitle: null },
  );
  assert.equal(shell.recordFromRow('contact', { Id: '0032', Account: null }).company, null);
  assert.equal(shell.recordFromRow('lead', { Id: '00Q1', Company: 'Initech', Title: 'CTO' }).jobTitle, 'CTO');
});

test('the selection holds 1 to 200 distinct ids', () => {
  const ids = Array.from({ length: 201 }, (_, i) => `00Q${i}`);
  assert.deepEqual(shell.checkSelection(['00Q1', '00Q1', '00Q2']), ['00Q1', '00Q2']);
  assert.equal(shell.checkSelection(ids.slice(0, 200)).length, 200);
  assert.throws(() => shell.checkSelection(ids), /201 people were selected; the sidebar takes at most 200/);
  assert.throws(() => shell.checkSelection([]), /no one was selected/);
});

test('a sent email is a completed Task dated today where the user is', () => {
  // 23:30 UTC on 1 March is already 2 March in Tokyo.
  const now = new Date(Date.UTC(2025, 2, 1, 23, 30));
  const activity = { entity: 'lead', id: '00Q1', subject: 'Sent Email: Spring offer', body: 'Marketing email sent.' };
  assert.deepEqual(shell.completedTask(activity, 'Asia/Tokyo', now), {
    Subject: 'Sent Email: Spring offer',
    Description: 'Marketing email sent.',
    Status: 'Completed',
    ActivityDate: '2025-03-02',
    WhoId: '00Q1',
  });
  assert.equal(shell.completedTask(activity, 'America/Los_Angeles', now).ActivityDate, '2025-03-01');
  assert.equal(shell.completedTask(activity, 'Not/AZone', now).ActivityDate, '2025-03-01');
  const onAccount = shell.completedTask({ ...activity, entity: 'account', id: '0011' }, 'UTC', now);
  assert.equal(onAccount.WhatId, '0011');
  assert.equal(onAccount.WhoId, undefined);
  assert.equal(shell.completedTask({ ...activity, subject: 'x'.repeat(300) }, 'UTC', now).Subject.length, 255);
});

test("a refreshed signed request's payload is read for its new OAuth token", () => {
  const payload = { client: { oauthToken: '00Dxx!new', instanceUrl: 'https://acme.my.salesforce.com' }, context: { user: { fullName: 'Zoë' } } };
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64');
  assert.deepEqual(shell.signedRequestPayload(`c2lnbmF0dXJl.${encoded}`), payload);
});

test('an unknown view falls back to the activity', () => {
  assert.equal(shell.viewOf('hotProspects'), 'hotProspects');
  assert.equal(shell.viewOf('dashboard'), 'dashboard');
  assert.equal(shell.viewOf('admin'), 'activity');
});
