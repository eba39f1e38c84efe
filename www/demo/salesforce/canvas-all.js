/*
 * canvas-all.js, the demo org's stand-in for the canvas SDK inside the canvas frame (the part the
 * Marketing Sidebar shell uses): Sfdc.canvas.client.publish, subscribe, resize and
 * refreshSignedRequest, with the signatures Salesforce documents for them. It talks to the page
 * around the frame (controller.js) by postMessage, only to and from that page's origin: the
 * signed request's client.targetOrigin, or before any call names it, the frame's ancestor.
 */
(function (root) {
  'use strict';

  var TAG = 'sfdc-canvas-demo';
  var handlers = Object.create(null);
  var refreshes = Object.create(null);
  var nextRefresh = 1;
  var ancestors = root.location.ancestorOrigins;
  var parentOrigin = ancestors && ancestors.length ? ancestors[0] : null;

  function send(client, message) {
    if (client && client.targetOrigin) parentOrigin = client.targetOrigin;
    if (!parentOrigin || root.parent === root) return;
    message.tag = TAG;
    root.parent.postMessage(message, parentOrigin);
  }

  root.addEventListener('message', function (event) {
    if (event.source !== root.parent || event.origin !== parentOrigin) return;
    var message = event.data;
    if (!message || message.tag !== TAG) return;
    if (message.type === 'event' && message.event) {
      (handlers[message.event.name] || []).forEach(function (onData) { onData(message.event.payload); });
    } else if (message.type === 'refreshed') {
      var callback = refreshes[message.id];
      delete refreshes[message.id];
      if (callback) callback({ status: message.status, payload: { response: message.signedRequest } });
    }
  });

  var client = {
    /** Events the page publishes to this frame: `{name, onData}`, or a list of them. */
    subscribe: function (clientOfRequest, subscriptions) {
      if (clientOfRequest && clientOfRequest.targetOrigin) parentOrigin = clientOfRequest.targetOrigin;
      [].concat(subscriptions).forEach(function (subscription) {
        (handlers[subscription.name] = handlers[subscription.name] || []).push(subscription.onData);
      });
    },
    /** An event to the page: `{name, payload}`. */
    publish: function (clientOfRequest, event) {
      send(clientOfRequest, { type: 'publish', event: { name: event.name, payload: event.payload } });
    },
    /** The frame's size: `{height, width}` as CSS lengths. */
    resize: function (clientOfRequest, size) {
      send(clientOfRequest, { type: 'resize', size: { height: size && size.height, width: size && size.width } });
    },
    /** A fresh signed request: `callback({status, payload: {response}})`. */
    refreshSignedRequest: function (callback) {
      var id = nextRefresh++;
      refreshes[id] = callback;
      send(null, { type: 'refresh', id: id });
    },
  };

  root.Sfdc = root.Sfdc || {};
  root.Sfdc.canvas = root.Sfdc.canvas || {};
  root.Sfdc.canvas.client = client;
})(window);
