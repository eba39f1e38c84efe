/*
 * sidebar-host.js: embeds the marketing sidebar in a CRM page (host bridge protocol crm-sidebar/1).
 *
 * Plain ES2017, no dependencies, no build step. Include it with a <script src> and call
 * `CrmSidebarHost.mount(options)`; see the README section "Embedding the sidebar".
 *
 *   var sidebar = CrmSidebarHost.mount({
 *     container: document.getElementById('marketing'),
 *     pluginUrl: 'https://plugin.example.com/index.html',
 *     // tabUrl: the page of view hotProspects, when not tab/index.html beside pluginUrl
 *     view: 'activity',
 *     getContext: async function () { return { token, expiresAt, record, selection, user, theme }; },
 *     getToken: async function () { return { token, expiresAt }; },
 *     onOpenRecord: function (entity, id) { ... },
 *     onLogActivity: async function (activity) { ... },   // {entity, id, subject, body}; resolves
 *                                                         // once stored, rejects if not
 *   });
 *   sidebar.update({ record: nextRecord });   // the user switched record
 *   sidebar.destroy();
 *
 * Security rules this script keeps, so an integrator does not have to:
 * - a message is handled only if it comes from our iframe's window, from the plugin's origin and
 *   carries the protocol tag; anything else is ignored without a word;
 * - messages are posted to the plugin's exact origin, never '*', so a token cannot reach a page
 *   the iframe was navigated to;
 * - the token stays in memory: it is never logged, stored or put in a URL.
 */
(function (global) {
  'use strict';

  var PROTOCOL = 'crm-sidebar/1';
  var VIEWS = ['activity', 'timeline', 'send', 'programs', 'hotProspects', 'dashboard'];
  // The views of the `tab` mount, and their page relative to the sidebar's (see mount()).
  var TAB_VIEWS = ['hotProspects', 'dashboard'];
  var TAB_PAGE = 'tab/index.html';
  var ENTITIES = ['lead', 'contact', 'account'];
  var RECORD_FIELDS = ['email', 'firstName', 'lastName', 'company', 'jobTitle'];
  // Same-origin is needed for the plugin's own API calls and storage of its (non-secret) settings;
  // popups for links it opens, downloads for CSV exports. Nothing else: no forms, no top navigation.
  var SANDBOX = 'allow-scripts allow-same-origin allow-popups allow-downloads';
  var MAX_HEIGHT = 20000;
  var CONTEXT_PATIENCE_MS = 60000;
  // How old the context asked for at mount may be when the plugin's first `ready` takes it.
  var EARLY_CONTEXT_MS = 10000;
  // The plugin waits 10 s for a token: a getToken() running longer than that is given up, so a
  // hung sign-on does not swallow every later request.
  var TOKEN_PATIENCE_MS = 10000;
  var MAX_ID = 255;
  var MAX_NOTE_SUBJECT = 500;
  var MAX_NOTE_BODY = 20000;

  function fail(message) {
    throw new Error('CrmSidebarHost: ' + message);
  }

  function warn(message) {
    if (global.console && global.console.warn) {
      global.console.warn('CrmSidebarHost: ' + message);
    }
  }

  function isNonEmptyString(value) {
    return typeof value === 'string' && value.length > 0;
  }

  /**
   * RFC 3339 UTC for the plugin, from a date-time string with its offset, a Date, or epoch
   * milliseconds (or seconds, as a JWT's `exp` has them: numbers below 1e11 are seconds).
   */
  function toIsoTime(value) {
    var date = null;
    if (typeof value === 'string' && /(Z|[+-]\d\d:?\d\d)$/i.test(value.trim())) date = new Date(value);
    else if (value instanceof Date) date = value;
    else if (typeof value === 'number' && isFinite(value)) date = new Date(value < 1e11 ? value * 1000 : value);
    // Years 2000 to 9999: a four-digit year, as RFC 3339 has it (epoch microseconds read as
    // milliseconds would be in the year 55,000, which the plugin could not read).
    if (!date || isNaN(date.getTime()) || date.getUTCFullYear() < 2000 || date.getUTCFullYear() > 9999) {
      fail('expiresAt must be a date-time with its offset (RFC 3339), a Date or epoch milliseconds, in the years 2000 to 9999');
    }
    return date.toISOString();
  }

  /** Only the record fields of the protocol: whatever else the CRM keeps stays in the CRM. */
  function toRecord(record) {
    var id = record && record.id !== undefined && record.id !== null ? String(record.id) : '';
    if (!record || ENTITIES.indexOf(record.entity) < 0 || !isNonEmptyString(id)) {
      fail('a record needs entity (lead, contact or account) and id');
    }
    var out = { entity: record.entity, id: id };
    RECORD_FIELDS.forEach(function (field) {
      var value = record[field];
      out[field] = value === undefined || value === null || value === '' ? null : String(value);
    });
    return out;
  }

  function toUser(user) {
    // CRMs use numbers as ids too; the protocol carries text.
    var id = user && user.id !== undefined && user.id !== null ? String(user.id) : '';
    if (!isNonEmptyString(id)) fail('context.user.id is required');
    return {
      id: id,
      name: String(user.name || id),
      locale: String(user.locale || (global.navigator && global.navigator.language) || 'en-US'),
      timeZone: String(user.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'),
    };
  }

  /** The `context` message from what getContext() returned, overlaid with update()s. */
  function contextMessage(context, view) {
    if (!context || !isNonEmptyString(context.token)) fail('getContext() must return a token');
    if (context.view && VIEWS.indexOf(context.view) < 0) fail('unknown view "' + context.view + '"');
    return {
      protocol: PROTOCOL,
      type: 'context',
      token: context.token,
      expiresAt: toIsoTime(context.expiresAt),
      view: context.view || view,
      record: context.record ? toRecord(context.record) : null,
      selection: (context.selection || []).map(toRecord),
      user: toUser(context.user),
      theme: context.theme === 'dark' ? 'dark' : 'light',
      limits: toLimits(context.limits),
    };
  }

  /** What the CRM can store; the plugin fits its notes to it. Absent, the plugin's default (255). */
  function toLimits(limits) {
    var out = {};
    if (limits && limits.noteSubject !== undefined) {
      var n = limits.noteSubject;
      if (typeof n !== 'number' || n !== Math.floor(n) || n < 1 || n > MAX_NOTE_SUBJECT) {
        fail('limits.noteSubject must be a whole number from 1 to ' + MAX_NOTE_SUBJECT);
      }
      out.noteSubject = n;
    }
    return out;
  }

  function resolveContainer(container) {
    var element = typeof container === 'string' ? document.querySelector(container) : container;
    if (!element || typeof element.appendChild !== 'function') {
      fail('container must be an element or a selector that finds one');
    }
    return element;
  }

  /**
   * Creates the sidebar iframe in `options.container` and answers its messages.
   * Returns `{ iframe, update(partialContext), destroy() }`.
   */
  function mount(options) {
    options = options || {};
    var container = resolveContainer(options.container);
    var view = options.view || 'activity';
    if (VIEWS.indexOf(view) < 0) fail('unknown view "' + view + '"');
    if (typeof options.getContext !== 'function') fail('getContext is required');
    if (!isNonEmptyString(options.pluginUrl)) fail('pluginUrl is required');

    var url = new URL(options.pluginUrl, global.location.href);
    // The plugin has a page per kind of mount, each carrying only its views (the manifest's
    // `entryUrls`): `pluginUrl` names the sidebar's page, and the CRM tab's is beside it.
    if (TAB_VIEWS.indexOf(view) >= 0) url = new URL(options.tabUrl || TAB_PAGE, url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('pluginUrl must be http(s)');
    var pluginOrigin = url.origin;
    // A frame allowed both scripts and its own origin could lift its sandbox on the CRM's origin
    // and reach the CRM page: the plugin must come from an origin of its own.
    if (pluginOrigin === global.location.origin) fail('pluginUrl must be on another origin than this page');
    // The plugin learns who embeds it from `host` and checks it against its manifest allow-list.
    url.searchParams.set('host', global.location.origin);
    url.searchParams.set('view', view);

    var iframe = document.createElement('iframe');
    if (options.frameId) iframe.id = options.frameId;
    iframe.className = options.frameClass || 'crm-sidebar-frame';
    iframe.title = options.title || 'Marketing sidebar';
    iframe.setAttribute('sandbox', SANDBOX);
    iframe.setAttribute('allow', '');
    iframe.setAttribute('referrerpolicy', 'no-referrer');
    iframe.src = url.href;

    var overrides = {}; // fields given to update(); they win over getContext()
    var destroyed = false;
    var ready = false;
    var contextSeq = 0;
    var contextSince = 0; // when the getContext() whose answer will be posted started, or 0
    // The first context is asked for as the frame starts loading rather than at the plugin's
    // first `ready`: the token in it (an SSO exchange, in a real CRM) is then on its way while
    // the plugin loads. The first `ready` posts it, unless it started too long ago.
    var early = null;
    var earlySince = 0;
    var notable = Object.create(null); // "entity/id" of every record given: where notes may go

    function post(message) {
      if (destroyed || !iframe.contentWindow) return;
      iframe.contentWindow.postMessage(message, pluginOrigin);
    }

    function askContext() {
      return Promise.resolve().then(function () { return options.getContext(); });
    }

    function sendContext() {
      // Only the newest context is sent: a slow getContext() for a record the user already left
      // must not overwrite the one they are looking at.
      var seq = ++contextSeq;
      var asked = early && Date.now() - earlySince < EARLY_CONTEXT_MS ? early : null;
      early = null;
      contextSince = asked ? earlySince : Date.now();
      return (asked || askContext())
        .then(function (context) {
          if (destroyed || seq !== contextSeq) return;
          contextSince = 0;
          var message = contextMessage(Object.assign({}, context, overrides), view);
          noteSubjectLimit = message.limits.noteSubject || MAX_NOTE_SUBJECT;
          // Notes may be logged on records the plugin was given (a send still running when the
          // user moved on logs on the record it was for), and on no other.
          (message.record ? [message.record] : []).concat(message.selection).forEach(function (record) {
            notable[record.entity + '/' + record.id] = true;
          });
          post(message);
        })
        .catch(function (error) {
          if (seq !== contextSeq) return;
          contextSince = 0;
          // The plugin tells the user it could not connect, and offers to try again (`ready`).
          warn('could not send the context (' + describe(error) + ')');
          post({ protocol: PROTOCOL, type: 'tokenError' });
        });
    }

    // One call to the page's getToken at a time: requests arriving meanwhile share it, unless
    // it has run longer than the plugin waits (then it is left to finish on its own).
    var pendingToken = null;
    var pendingTokenSince = 0;

    function sendToken(id) {
      var getToken = options.getToken || options.getContext;
      if (!pendingToken || Date.now() - pendingTokenSince > TOKEN_PATIENCE_MS) {
        var attempt = Promise.resolve().then(function () { return getToken(); });
        var settle = function () { if (pendingToken === attempt) pendingToken = null; };
        attempt.then(settle, settle);
        pendingToken = attempt;
        pendingTokenSince = Date.now();
      }
      pendingToken
        .then(function (fresh) {
          if (!fresh || !isNonEmptyString(fresh.token)) fail('getToken() must return a token');
          post({ protocol: PROTOCOL, type: 'token', id: id, token: fresh.token, expiresAt: toIsoTime(fresh.expiresAt) });
        })
        .catch(function (error) {
          // The plugin ends the session at once instead of waiting for an answer.
          warn('could not get a token (' + describe(error) + ')');
          post({ protocol: PROTOCOL, type: 'tokenError', id: id });
        });
    }

    function call(name, args) {
      var callback = options[name];
      if (typeof callback !== 'function') return false;
      Promise.resolve()
        .then(function () { return callback.apply(null, args); })
        .catch(function (error) { warn(name + ' failed (' + describe(error) + ')'); });
      return true;
    }

    // The subject limit of the context last sent: a note over it could not be stored.
    var noteSubjectLimit = MAX_NOTE_SUBJECT;

    /**
     * Logs a note through onLogActivity and tells the plugin what became of it, by the
     * `noteId` it gave: `activityLogged` once the callback's promise resolves, `activityError`
     * with why when it rejects or the note cannot be stored. (A plugin that gave no `noteId`
     * predates the answer and gets none.)
     */
    function logActivity(data) {
      var noteId = isNonEmptyString(data.noteId) && data.noteId.length <= MAX_ID ? data.noteId : null;
      function refuse(why) {
        warn('a note was not logged (' + why + ')');
        if (noteId) post({ protocol: PROTOCOL, type: 'activityError', id: noteId, message: why });
      }
      if (ENTITIES.indexOf(data.entity) < 0 || !isNonEmptyString(data.id)) return refuse('no such record');
      if (typeof data.subject !== 'string' || typeof data.body !== 'string') return refuse('no subject or body');
      if (data.subject.length === 0) return refuse('the subject is empty');
      if (data.subject.length > noteSubjectLimit) {
        return refuse('the subject is longer than the CRM stores (' + noteSubjectLimit + ' characters)');
      }
      if (data.body.length > MAX_NOTE_BODY) {
        return refuse('the text is longer than the CRM stores (' + MAX_NOTE_BODY + ' characters)');
      }
      // A tab view (Hot Prospects, the dashboard) has no record of the page: the people it shows,
      // and writes to, are the user's own from the marketing platform, any of which it may open.
      if (TAB_VIEWS.indexOf(view) < 0 && !notable[data.entity + '/' + data.id]) {
        return refuse('not a record the sidebar was given');
      }
      var callback = options.onLogActivity;
      if (typeof callback !== 'function') return refuse('this page does not log activity');
      var activity = { entity: data.entity, id: data.id, subject: data.subject, body: data.body };
      Promise.resolve()
        .then(function () { return callback(activity); })
        .then(function () {
          if (noteId) post({ protocol: PROTOCOL, type: 'activityLogged', id: noteId });
        }, function (error) {
          refuse(describe(error));
        });
    }

    function onMessage(event) {
      if (event.source !== iframe.contentWindow || event.origin !== pluginOrigin) return;
      var data = event.data;
      if (!data || typeof data !== 'object' || data.protocol !== PROTOCOL) return;
      switch (data.type) {
        case 'ready':
          // Sent again if the plugin reloads, or when the user tries again after a slow
          // getContext(): one running for less than a minute answers it rather than being
          // thrown away (one that hangs longer is given up).
          ready = true;
          if (!contextSince || Date.now() - contextSince > CONTEXT_PATIENCE_MS) sendContext();
          break;
        case 'tokenRequest':
          if (isNonEmptyString(data.id)) sendToken(data.id);
          break;
        case 'openRecord':
          // Any record (hot prospects opens records the context does not name); the id is
          // the CRM's to check, and the page must encode it into any URL it builds.
          if (ENTITIES.indexOf(data.entity) >= 0 && isNonEmptyString(data.id) && data.id.length <= MAX_ID) {
            call('onOpenRecord', [data.entity, data.id]);
          }
          break;
        case 'logActivity':
          logActivity(data);
          break;
        case 'resize':
          if (typeof data.height === 'number' && isFinite(data.height) && data.height >= 0) {
            var height = Math.min(Math.ceil(data.height), MAX_HEIGHT);
            if (!call('onResize', [height])) iframe.style.height = height + 'px';
          }
          break;
        case 'close':
          // Without onClose the sidebar hides itself.
          if (!call('onClose', [])) iframe.style.display = 'none';
          break;
        default:
          break; // a newer plugin may send more; unknown messages are not an error
      }
    }

    // Listen before the iframe exists so its first `ready` cannot be missed.
    global.addEventListener('message', onMessage);
    container.appendChild(iframe);
    early = askContext();
    earlySince = Date.now();
    // Its failure is handled when a `ready` takes it (the plugin is told, and may ask again).
    early.catch(function () {});

    return {
      iframe: iframe,
      pluginOrigin: pluginOrigin,
      /** Re-sends the context with these fields replaced, e.g. `{record}` when the user switches record. */
      update: function (partialContext) {
        if (destroyed) return Promise.resolve();
        // A record, selection, user or view the protocol cannot carry throws here, to the
        // caller, and is not kept (a theme other than 'dark' is 'light'). The token is not
        // something to override: it comes from getContext() and getToken(), fresh each time.
        var partial = Object.assign({}, partialContext || {});
        delete partial.token;
        delete partial.expiresAt;
        if (partial.record) toRecord(partial.record);
        if (partial.selection) {
          if (!Array.isArray(partial.selection)) fail('selection must be an array of records');
          partial.selection.forEach(toRecord);
        }
        if (partial.user) toUser(partial.user);
        if (partial.view && VIEWS.indexOf(partial.view) < 0) fail('unknown view "' + partial.view + '"');
        overrides = Object.assign({}, overrides, partial);
        return ready ? sendContext() : Promise.resolve();
      },
      /** Removes the iframe and stops listening; safe to call twice. */
      destroy: function () {
        if (destroyed) return;
        destroyed = true;
        global.removeEventListener('message', onMessage);
        if (iframe.parentNode) iframe.parentNode.removeChild(iframe);
      },
    };
  }

  // Only the message of an error: never the object, which could hold a request with the token.
  function describe(error) {
    return error && error.message ? error.message : String(error);
  }

  global.CrmSidebarHost = Object.freeze({ PROTOCOL: PROTOCOL, VIEWS: VIEWS.slice(), mount: mount });
})(window);
