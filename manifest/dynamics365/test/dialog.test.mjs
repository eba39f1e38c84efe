// The list-view dialog: which rows it accepts, and the selection it reads from Dataverse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createXrmDouble } from './xrm-double.mjs';
import { dialogRequest, readSelection } from '../src/dialog.js';

const id = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ids = (count) => Array.from({ length: count }, (_, i) => id(i + 1));

test('the dialog takes 1 or 200 rows, and says why for 0 or 201', () => {
  assert.deepEqual(dialogRequest({ entity: 'lead', view: 'send', ids: [id(1)] }), { entity: 'lead', view: 'send', ids: [id(1)] });
  assert.equal(/** @type {any} */ (dialogRequest({ entity: 'lead', view: 'send', ids: ids(200) })).ids.length, 200);
  assert.deepEqual(dialogRequest({ entity: 'lead', view: 'send', ids: [] }), { problem: 'Select the leads to use, then try again.' });
  assert.deepEqual(dialogRequest({ entity: 'contact', view: 'programs', ids: ids(201) }), {
    problem: 'You selected 201 contacts; at most 200 can be used at once. Select fewer and try again.',
  });
});

test('the dialog refuses data it was not opened with by the buttons', () => {
  const problem = { problem: 'Open this dialog from the Send marketing email or Add to program button of a list.' };
  assert.deepEqual(dialogRequest(null), problem);
  assert.deepEqual(dialogRequest({ entity: 'opportunity', view: 'send', ids: [id(1)] }), problem);
  assert.deepEqual(dialogRequest({ entity: 'lead', view: 'timeline', ids: [id(1)] }), problem);
  // Ids that are not GUIDs are dropped; the same row twice counts once.
  assert.deepEqual(dialogRequest({ entity: 'lead', view: 'send', ids: [id(1), `{${id(1).toUpperCase()}}`, "x' or 1 eq 1"] }),
    { entity: 'lead', view: 'send', ids: [id(1)] });
});

test('the selection has each row\'s email, names, company and job title, in the order selected, email null when missing', async () => {
  const crm = createXrmDouble({
    tables: {
      lead: [
        { leadid: id(1), emailaddress1: 'mia.jones@example.com', firstname: 'Mia', lastname: 'Jones', companyname: 'Northwind', jobtitle: 'Head of IT', telephone1: '555' },
        { leadid: id(2), emailaddress1: null, firstname: 'Leo', lastname: 'Park', companyname: 'Fabrikam', jobtitle: null },
        { leadid: id(3), emailaddress1: 'ana@example.com', firstname: 'Ana', lastname: null, companyname: null, jobtitle: 'CFO' },
      ],
    },
  });
  const selection = await readSelection(crm.xrm, 'lead', [id(3), id(1), id(2)]);
  assert.deepEqual(selection, [
    { entity: 'lead', id: id(3), email: 'ana@example.com', firstName: 'Ana', lastName: null, company: null, jobTitle: 'CFO' },
    { entity: 'lead', id: id(1), email: 'mia.jones@example.com', firstName: 'Mia', lastName: 'Jones', company: 'Northwind', jobTitle: 'Head of IT' },
    { entity: 'lead', id: id(2), email: null, firstName: 'Leo', lastName: 'Park', company: 'Fabrikam', jobTitle: null },
  ]);
  const [[table, options]] = crm.callsTo('WebApi.retrieveMultipleRecords');
  assert.equal(table, 'lead');
  assert.match(options, /^\?\$select=leadid,emailaddress1,firstname,lastname,companyname,jobtitle&\$filter=leadid eq /);
});

test('200 selected rows are read 50 at a time, and a row the user cannot read is left out', async () => {
  const rows = ids(200).filter((_, i) => i !== 7).map((rowId, i) => ({
    contactid: rowId, emailaddress1: `p${i}@example.com`, firstname: `P${i}`, lastname: 'Doe', jobtitle: null,
    _parentcustomerid_value: id(999), '_parentcustomerid_value@OData.Community.Display.V1.FormattedValue': 'Contoso',
  }));
  const crm = createXrmDouble({ tables: { contact: rows } });
  const selection = await readSelection(crm.xrm, 'contact', ids(200));
  assert.equal(selection.length, 199);
  assert.equal(selection.some((record) => record.id === id(8)), false);
  assert.equal(selection[0].company, 'Contoso', "a contact's company is its parent account's name");
  const requests = crm.callsTo('WebApi.retrieveMultipleRecords');
  assert.equal(requests.length, 4);
  for (const [, options, maxPageSize] of requests) {
    assert.equal(options.split(' or ').length, 50);
    assert.equal(maxPageSize, 50);
  }
});

test('accounts are read with their name as the company and no person\'s name', async () => {
  const crm = createXrmDouble({ tables: { account: [{ accountid: id(5), name: 'Northwind', emailaddress1: 'info@northwind.example' }] } });
  assert.deepEqual(await readSelection(crm.xrm, 'account', [id(5)]), [
    { entity: 'account', id: id(5), email: 'info@northwind.example', firstName: null, lastName: null, company: 'Northwind', jobTitle: null },
  ]);
});
