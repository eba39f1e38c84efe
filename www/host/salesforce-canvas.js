/*
 * salesforce-canvas.js: the host shell of the Salesforce canvas app (POST /salesforce/canvas).
 *
 * The platform verified Salesforce's signed request, minted its own token and wrote what this page
 * needs into <script type="application/json" id="canvas-session">. This script reads it once,
 * removes it from the page, and plays the host of crm-sidebar/1 with sidebar-host.js:
 * - the context: the platform token, the record from the canvas parameters (or the page's record),
 *   the list view's selection (the canvas event `mktsidebar.selection`), the Salesforce user;
 * - the people's fields: one SOQL query through the REST API with the signed request's OAuth token;
 * - logActivity: a completed Task on the person (an account's goes on WhatId);
 * - openRecord: the canvas event `s1.navigateToSObject`;
 * - a fresh token: Sfdc.canvas.client.refreshSignedRequest, exchanged at /v1/sso/exchange.
 *
 * The OAuth token lives in this closure only: it goes out in an Authorization header and nowhere
 * else (never a URL, storage or log).
 */
(function (root) {
  'use strict';

  var TYPE_OF_ENTITY = { lead: 'Lead', contact: 'Contact', account: 'Account' };
  var ENTITY_OF_TYPE = { Lead: 'lead', Contact: 'contact', Account: 'account' };
  // Salesforce's key prefixes, for a record that arrives without its type.
  var ENTITY_OF_PREFIX = { '00Q': 'lead', '003': 'contact', '001': 'account' };
  var VIEWS = ['activity', 'timeline', 'send', 'programs', 'hotProspects', 'dashboard'];
  // The views of a tab, with no record.
  var TAB_VIEWS = ['hotProspects', 'dashboard'];
  var MAX_SELECTION = 200;
  // Salesforce ids are 15 or 18 letters and digits; the sandbox's stand-in CRM also uses '-'.
  // Anything else could break out of the SOQL string it is quoted in, so it is refused.
  var RECORD_ID = /^[A-Za-z0-9-]{1,40}$/;
  var TASK_SUBJECT_MAX = 255; // Task.Subject's length in Salesforce
  var READY_EVENT = 'mktsidebar.ready';
  var SELECTION_EVENT = 'mktsidebar.selection';
  var SELECTION_PATIENCE_MS = 30000;

  function fail(message) {
    throw new Error(message);
  }

  function text(value) {
    return value === undefined || value === null || value === '' ? null : String(value);
  }

  /** The protocol's user from the signed request's context.user. */
  function hostUser(user) {
    user = user || {};
    return {
      id: String(user.userId || ''),
      name: String(user.fullName || user.userName || user.userId || ''),
      // Salesforce writes locales as en_US; the browser's Intl wants en-US.
      locale: String(user.locale || user.language || 'en_US').replace(/_/g, '-'),
      timeZone: String(user.timeZone || 'UTC'),
    };
  }

  /**
   * `{entity, id}` of the record the app sits on: the Aura component's parameters (recordId,
   * sObjectName), else the page's record (context.environment.record), else null.
   */
  function recordOf(environment) {
    environment = environment || {};
    var parameters = environment.parameters || {};
    var record = environment.record || {};
    var id = text(parameters.recordId) || text(record.Id);
    if (!id) return null;
    if (!RECORD_ID.test(id)) fail('the record id "' + id + '" is not a Salesforce id');
    var type = text(parameters.sObjectName) || text(record.attributes && record.attributes.type);
    var entity = type ? ENTITY_OF_TYPE[type] : ENTITY_OF_PREFIX[id.slice(0, 3)];
    if (!entity) fail('the sidebar shows leads, contacts and accounts, not ' + (type || 'this record'));
    return { entity: entity, id: id };
  }

  /** The view the platform chose (from the canvas parameters or the canvas URL), checked. */
  function viewOf(view) {
    return VIEWS.indexOf(view) >= 0 ? view : 'activity';
  }

  /** Ids from the list view, checked as the list page checked them (1 to 200, no duplicates). */
  function checkSelection(ids) {
    var unique = [];
    (Array.isArray(ids) ? ids : []).forEach(function (id) {
      var value = String(id);
      if (!RECORD_ID.test(value)) fail('the selection holds "' + value + '", which is not a Salesforce id');
      if (unique.indexOf(value) < 0) unique.push(value);
    });
    if (unique.length === 0) fail('no one was selected in the list view');
    if (unique.length > MAX_SELECTION) fail(unique.length + ' people were selected; the sidebar takes at most ' + MAX_SELECTION);
    return unique;
  }

  /** The one SOQL query that reads these people's fields. */
  function fieldsQuery(entity, ids) {
    if (!TYPE_OF_ENTITY[entity]) fail('no query for "' + entity + '"');
    var list = ids.map(function (id) {
      if (!RECORD_ID.test(id)) fail('"' + id + '" is not a Salesforce id');
      return "'" + id + "'";
    }).join(', ');
    var fields = {
      lead: 'Id, Email, FirstName, LastName, Company, Title',
      contact: 'Id, Email, FirstName, LastName, Title, Account.Name',
      account: 'Id, Name',
    }[entity];
    return 'SELECT ' + fields + ' FROM ' + TYPE_OF_ENTITY[entity] + ' WHERE Id IN (' + list + ')';
  }

  /** A protocol record from a row of that query. */
  function recordFromRow(entity, row) {
    if (entity === 'account') {
      return { entity: entity, id: String(row.Id), email: null, firstName: null, lastName: null, company: text(row.Name), jobTitle: null };
    }
    return {
      entity: entity,
      id: String(row.Id),
      email: text(row.Email),
      firstName: text(row.FirstName),
      lastName: text(row.LastName),
      company: entity === 'lead' ? text(row.Company) : text(row.Account && row.Account.Name),
      jobTitle: text(row.Title),
    };
  }

  /** Today's date in the user's time zone, as Salesforce dates are written (YYYY-MM-DD). */
  function todayIn(timeZone, now) {
    var format;
    try {
      format = new Intl.DateTimeFormat('en-CA', { timeZone: timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch (_) {
      format = new Intl.DateTimeFormat('en-CA', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' });
    }
    var parts = {};
    format.formatToParts(now).forEach(function (part) { parts[part.type] = part.value; });
    return parts.year + '-' + parts.month + '-' + parts.day;
  }

  /**
   * The Task that logs a sent email (the plugin's logActivity). A Task's WhoId is a lead or a
   * contact; an account's goes on WhatId.
   */
  function completedTask(activity, timeZone, now) {
    if (!RECORD_ID.test(activity.id)) fail('"' + activity.id + '" is not a Salesforce id');
    var task = {
      Subject: String(activity.subject).slice(0, TASK_SUBJECT_MAX),
      Description: String(activity.body),
      Status: 'Completed',
      ActivityDate: todayIn(timeZone, now),
    };
    if (activity.entity === 'account') task.WhatId = activity.id;
    else task.WhoId = activity.id;
    return task;
  }

  /** The payload of a signed request (`<signature>.<base64 JSON>`), not checked: the platform checks it. */
  function signedRequestPayload(signedRequest) {
    var part = String(signedRequest).split('.')[1] || '';
    var base64 = part.replace(/-/g, '+').replace(/_/g, '/');
    var binary = root.atob(base64 + '==='.slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return JSON.parse(new root.TextDecoder().decode(bytes));
  }

  // -------------------------------------------------------------------------------------------
  // The page

  function start(document) {
    var node = document.getElementById('canvas-session');
    var session = JSON.parse(node.textContent);
    node.parentNode.removeChild(node); // the tokens stay in this closure, not in the DOM

    var sdk = root.Sfdc && root.Sfdc.canvas;
    var client = session.client;
    var platform = { token: session.token, expiresAt: session.expiresAt };
    var context = session.context || {};
    var environment = context.environment || {};
    var user = hostUser(context.user);
    var view = viewOf(session.view);
    var container = document.getElementById('sidebar');
    var message = document.getElementById('shell-message');

    function say(text) {
      message.textContent = text;
      message.hidden = false;
    }

    function restUrl(path) {
      return client.instanceUrl.replace(/\/+$/, '') + '/services/data/v' + session.apiVersion + path;
    }

    // One retry after Salesforce says the OAuth token expired: a refreshed signed request carries
    // a new one. A 401 means nothing was created, so the retry cannot log a Task twice.
    function salesforce(path, init, retried) {
      var headers = { Accept: 'application/json', Authorization: 'Bearer ' + client.oauthToken };
      if (init && init.body) headers['Content-Type'] = 'application/json';
      return root.fetch(restUrl(path), Object.assign({}, init, { headers: headers, credentials: 'omit' }))
        .then(function (response) {
          if (response.status === 401 && !retried) return renew().then(function () { return salesforce(path, init, true); });
          if (!response.ok) fail('Salesforce answered ' + response.status + ' to ' + ((init && init.method) || 'GET') + ' ' + path.split('?')[0]);
          return response.json();
        });
    }

    function readPeople(entity, ids) {
      return salesforce('/query?q=' + encodeURIComponent(fieldsQuery(entity, ids))).then(function (answer) {
        var byId = {};
        (answer.records || []).forEach(function (row) { byId[row.Id] = recordFromRow(entity, row); });
        // In the order given; someone this user may not see in Salesforce keeps just the id.
        return ids.map(function (id) { return byId[id] || recordFromRow(entity, { Id: id }); });
      });
    }

    function renew() {
      if (!sdk) return Promise.reject(new Error('the canvas SDK is not loaded, so the sign-in cannot be renewed'));
      return new Promise(function (resolve, reject) {
        sdk.client.refreshSignedRequest(function (data) {
          if (data && data.status === 200 && data.payload && data.payload.response) resolve(data.payload.response);
          else reject(new Error('Salesforce did not renew the signed request (' + (data && data.status) + ')'));
        });
      }).then(function (signedRequest) {
        return root.fetch(session.exchangeUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ kind: 'salesforceCanvas', signedRequest: signedRequest }),
          credentials: 'omit',
        }).then(function (response) {
          if (!response.ok) fail('the platform refused the renewed sign-in (' + response.status + ')');
          return response.json();
        }).then(function (answer) {
          platform = { token: answer.token, expiresAt: answer.expiresAt };
          // The platform accepted this signed request, so its OAuth token is Salesforce's.
          var fresh = signedRequestPayload(signedRequest).client || {};
          client = Object.assign({}, client, { oauthToken: fresh.oauthToken, instanceUrl: fresh.instanceUrl || client.instanceUrl });
          return platform;
        });
      });
    }

    var record = null;
    try {
      record = TAB_VIEWS.indexOf(view) >= 0 ? null : recordOf(environment);
    } catch (error) {
      say('The marketing sidebar cannot show this page: ' + error.message + '.');
      return;
    }

    var selectionEntity = null;
    var selectionIds = new Promise(function (resolve, reject) {
      var parameters = environment.parameters || {};
      if (parameters.selection !== 'listView') return resolve([]);
      if (!sdk) return reject(new Error('the canvas SDK is not loaded, so the list view selection cannot arrive'));
      var timer = root.setTimeout(function () { reject(new Error('the list view did not send its selection')); }, SELECTION_PATIENCE_MS);
      sdk.client.subscribe(client, {
        name: SELECTION_EVENT,
        onData: function (event) {
          root.clearTimeout(timer);
          try {
            selectionEntity = event && event.entity;
            if (selectionEntity !== 'lead' && selectionEntity !== 'contact') fail('the list view sent a selection of "' + selectionEntity + '"');
            resolve(checkSelection(event.ids));
          } catch (error) {
            reject(error);
          }
        },
      });
      sdk.client.publish(client, { name: READY_EVENT, payload: {} });
    });

    // Read once; the plugin asks for the context again after a reload or a retry.
    var people = Promise.all([
      record ? readPeople(record.entity, [record.id]).then(function (rows) { return rows[0]; }) : Promise.resolve(null),
      selectionIds.then(function (ids) { return ids.length ? readPeople(selectionEntity, ids) : []; }),
    ]);
    people.catch(function (error) { say('The marketing sidebar could not read the people from Salesforce: ' + error.message + '.'); });

    root.CrmSidebarHost.mount({
      container: container,
      frameId: 'sidebar-frame',
      title: 'Marketing sidebar',
      pluginUrl: session.pluginUrl,
      view: view,
      getContext: function () {
        return people.then(function (found) {
          return {
            token: platform.token,
            expiresAt: platform.expiresAt,
            view: view,
            record: found[0],
            selection: found[1],
            user: user,
            theme: 'light',
          };
        });
      },
      getToken: function () {
        return renew();
      },
      onOpenRecord: function (entity, id) {
        if (!sdk) return;
        sdk.client.publish(client, { name: 's1.navigateToSObject', payload: { recordId: id, view: 'detail' } });
      },
      onLogActivity: function (activity) {
        return salesforce('/sobjects/Task', {
          method: 'POST',
          body: JSON.stringify(completedTask(activity, user.timeZone, new Date())),
        }).catch(function (error) {
          say('The email was sent, but Salesforce did not log it as a Task: ' + error.message + '.');
          // sidebar-host.js answers the plugin with it (activityError), which offers a retry.
          throw error;
        });
      },
      onResize: function (height) {
        container.style.height = height + 'px';
        if (sdk) sdk.client.resize(client, { height: height + 'px' });
      },
    });
  }

  var api = {
    MAX_SELECTION: MAX_SELECTION,
    hostUser: hostUser,
    recordOf: recordOf,
    viewOf: viewOf,
    checkSelection: checkSelection,
    fieldsQuery: fieldsQuery,
    recordFromRow: recordFromRow,
    todayIn: todayIn,
    completedTask: completedTask,
    signedRequestPayload: signedRequestPayload,
    start: start,
  };
  if (typeof module === 'object' && module.exports) {
    module.exports = api;
  } else {
    root.SalesforceCanvasShell = api;
    start(root.document);
  }
})(typeof window !== 'undefined' ? window : globalThis);
