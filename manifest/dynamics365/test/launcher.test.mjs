// The form OnLoad handler and the list-view buttons' command, against the Xrm double.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createXrmDouble } from './xrm-double.mjs';
import { createLauncher, PANE_ID, PANE_PAGE, DIALOG_PAGE } from '../src/launcher.js';
import { listenForRecords } from '../src/pane-link.js';

const LEAD_A = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const LEAD_B = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

const MIA = { emailaddress1: 'mia.jones@example.com', firstname: 'Mia', lastname: 'Jones', companyname: 'Northwind', jobtitle: 'Head of IT' };
// What the pane is given for Leo, whether he is a lead or a contact.
const LEO_RECORD = { id: LEAD_B, email: 'leo.park@example.com', firstName: 'Leo', lastName: 'Park', company: 'Fabrikam', jobTitle: 'CTO' };
const LEO = { emailaddress1: 'leo.park@example.com', firstname: 'Leo', lastname: 'Park', companyname: 'Fabrikam', jobtitle: 'CTO' };

let channels = 0;
/** A channel shared by the launcher and a pane page of one test, as a tab's would be. */
function tabChannel() {
  const name = `msb_test_${process.pid}_${++channels}`;
  const opened = [];
  return {
    open: () => {
      const channel = new BroadcastChannel(name);
      opened.push(channel);
      return channel;
    },
    closeAll: () => opened.forEach((channel) => channel.close()),
  };
}

function paneData(pane, index) {
  const navigation = pane.navigations[index];
  assert.equal(navigation.pageType, 'webresource');
  assert.equal(navigation.webresourceName, PANE_PAGE);
  return JSON.parse(navigation.data);
}

test('the first lead form creates the pane once, with the documented options, and opens the pane page with the record', async () => {
  const crm = createXrmDouble();
  const tab = tabChannel();
  const launcher = createLauncher({ xrm: crm.xrm, openChannel: tab.open, panePatienceMs: 100 });

  assert.equal(await launcher.onLoad(crm.executionContext('lead', `{${LEAD_A.toUpperCase()}}`, MIA)), 'created');

  assert.deepEqual(crm.callsTo('sidePanes.createPane'), [[{
    paneId: PANE_ID, title: 'Marketing', canClose: false, alwaysRender: true, width: 360,
    imageSrc: 'WebResources/msb_/sidebar/icon.svg',
  }]]);
  const pane = crm.xrm.App.sidePanes.getPane(PANE_ID);
  assert.equal(pane.navigations.length, 1);
  assert.deepEqual(paneData(pane, 0), {
    entity: 'lead', id: LEAD_A, email: 'mia.jones@example.com', firstName: 'Mia', lastName: 'Jones',
    company: 'Northwind', jobTitle: 'Head of IT',
  });
  tab.closeAll();
});

test('switching record moves the open pane: the pane page gets the new record and nothing is created or reloaded', async () => {
  const crm = createXrmDouble();
  const tab = tabChannel();
  const launcher = createLauncher({ xrm: crm.xrm, openChannel: tab.open, panePatienceMs: 2000 });
  await launcher.onLoad(crm.executionContext('lead', LEAD_A, MIA));

  // The pane page, loaded, listens on the tab's channel as pane.js does.
  const shown = [];
  listenForRecords(tab.open(), (record) => { shown.push(record); });

  assert.equal(await launcher.onLoad(crm.executionContext('lead', LEAD_B, LEO)), 'moved');
  assert.deepEqual(shown, [{ ...LEO_RECORD, entity: 'lead' }]);
  assert.equal(crm.callsTo('sidePanes.createPane').length, 1, 'the pane is reused');
  assert.equal(crm.xrm.App.sidePanes.getPane(PANE_ID).navigations.length, 1, 'the plugin is not reloaded');
  tab.closeAll();
});

test('switching record with no pane page answering navigates the same pane to the new record', async () => {
  const crm = createXrmDouble();
  const tab = tabChannel();
  const launcher = createLauncher({ xrm: crm.xrm, openChannel: tab.open, panePatienceMs: 50 });
  await launcher.onLoad(crm.executionContext('lead', LEAD_A, MIA));

  assert.equal(await launcher.onLoad(crm.executionContext('contact', LEAD_B, {
    emailaddress1: 'leo.park@example.com', firstname: 'Leo', lastname: 'Park', jobtitle: 'CTO',
    parentcustomerid: [{ id: '{00000000-0000-0000-0000-000000000001}', name: 'Fabrikam', entityType: 'account' }],
  })), 'reloaded');
  assert.equal(crm.callsTo('sidePanes.createPane').length, 1);
  const pane = crm.xrm.App.sidePanes.getPane(PANE_ID);
  assert.equal(pane.navigations.length, 2);
  assert.deepEqual(paneData(pane, 1), { ...LEO_RECORD, entity: 'contact' });
  tab.closeAll();
});

test('a record without an email address still opens the pane, its email null', async () => {
  const crm = createXrmDouble();
  const launcher = createLauncher({ xrm: crm.xrm, openChannel: () => null });
  await launcher.onLoad(crm.executionContext('lead', LEAD_A, { ...MIA, emailaddress1: null }));
  assert.equal(paneData(crm.xrm.App.sidePanes.getPane(PANE_ID), 0).email, null);

  await launcher.onLoad(crm.executionContext('account', LEAD_B, { name: 'Northwind', emailaddress1: '  ' }));
  assert.deepEqual(paneData(crm.xrm.App.sidePanes.getPane(PANE_ID), 1), {
    entity: 'account', id: LEAD_B, email: null, firstName: null, lastName: null, company: 'Northwind', jobTitle: null,
  });
});

test('a new, unsaved record or another table opens no pane', async () => {
  const crm = createXrmDouble();
  const launcher = createLauncher({ xrm: crm.xrm, openChannel: () => null });
  assert.equal(await launcher.onLoad(crm.executionContext('lead', null, MIA)), 'skipped');
  assert.equal(await launcher.onLoad(crm.executionContext('opportunity', LEAD_A, {})), 'skipped');
  assert.deepEqual(crm.callsTo('sidePanes.createPane'), []);
});

function selected(count) {
  return Array.from({ length: count }, (_, i) => `{${`00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`.toUpperCase()}}`);
}

test('a list-view button with 1 selected row opens the dialog with the documented options', async () => {
  const crm = createXrmDouble();
  const launcher = createLauncher({ xrm: crm.xrm });
  assert.equal(await launcher.openListDialog(selected(1), 'lead', 'send'), 'opened');
  assert.deepEqual(crm.callsTo('Navigation.navigateTo'), [[
    { pageType: 'webresource', webresourceName: DIALOG_PAGE, data: JSON.stringify({ entity: 'lead', view: 'send', ids: ['00000000-0000-4000-8000-000000000001'] }) },
    { target: 2, position: 1, width: { value: 60, unit: '%' }, height: { value: 80, unit: '%' }, title: 'Send marketing email' },
  ]]);
  assert.deepEqual(crm.callsTo('Navigation.openAlertDialog'), []);
});

test('200 selected rows open the dialog with all 200', async () => {
  const crm = createXrmDouble();
  const launcher = createLauncher({ xrm: crm.xrm });
  assert.equal(await launcher.openListDialog(selected(200), 'contact', 'programs'), 'opened');
  const [[page, options]] = crm.callsTo('Navigation.navigateTo');
  const data = JSON.parse(page.data);
  assert.equal(data.ids.length, 200);
  assert.equal(data.view, 'programs');
  assert.equal(options.title, 'Add to program');
});

test('0 or 201 selected rows get a message and no dialog', async () => {
  const crm = createXrmDouble();
  const launcher = createLauncher({ xrm: crm.xrm });
  assert.equal(await launcher.openListDialog([], 'lead', 'send'), 'refused');
  assert.equal(await launcher.openListDialog(selected(201), 'account', 'programs'), 'refused');
  assert.deepEqual(crm.callsTo('Navigation.navigateTo'), []);
  assert.deepEqual(crm.callsTo('Navigation.openAlertDialog').map(([strings]) => strings), [
    { title: 'Send marketing email', text: 'Select the leads to use, then try again.' },
    { title: 'Add to program', text: 'You selected 201 accounts; at most 200 can be used at once. Select fewer and try again.' },
  ]);
});
