/*
 * /hot-prospects?user=<crmUser>, /dashboard?user=<crmUser>
 * A CRM tab that hosts one of the sidebar's tab views full width, without a record: the view and
 * its title are the script element's `data-view` and `data-title`. Hot prospects' frame takes
 * the height the plugin asks for (resize), so the page scrolls; the dashboard's keeps the height
 * the page gives it and the plugin's lists scroll inside it (its page's styles).
 */
(function () {
  'use strict';

  var D = window.Demo;
  var script = document.currentScript;
  var view = script.dataset.view;
  var title = script.dataset.title;
  var sidebar = null;
  var container = D.byId('sidebar');
  var reopen = D.byId('reopen-sidebar');

  D.renderTopBar(view);

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
        title: title,
        pluginUrl: config.pluginOrigin + '/index.html',
        view: view,
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
