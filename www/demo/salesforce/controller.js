/*
 * controller.js, the demo org's stand-in for the canvas SDK of the page around a canvas app:
 * Sfdc.canvas.controller.publish and subscribe, as Salesforce documents them for Visualforce
 * pages, and what Salesforce itself does for the frame: post the signed request form into it,
 * size it on request, and answer refreshSignedRequest with a fresh signed request.
 *
 * Messages are taken only from a canvas frame's window and the origin its form posts to, and go
 * only to that origin.
 */
(function (root) {
  'use strict';

  var TAG = 'sfdc-canvas-demo';
  var subscriptions = Object.create(null);
  var document = root.document;

  /** The canvas frames, each with the origin of the canvas URL its form posts to. */
  function canvases() {
    return Array.prototype.map.call(document.querySelectorAll('form.canvas-form'), function (form) {
      return { frame: document.getElementById(form.target), origin: new URL(form.action).origin };
    }).filter(function (canvas) { return canvas.frame; });
  }

  function post(canvas, message) {
    message.tag = TAG;
    canvas.frame.contentWindow.postMessage(message, canvas.origin);
  }

  var controller = {
    /** Events a canvas app publishes: `{name, onData}`, or a list of them. */
    subscribe: function (wanted) {
      [].concat(wanted).forEach(function (subscription) {
        (subscriptions[subscription.name] = subscriptions[subscription.name] || []).push(subscription.onData);
      });
    },
    /** An event to the canvas apps, or to `target.canvas` only: `{name, payload, target}`. */
    publish: function (event) {
      var only = event.target && event.target.canvas;
      canvases().forEach(function (canvas) {
        if (only && canvas.frame.id !== only) return;
        post(canvas, { type: 'event', event: { name: event.name, payload: event.payload } });
      });
    },
  };

  function refresh(canvas, id) {
    root.fetch('/salesforce/demo/signed-request' + root.location.search, { credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (answer) {
        post(canvas, { type: 'refreshed', id: id, status: 200, signedRequest: answer.signedRequest });
      }, function () {
        post(canvas, { type: 'refreshed', id: id, status: 500, signedRequest: null });
      });
  }

  root.addEventListener('message', function (event) {
    var canvas = canvases().filter(function (c) {
      return c.frame.contentWindow === event.source && c.origin === event.origin;
    })[0];
    var message = event.data;
    if (!canvas || !message || message.tag !== TAG) return;
    if (message.type === 'publish' && message.event) {
      (subscriptions[message.event.name] || []).forEach(function (onData) { onData(message.event.payload); });
    } else if (message.type === 'resize' && message.size) {
      if (/^\d+px$/.test(String(message.size.height))) canvas.frame.style.height = message.size.height;
    } else if (message.type === 'refresh') {
      refresh(canvas, message.id);
    }
  });

  // After the page's own scripts ran (the list page's may hide the canvas, and subscribes to
  // the app's ready event): the app may load and publish.
  root.addEventListener('load', function () {
    Array.prototype.forEach.call(document.querySelectorAll('form.canvas-form'), function (form) {
      if (!form.closest('[hidden]')) form.submit();
    });
  });

  root.Sfdc = root.Sfdc || {};
  root.Sfdc.canvas = root.Sfdc.canvas || {};
  root.Sfdc.canvas.controller = controller;
})(window);
