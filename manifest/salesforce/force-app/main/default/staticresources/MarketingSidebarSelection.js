/*
 * The list view buttons' page script: hands the selected ids to the Marketing Sidebar canvas app.
 *
 * The Visualforce page lists the standard set controller's selection as <span data-id>; the canvas
 * app publishes `mktsidebar.ready` once it listens, and this script answers with
 * `mktsidebar.selection` ({entity, ids}). An empty selection, or one over 200, gets a message on
 * the page and the canvas app gets nothing.
 */
(function (root) {
  'use strict';

  // The sidebar sends to and enrols at most this many people at once (manifest/plugin.json's
  // maxSelection for list view buttons).
  var MAX_SELECTION = 200;
  var READY_EVENT = 'mktsidebar.ready';
  var SELECTION_EVENT = 'mktsidebar.selection';
  var CANVAS_ID = 'marketingSidebar';
  var PLURAL = { lead: 'leads', contact: 'contacts' };

  /**
   * `{ids}` for a selection the sidebar can take (duplicates dropped, order kept), or `{message}`
   * telling the user what to change.
   */
  function checkSelection(ids, entity) {
    var people = PLURAL[entity] || 'records';
    var seen = Object.create(null);
    var unique = [];
    (ids || []).forEach(function (id) {
      var text = String(id || '').trim();
      if (text && !seen[text]) {
        seen[text] = true;
        unique.push(text);
      }
    });
    if (unique.length === 0) {
      return { message: 'Select at least one of the ' + people + ' in the list view, then click the button again.' };
    }
    if (unique.length > MAX_SELECTION) {
      return {
        message: 'You selected ' + unique.length + ' ' + people + '. The sidebar takes at most ' + MAX_SELECTION +
          ' at a time: select fewer and click the button again.',
      };
    }
    return { ids: unique };
  }

  /** Wires the page: the message, or the answer to the canvas app's ready event. */
  function start(document, controller) {
    var list = document.getElementById('marketing-sidebar-selection');
    if (!list) return null;
    var entity = list.getAttribute('data-entity');
    var ids = Array.prototype.map.call(list.querySelectorAll('[data-id]'), function (node) {
      return node.getAttribute('data-id');
    });
    var checked = checkSelection(ids, entity);
    if (checked.message) {
      var message = document.getElementById('marketing-sidebar-message');
      message.textContent = checked.message;
      message.hidden = false;
      var canvas = document.getElementById('marketing-sidebar-canvas');
      if (canvas) canvas.hidden = true;
      return checked;
    }
    // The app may load (and say it is ready) more than once, e.g. after a token refresh: each
    // time it gets the same selection.
    controller.subscribe({
      name: READY_EVENT,
      onData: function () {
        controller.publish({ name: SELECTION_EVENT, payload: { entity: entity, ids: checked.ids }, target: { canvas: CANVAS_ID } });
      },
    });
    return checked;
  }

  var api = { MAX_SELECTION: MAX_SELECTION, READY_EVENT: READY_EVENT, SELECTION_EVENT: SELECTION_EVENT, checkSelection: checkSelection, start: start };
  if (typeof module === 'object' && module.exports) {
    module.exports = api;
  } else {
    root.MarketingSidebarSelection = api;
    root.document.addEventListener('DOMContentLoaded', function () {
      start(root.document, root.Sfdc.canvas.controller);
    });
  }
})(this);
