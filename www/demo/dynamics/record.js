/*
 * The demo's Dynamics 365 page: a form, a home grid and the side pane, run by the packaged
 * Dynamics solution (launcher.js, pane.html, dialog.html, served from the built zip) against the
 * Xrm double of the package's tests in place of Dynamics' client API.
 *
 *   /dynamics/record?entity=lead&id=<GUID>&user=rep-ava   a lead's form, its OnLoad run
 *   /dynamics/record?entity=lead&user=rep-ava             the leads home grid
 *
 * The double's rows are the demo CRM's records of the user whose ids are GUIDs (what a Dynamics
 * org holds; add some with POST /dev/records), and the Notes the scripts create go to the demo
 * CRM too (/crm/api/notes), so they can be seen there. The double only records what Dynamics
 * would show; this page shows it: the pane and dialog pages are framed here as Dynamics frames
 * them. Signing in uses the one seam the package leaves for a stand-in of Dynamics:
 * `MarketingSidebarEntraToken`, answered with the demo identity provider's signed assertion,
 * which the package then exchanges at the platform as it would Entra's.
 *
 * Record data is set with textContent only.
 */
import { createXrmDouble } from '/dynamics/xrm-double.mjs';

const ENTITIES = {
  lead: { title: 'My leads', one: 'Lead', idColumn: 'leadid' },
  contact: { title: 'My contacts', one: 'Contact', idColumn: 'contactid' },
  account: { title: 'My accounts', one: 'Account', idColumn: 'accountid' },
};
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FORMATTED = '@OData.Community.Display.V1.FormattedValue';
// As the ribbon's enable rule: 1 to 200 selected rows.
const MAX_SELECTED = 200;

const params = new URLSearchParams(location.search);
const user = params.get('user') || 'rep-ava';
const entity = ENTITIES[params.get('entity')] ? params.get('entity') : 'lead';
const byId = (id) => document.getElementById(id);

function showMessage(text) {
  byId('d365-message').textContent = text;
  byId('d365-message').hidden = false;
}

async function requestJson(url, init) {
  const response = await fetch(url, { credentials: 'omit', cache: 'no-store', ...init });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body && body.error ? body.error.message : `HTTP ${response.status}`);
  return body;
}

const postJson = (url, body) =>
  requestJson(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** The user's records of `entity` in the demo CRM whose ids are GUIDs. */
async function dynamicsRows() {
  const rows = [];
  for (let offset = 0; ; ) {
    const query = new URLSearchParams({ entity, owner: user, user, limit: '200', offset: String(offset) });
    const page = await requestJson(`/crm/api/records?${query}`);
    rows.push(...page.items.filter((row) => GUID.test(row.id)));
    offset += page.items.length;
    if (page.items.length === 0 || offset >= page.total) return rows;
  }
}

/** A demo CRM record as a Web API row of its table. */
function tableRow(row) {
  const id = row.id.toLowerCase();
  if (entity === 'account') return { accountid: id, emailaddress1: row.email, name: row.company };
  const person = { emailaddress1: row.email, firstname: row.firstName, lastname: row.lastName, jobtitle: row.jobTitle };
  if (entity === 'lead') return { leadid: id, companyname: row.company, ...person };
  return { contactid: id, _parentcustomerid_value: null, [`_parentcustomerid_value${FORMATTED}`]: row.company, ...person };
}

/** The form's attribute values of a record, as the main form has them. */
function formAttributes(row) {
  if (entity === 'account') return { emailaddress1: row.email, name: row.company };
  const person = { emailaddress1: row.email, firstname: row.firstName, lastname: row.lastName, jobtitle: row.jobTitle };
  if (entity === 'lead') return { ...person, companyname: row.company };
  return { ...person, parentcustomerid: row.company ? [{ id: '', entityType: 'account', name: row.company }] : null };
}

const displayName = (row) => [row.firstName, row.lastName].filter(Boolean).join(' ') || row.company || row.email || row.id;

/** Where Dynamics serves a web resource page opened with `pageInput`. */
function webResourceUrl(pageInput) {
  const query = pageInput.data ? `?data=${encodeURIComponent(pageInput.data)}` : '';
  return `/dynamics/WebResources/${pageInput.webresourceName}${query}`;
}

/**
 * The double, with what Dynamics would show on screen added: panes and dialogs framed in this
 * page, Notes kept in the demo CRM as well.
 */
function dynamicsOnThisPage(crm) {
  const { sidePanes } = crm.xrm.App;
  const createPane = sidePanes.createPane;
  sidePanes.createPane = async (options) => {
    const pane = await createPane(options);
    byId('side-pane-title').textContent = pane.title || '';
    if (pane.imageSrc) byId('side-pane-icon').src = `/dynamics/${pane.imageSrc}`;
    byId('side-pane').style.width = `${pane.width || 360}px`;
    byId('side-pane').hidden = false;
    const navigate = pane.navigate;
    pane.navigate = async (pageInput, navigationOptions) => {
      await navigate(pageInput, navigationOptions);
      byId('side-pane-frame').src = webResourceUrl(pageInput);
    };
    return pane;
  };

  const { Navigation, WebApi } = crm.xrm;
  const navigateTo = Navigation.navigateTo;
  Navigation.navigateTo = async (pageInput, navigationOptions) => {
    await navigateTo(pageInput, navigationOptions);
    if (pageInput.pageType !== 'webresource' || !navigationOptions || navigationOptions.target !== 2) return;
    const dialog = byId('d365-dialog');
    const size = (value) => (value ? `${value.value}${value.unit || 'px'}` : '');
    dialog.style.width = size(navigationOptions.width);
    dialog.style.height = size(navigationOptions.height);
    byId('dialog-title').textContent = navigationOptions.title || '';
    byId('dialog-frame').src = webResourceUrl(pageInput);
    dialog.showModal();
    // Dynamics resolves a dialog's promise when it closes.
    await new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
    byId('dialog-frame').src = 'about:blank';
  };
  const openAlertDialog = Navigation.openAlertDialog;
  Navigation.openAlertDialog = async (strings, options) => {
    await openAlertDialog(strings, options);
    showMessage(strings.text);
  };

  const createRecord = WebApi.createRecord;
  WebApi.createRecord = async (table, data) => {
    if (table === 'annotation') {
      const bind = Object.keys(data).find((key) => /^objectid_(lead|contact|account)@odata\.bind$/.test(key));
      const target = bind && /^\/(?:leads|contacts|accounts)\(([0-9a-f-]{36})\)$/.exec(data[bind]);
      if (!target) throw new Error('A note must be on a lead, contact or account.');
      const noteEntity = bind.slice('objectid_'.length, bind.indexOf('@'));
      await postJson(`/crm/api/notes/${noteEntity}/${target[1]}?user=${encodeURIComponent(user)}`, {
        subject: data.subject,
        body: data.notetext || '',
      });
    }
    return createRecord(table, data);
  };
  return crm;
}

function pageUrl(id) {
  const query = new URLSearchParams({ entity, user });
  if (id) query.set('id', id);
  return `/dynamics/record?${query}`;
}

async function main() {
  const [settings, rows, users] = await Promise.all([
    requestJson('/dynamics/api/settings'),
    dynamicsRows(),
    requestJson('/crm/api/config').then((config) => requestJson(`${config.apiOrigin}/dev/users`)).catch(() => []),
  ]);
  const me = users.find((u) => u.crmUser === user);
  byId('d365-user').textContent = me ? me.name : user;
  const crm = dynamicsOnThisPage(createXrmDouble({
    tables: { [entity]: rows.map(tableRow) },
    // What the admin sets after import (README "Install in Dynamics 365", step 4).
    environment: {
      msb_PluginUrl: settings.pluginUrl,
      msb_PlatformApiUrl: settings.apiUrl,
      msb_EntraApplicationId: settings.entraApplicationId,
    },
    user: {
      // The demo's users have no Dynamics id of their own; one GUID stands for whoever signs in.
      userId: '{6E0C1D9A-0000-4000-8000-0000000000A1}',
      userName: me ? me.name : user,
      languageId: 1033,
      domainname: `${user}@demo.example`,
    },
    clientUrl: `${location.origin}/dynamics`,
  }));
  window.Xrm = crm.xrm;
  // The package's token seam: the demo identity provider signs the user in, as Entra would.
  window.MarketingSidebarEntraToken = () => postJson('/demo-idp/assertion', { user }).then((answer) => answer.assertion);
  // For the end-to-end test: what the scripts asked of Dynamics.
  window.DynamicsDemo = { crm };

  for (const link of document.querySelectorAll('.d365-sitemap a')) {
    const query = new URLSearchParams({ entity: link.dataset.entity, user });
    link.href = `/dynamics/record?${query}`;
    if (link.dataset.entity === entity) {
      link.setAttribute('aria-current', 'page');
      // Within the app, as Dynamics moves between grid and form without reloading the page.
      link.addEventListener('click', (event) => {
        event.preventDefault();
        history.pushState(null, '', pageUrl(null));
        show(null);
      });
    }
  }

  const rowsById = new Map(rows.map((row) => [row.id.toLowerCase(), row]));
  renderGrid(rows, (id) => {
    history.pushState(null, '', pageUrl(id));
    show(id);
  });
  window.addEventListener('popstate', () => show(new URLSearchParams(location.search).get('id')));

  function show(id) {
    byId('d365-message').hidden = true;
    const row = id ? rowsById.get(id.toLowerCase()) : null;
    byId('d365-grid').hidden = !!id;
    byId('d365-form').hidden = !id;
    if (!id) return;
    if (!row) {
      byId('d365-form').hidden = true;
      showMessage(`There is no ${entity} ${id} among your records with GUID ids.`);
      return;
    }
    byId('form-entity').textContent = ENTITIES[entity].one;
    byId('form-name').textContent = displayName(row);
    byId('form-email').textContent = row.email || '—';
    byId('form-company').textContent = row.company || '—';
    byId('form-job-title').textContent = row.jobTitle || '—';
    byId('form-id').textContent = row.id;
    // The form's OnLoad event, with the handler the solution registers on the main form.
    window.MarketingSidebar.onLoad(crm.executionContext(entity, row.id, formAttributes(row))).catch((error) => {
      showMessage(`The form's OnLoad handler failed: ${error && error.message ? error.message : error}`);
    });
  }

  byId('dialog-close').addEventListener('click', () => byId('d365-dialog').close());
  show(params.get('id'));
}

function renderGrid(rows, open) {
  byId('grid-title').textContent = ENTITIES[entity].title;
  byId('grid-empty').hidden = rows.length > 0;
  const body = byId('grid-rows');
  const selected = () => [...body.querySelectorAll('input:checked')].map((box) => box.value);
  const commands = [['cmd-send', 'send'], ['cmd-programs', 'programs']];
  const update = () => {
    const count = selected().length;
    byId('grid-count').textContent = count ? `${count} selected` : '';
    for (const [button] of commands) byId(button).disabled = count < 1 || count > MAX_SELECTED;
  };
  for (const row of rows) {
    const tr = document.createElement('tr');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.className = 'd365-select';
    // As a grid's SelectedControlSelectedItemIds spell them.
    box.value = `{${row.id.toUpperCase()}}`;
    box.setAttribute('aria-label', `Select ${displayName(row)}`);
    box.addEventListener('change', update);
    const link = document.createElement('a');
    link.href = pageUrl(row.id);
    link.dataset.recordId = row.id;
    link.textContent = displayName(row);
    link.addEventListener('click', (event) => {
      event.preventDefault();
      open(row.id);
    });
    const cells = [box, link, row.email || '', row.company || '', row.jobTitle || ''];
    for (const cell of cells) {
      const td = document.createElement('td');
      if (typeof cell === 'string') td.textContent = cell;
      else td.appendChild(cell);
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  // The ribbon's command: MarketingSidebar.openListDialog(SelectedControlSelectedItemIds,
  // SelectedEntityTypeName, "send" | "programs"), as RibbonDiff.xml registers it.
  for (const [button, view] of commands) {
    byId(button).addEventListener('click', () => {
      window.MarketingSidebar.openListDialog(selected(), entity, view).catch((error) => {
        showMessage(`The command failed: ${error && error.message ? error.message : error}`);
      });
    });
  }
}

main().catch((error) => showMessage(`The demo could not start: ${error && error.message ? error.message : error}`));
