// The list view buttons' page script (a static resource of the Salesforce project): the 1-to-200
// rule and the handshake with the canvas app.
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadScript } from './load-script.mjs';

const selection = loadScript('manifest/salesforce/force-app/main/default/staticresources/MarketingSidebarSelection.js');

const ids = (n) => Array.from({ length: n }, (_, i) => '00Q' + String(i).padStart(15, '0'));

test('one to two hundred selected people go through, in order', () => {
  assert.deepEqual(selection.checkSelection(ids(1), 'lead'), { ids: ids(1) });
  assert.deepEqual(selection.checkSelection(ids(200), 'lead').ids, ids(200));
});

test('more than two hundred are refused with a message that says how many', () => {
  const refused = selection.checkSelection(ids(201), 'contact');
  assert.equal(refused.ids, undefined);
  assert.match(refused.message, /You selected 201 contacts\. The sidebar takes at most 200/);
});

test('an empty selection asks the user to select someone', () => {
  assert.match(selection.checkSelection([], 'lead').message, /Select at least one of the leads/);
  assert.match(selection.checkSelection(['', '  '], 'lead').message, /Select at least one/);
});

test('the same person selected twice counts once', () => {
  const twice = ids(200).concat(ids(1));
  assert.deepEqual(selection.checkSelection(twice, 'lead').ids, ids(200));
});

// A page as the Visualforce markup renders it, small enough for the script's few DOM calls.
function page(selectedIds) {
  const element = (attrs) => ({
    hidden: attrs.hidden || false,
    textContent: '',
    getAttribute: (name) => attrs[name],
    querySelectorAll: () => selectedIds.map((id) => element({ 'data-id': id })),
  });
  const nodes = {
    'marketing-sidebar-selection': element({ 'data-entity': 'lead', hidden: true }),
    'marketing-sidebar-message': element({ hidden: true }),
    'marketing-sidebar-canvas': element({}),
  };
  return { getElementById: (id) => nodes[id], nodes };
}

function controller() {
  const published = [];
  const subscriptions = [];
  return {
    published,
    subscriptions,
    subscribe: (s) => subscriptions.push(s),
    publish: (event) => published.push(event),
  };
}

test('the selection is published to the canvas app each time it says it is ready', () => {
  const doc = page(['00Q1', '00Q2', '00Q3']);
  const canvas = controller();
  selection.start(doc, canvas);
  assert.equal(canvas.published.length, 0, 'nothing before the app listens');
  assert.equal(canvas.subscriptions[0].name, 'mktsidebar.ready');
  canvas.subscriptions[0].onData({});
  canvas.subscriptions[0].onData({});
  assert.equal(canvas.published.length, 2);
  assert.deepEqual(canvas.published[0], {
    name: 'mktsidebar.selection',
    payload: { entity: 'lead', ids: ['00Q1', '00Q2', '00Q3'] },
    target: { canvas: 'marketingSidebar' },
  });
});

test('over the limit, the page shows the message, hides the app and publishes nothing', () => {
  const doc = page(ids(250));
  const canvas = controller();
  selection.start(doc, canvas);
  assert.equal(doc.nodes['marketing-sidebar-message'].hidden, false);
  assert.match(doc.nodes['marketing-sidebar-message'].textContent, /You selected 250 leads/);
  assert.equal(doc.nodes['marketing-sidebar-canvas'].hidden, true);
  assert.equal(canvas.subscriptions.length, 0);
});
