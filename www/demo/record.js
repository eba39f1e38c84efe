/*
 * /record?entity=lead&id=<crmId>&user=<crmUser>[&view=activity|timeline]
 * A record's fields, its CRM activity (notes) and the marketing sidebar beside them.
 */
(function () {
  'use strict';

  var D = window.Demo;
  var entity = D.entityParam('lead');
  var id = D.param('id');
  // activity and timeline sit beside the record; send and programs are its record buttons.
  var RECORD_VIEWS = ['activity', 'timeline', 'send', 'programs'];
  var view = RECORD_VIEWS.indexOf(D.param('view')) >= 0 ? D.param('view') : 'activity';

  var record = null; // the CrmRecordRow shown
  var sidebar = null; // the CrmSidebarHost handle while the sidebar is open
  var notesSeq = 0;

  D.renderTopBar(entity);

  function showMissing(detail) {
    D.byId('record-loading').hidden = true;
    D.byId('record-missing-detail').textContent = detail;
    D.byId('record-missing-back').href = D.pageUrl('/list', { entity: entity });
    D.byId('record-missing').hidden = false;
    document.title = 'Record not found · Demo CRM';
  }

  function setText(elementId, value) {
    var node = D.byId(elementId);
    node.textContent = value || '—';
    node.classList.toggle('muted', !value);
  }

  function renderRecord(row, ownerName) {
    var name = D.displayName(row);
    document.title = name + ' · Demo CRM';
    D.byId('record-entity').textContent = D.entityLabels[row.entity].one;
    D.byId('record-name').textContent = name;
    D.byId('record-subtitle').textContent = [row.jobTitle, row.company].filter(Boolean).join(' at ');
    setText('record-email', row.email);
    setText('record-company', row.company);
    setText('record-job-title', row.jobTitle);
    setText('record-owner', ownerName);
    setText('record-known', row.knownToMarketing ? 'Yes' : 'No, not synced yet');
    setText('record-id', row.id);
    D.byId('record-loading').hidden = true;
    D.byId('record-card').hidden = false;
    D.byId('activity-pane').hidden = false;
  }

  // -------------------------------------------------------------------------------------------
  // Activity (CRM notes, including those the sidebar logs)

  function notesUrl(noteEntity, noteId) {
    return D.crmApi('notes/' + D.segment(noteEntity) + '/' + D.segment(noteId));
  }

  function renderNotes(notes) {
    var list = D.byId('crm-notes');
    D.clear(list);
    notes.forEach(function (note) {
      list.appendChild(D.el('li', { className: 'note' }, [
        D.el('div', { className: 'note-head' }, [
          D.el('strong', { className: 'note-subject' }, [note.subject || '(no subject)']),
          D.el('time', { className: 'muted', dateTime: note.createdAt }, [D.formatDateTime(note.createdAt)]),
        ]),
        D.el('p', { className: 'note-body' }, [note.body || '']),
      ]));
    });
    D.byId('crm-notes-empty').hidden = notes.length > 0;
  }

  function loadNotes() {
    var seq = ++notesSeq;
    return D.requestJson(notesUrl(entity, id)).then(function (notes) {
      if (seq === notesSeq) renderNotes(notes || []);
    }).catch(function (error) {
      D.showMessage('The activity could not be loaded (' + error.message + ').');
    });
  }

  /** The sidebar asked the CRM to log an activity: store it as a note, then show it. */
  function logActivity(activity) {
    return D.postJson(notesUrl(activity.entity, activity.id), { subject: activity.subject, body: activity.body })
      .then(function () {
        if (activity.entity === entity && activity.id === id) return loadNotes();
        return undefined;
      })
      .catch(function (error) {
        D.showMessage('The activity could not be logged (' + error.message + ').');
        // The sidebar says so too, and offers to retry.
        throw error;
      });
  }

  // -------------------------------------------------------------------------------------------
  // Sidebar

  var toggle = D.byId('toggle-sidebar');
  var column = D.byId('sidebar');

  function openSidebar() {
    return D.config().then(function (config) {
      if (sidebar) return;
      column.hidden = false;
      sidebar = window.CrmSidebarHost.mount({
        container: column,
        frameId: 'sidebar-frame',
        title: 'Marketing sidebar',
        pluginUrl: config.pluginOrigin + '/index.html',
        view: view,
        getContext: D.contextProvider({ record: D.toCrmRecord(record) }),
        getToken: D.mintToken,
        onOpenRecord: function (nextEntity, nextId) {
          var keep = view === 'activity' || view === 'timeline' ? view : 'activity';
          location.assign(D.pageUrl('/record', { entity: nextEntity, id: nextId, view: keep === 'activity' ? null : keep }));
        },
        onLogActivity: logActivity,
        // A record button's flow ends back at the record's sidebar; the sidebar itself just hides.
        onClose: function () {
          if (view === 'send' || view === 'programs') switchView('activity');
          else closeSidebar();
        },
      });
      toggle.textContent = 'Hide marketing';
      toggle.setAttribute('aria-expanded', 'true');
    }).catch(function (error) {
      D.showMessage('The marketing sidebar could not be opened (' + error.message + ').');
    });
  }

  function closeSidebar() {
    if (sidebar) sidebar.destroy();
    sidebar = null;
    column.hidden = true;
    toggle.textContent = 'Show marketing';
    toggle.setAttribute('aria-expanded', 'false');
  }

  /** A record button: shows the sidebar with another view, and keeps the address in step. */
  function switchView(next) {
    view = next;
    history.replaceState(null, '', D.pageUrl('/record', { entity: entity, id: id, view: next === 'activity' ? null : next }));
    closeSidebar();
    openSidebar();
  }

  D.byId('record-send-email').addEventListener('click', function () { switchView('send'); });
  D.byId('record-enrol-program').addEventListener('click', function () { switchView('programs'); });

  toggle.addEventListener('click', function () {
    if (sidebar) closeSidebar();
    else openSidebar();
  });
  D.byId('refresh-notes').addEventListener('click', loadNotes);

  // -------------------------------------------------------------------------------------------

  function load() {
    if (!id) {
      showMissing('The address names no record: it needs ?entity=lead&id=….');
      return;
    }
    var recordUrl = D.crmApi('records/' + D.segment(entity) + '/' + D.segment(id));
    D.requestJson(recordUrl).then(function (row) {
      record = row;
      return D.users().catch(function () { return []; });
    }).then(function (users) {
      var owner = users.filter(function (u) { return u.crmUser === record.ownerCrmUser; })[0];
      renderRecord(record, owner ? owner.name : record.ownerCrmUser);
      loadNotes();
      openSidebar();
    }).catch(function (error) {
      if (error instanceof D.HttpError && error.status === 404) {
        showMissing('There is no ' + D.entityLabels[entity].one + ' "' + id + '" that ' + D.session.crmUser + ' can see.');
      } else {
        D.byId('record-loading').hidden = true;
        D.showMessage('The record could not be loaded (' + error.message + ').');
      }
    });
  }

  load();
})();
