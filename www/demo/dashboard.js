/*
 * /dashboard?user=<crmUser>
 * A CRM tab that hosts the sidebar's `dashboard` view full width, without a record: the rep's
 * sent messages and website visitors. Unlike Hot prospects, the frame keeps the height the page
 * gives it and the plugin's lists scroll inside it.
 */
(function () {
  'use strict';

  var D = window.Demo;
  var sidebar = null;
  var container = D.byId('sidebar');
  var reopen = D.byId('reopen-sidebar');

  D.renderTopBar('dashboard');

  function logActivity(activity) {
    var url = D.crmApi('notes/' + D.segment(activity.entity) + '/' + D.segment(activity.id));
    return D.postJson(url, { subject: activity.subject, body: activity.body }).then(function () {
      D.showMessage('Activity logged on the record.', 'success');
    }).catch(function (error) {
      D.showMessage('The activity could not be logged (' + error.message + ').');
      // The sidebar says so too, and offers to retry.
      throw error;
    });
  }

  function close() {
    if (sidebar) sidebar.destroy();
    sidebar = null;
    container.hidden = true;
    reopen.hidden = false;
  }

  function open() {
    D.config().then(function (config) {
      if (sidebar) return;
      container.hidden = false;
      reopen.hidden = true;
      sidebar = window.CrmSidebarHost.mount({
        container: container,
        frameId: 'sidebar-frame',
        title: 'Dashboard',
        pluginUrl: config.pluginOrigin + '/index.html',
        view: 'dashboard',
        getContext: D.contextProvider({}),
        getToken: D.mintToken,
        onOpenRecord: function (entity, id) {
          location.assign(D.recordUrl(entity, id));
        },
        onLogActivity: logActivity,
        onClose: close,
      });
    }).catch(function (error) {
      D.showMessage('The sandbox could not be reached (' + error.message + ').');
    });
  }

  reopen.addEventListener('click', open);
  open();
})();
