/*
 * /list?entity=lead|contact|account&user=<crmUser>[&page=2][&owner=me][&limit=50]
 * A paginated table of records. Ticked records stay selected across pages; "Send email" and
 * "Enrol in program" open the sidebar in a side panel with those records as its selection.
 */
(function () {
  'use strict';

  var D = window.Demo;
  // The listViewButton views of manifest/plugin.json allow at most this many records.
  var MAX_SELECTION = 200;
  var DEFAULT_PAGE_SIZE = 50;
  // Enough requests to select every record of a large demo tenant, and no more.
  var MAX_SELECT_ALL_REQUESTS = 100;

  var entity = D.entityParam('lead');
  var labels = D.entityLabels[entity];
  var pageSize = clampInt(D.param('limit'), 1, 200, DEFAULT_PAGE_SIZE);
  var page = clampInt(D.param('page'), 1, 1e6, 1);
  var onlyMine = D.param('owner') === 'me';

  var rows = []; // the CrmRecordRows of the page shown
  var total = 0;
  var selected = new Map(); // id -> CrmRecordRow, across pages
  var ownerNames = {}; // crmUser -> name
  var loadSeq = 0;
  var sidebar = null; // CrmSidebarHost handle while the panel is open

  function clampInt(text, min, max, fallback) {
    var value = parseInt(text, 10);
    return value >= min && value <= max ? value : fallback;
  }

  function count(n, noun) {
    return n.toLocaleString(D.session.locale) + ' ' + (n === 1 ? noun.one : noun.many);
  }

  D.renderTopBar(entity);
  document.title = labels.title + ' · Demo CRM';
  D.byId('list-title').textContent = labels.title;
  D.byId('owner-filter').value = onlyMine ? 'me' : '';

  // -------------------------------------------------------------------------------------------
  // Loading

  function recordsUrl(offset, limit) {
    var query = { entity: entity, offset: String(offset), limit: String(limit) };
    if (onlyMine) query.owner = D.session.crmUser;
    return D.crmApi('records', query);
  }

  /** Keeps the address in step with what is shown, so every page can be bookmarked. */
  function syncAddress() {
    var url = D.pageUrl('/list', {
      entity: entity,
      page: page > 1 ? page : null,
      owner: onlyMine ? 'me' : null,
      limit: pageSize !== DEFAULT_PAGE_SIZE ? pageSize : null,
    });
    history.replaceState(null, '', url);
  }

  function load() {
    var seq = ++loadSeq;
    D.byId('page-info').textContent = 'Loading…';
    return D.requestJson(recordsUrl((page - 1) * pageSize, pageSize)).then(function (answer) {
      if (seq !== loadSeq) return;
      rows = answer.items || [];
      total = answer.total || 0;
      renderRows();
      renderPager();
      renderSelection();
    }).catch(function (error) {
      if (seq !== loadSeq) return;
      D.byId('page-info').textContent = '';
      D.showMessage('The ' + labels.many + ' could not be loaded (' + error.message + ').');
    });
  }

  function goToPage(next) {
    page = next;
    syncAddress();
    load();
  }

  // -------------------------------------------------------------------------------------------
  // Rendering

  function renderRows() {
    var body = D.byId('record-rows');
    D.clear(body);
    rows.forEach(function (row) {
      var name = D.displayName(row);
      var checkbox = D.el('input', {
        type: 'checkbox',
        className: 'select-record',
        checked: selected.has(row.id),
        attrs: { 'aria-label': 'Select ' + name },
      });
      checkbox.addEventListener('change', function () {
        if (checkbox.checked) selected.set(row.id, row);
        else selected.delete(row.id);
        renderSelection();
      });
      body.appendChild(D.el('tr', { dataset: { recordId: row.id } }, [
        D.el('td', { className: 'col-select' }, [checkbox]),
        D.el('td', {}, [D.el('a', { href: D.recordUrl(row.entity, row.id), className: 'record-link' }, [name])]),
        D.el('td', {}, [row.email || '']),
        D.el('td', {}, [row.company || '']),
        D.el('td', {}, [row.jobTitle || '']),
        D.el('td', {}, [ownerNames[row.ownerCrmUser] || row.ownerCrmUser || '']),
        D.el('td', {}, [row.knownToMarketing
          ? D.el('span', { className: 'badge badge-ok' }, ['Known'])
          : D.el('span', { className: 'badge' }, ['Not synced'])]),
      ]));
    });
    D.byId('list-empty').hidden = rows.length > 0;
  }

  function renderPager() {
    var first = total === 0 ? 0 : (page - 1) * pageSize + 1;
    var last = Math.min(total, (page - 1) * pageSize + rows.length);
    var locale = D.session.locale;
    D.byId('page-info').textContent = total === 0
      ? 'No ' + labels.many
      : first.toLocaleString(locale) + '–' + last.toLocaleString(locale) + ' of ' + total.toLocaleString(locale);
    D.byId('prev-page').disabled = page <= 1;
    D.byId('next-page').disabled = page * pageSize >= total;
  }

  function renderSelection() {
    var onPage = rows.filter(function (row) { return selected.has(row.id); }).length;
    var pageBox = D.byId('select-page');
    pageBox.checked = rows.length > 0 && onPage === rows.length;
    pageBox.indeterminate = onPage > 0 && onPage < rows.length;

    D.byId('selection-count').textContent = selected.size.toLocaleString(D.session.locale) + ' selected';
    D.byId('clear-selection').hidden = selected.size === 0;
    var selectAll = D.byId('select-all-matching');
    selectAll.hidden = total <= rows.length || selected.size >= total;
    selectAll.textContent = 'Select all ' + count(total, labels);
    D.byId('selection-error').hidden = true;
  }

  // -------------------------------------------------------------------------------------------
  // Selection

  D.byId('select-page').addEventListener('change', function (event) {
    var tick = event.target.checked;
    rows.forEach(function (row) {
      if (tick) selected.set(row.id, row);
      else selected.delete(row.id);
    });
    Array.prototype.forEach.call(document.querySelectorAll('#record-rows input.select-record'), function (box) {
      box.checked = tick;
    });
    renderSelection();
  });

  D.byId('clear-selection').addEventListener('click', function () {
    selected.clear();
    renderRows();
    renderSelection();
  });

  /** Selects every record of the list, page by page. */
  D.byId('select-all-matching').addEventListener('click', function () {
    var button = D.byId('select-all-matching');
    button.disabled = true;
    var requests = 0;
    function next(offset) {
      requests += 1;
      return D.requestJson(recordsUrl(offset, 200)).then(function (answer) {
        var items = answer.items || [];
        items.forEach(function (row) { selected.set(row.id, row); });
        var reached = offset + items.length;
        if (items.length > 0 && reached < (answer.total || 0) && requests < MAX_SELECT_ALL_REQUESTS) {
          return next(reached);
        }
        return undefined;
      });
    }
    next(0).catch(function (error) {
      D.showMessage('Not every record could be selected (' + error.message + ').');
    }).then(function () {
      button.disabled = false;
      renderRows();
      renderSelection();
    });
  });

  // -------------------------------------------------------------------------------------------
  // The sidebar panel

  var panel = D.byId('sidebar-panel');

  function showSelectionError(message) {
    var error = D.byId('selection-error');
    error.textContent = message;
    error.hidden = false;
  }

  function openPanel(view) {
    if (selected.size === 0) {
      showSelectionError('Select at least one record');
      return;
    }
    if (selected.size > MAX_SELECTION) {
      showSelectionError('Select at most ' + MAX_SELECTION + ' records');
      return;
    }
    D.byId('selection-error').hidden = true;
    // What the last panel did (notes logged) is not news of this one.
    D.hideMessage();
    var selection = Array.from(selected.values()).map(D.toCrmRecord);
    D.byId('sidebar-panel-title').textContent = view === 'send'
      ? 'Send email to ' + count(selection.length, labels)
      : 'Enrol ' + count(selection.length, labels) + ' in a program';

    D.config().then(function (config) {
      closeSidebar();
      sidebar = window.CrmSidebarHost.mount({
        container: D.byId('sidebar-panel-body'),
        frameId: 'sidebar-frame',
        title: view === 'send' ? 'Send email' : 'Enrol in program',
        pluginUrl: config.pluginOrigin + '/index.html',
        view: view,
        getContext: D.contextProvider({ selection: selection }),
        getToken: D.mintToken,
        onOpenRecord: function (nextEntity, nextId) {
          location.assign(D.recordUrl(nextEntity, nextId));
        },
        onLogActivity: logActivity,
        // The panel is as tall as the window; the plugin scrolls inside it.
        onResize: function () {},
        onClose: function () { panel.close(); },
      });
      if (!panel.open) panel.showModal();
    }).catch(function (error) {
      D.showMessage('The marketing sidebar could not be opened (' + error.message + ').');
    });
  }

  var logged = 0;
  function logActivity(activity) {
    var url = D.crmApi('notes/' + D.segment(activity.entity) + '/' + D.segment(activity.id));
    return D.postJson(url, { subject: activity.subject, body: activity.body }).then(function () {
      logged += 1;
      D.showMessage('Activity logged on ' + logged + (logged === 1 ? ' record.' : ' records.'), 'success');
    }).catch(function (error) {
      D.showMessage('An activity could not be logged (' + error.message + ').');
      // The sidebar says so too, and offers to retry.
      throw error;
    });
  }

  function closeSidebar() {
    if (sidebar) sidebar.destroy();
    sidebar = null;
  }

  // Closing by the button, Escape or the plugin's `close` all end here.
  panel.addEventListener('close', closeSidebar);
  D.byId('sidebar-panel-close').addEventListener('click', function () { panel.close(); });
  D.byId('send-email').addEventListener('click', function () { openPanel('send'); });
  D.byId('enrol-program').addEventListener('click', function () { openPanel('programs'); });

  // -------------------------------------------------------------------------------------------

  D.byId('prev-page').addEventListener('click', function () { if (page > 1) goToPage(page - 1); });
  D.byId('next-page').addEventListener('click', function () { if (page * pageSize < total) goToPage(page + 1); });
  D.byId('owner-filter').addEventListener('change', function (event) {
    onlyMine = event.target.value === 'me';
    goToPage(1);
  });

  D.users().then(function (users) {
    users.forEach(function (user) { ownerNames[user.crmUser] = user.name; });
    if (rows.length) renderRows();
  }).catch(function () { /* the top bar reports an unreachable sandbox */ });

  syncAddress();
  load();
})();
