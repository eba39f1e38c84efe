/*
 * The demo CRM's shared code: the session read from the URL, the top bar with the user switcher,
 * calls to the demo CRM's own endpoints (/crm/api), its sign-in (the demo identity provider and
 * the platform's SSO exchange), the user list of the sandbox's development endpoints (/dev on
 * the API origin), and small DOM helpers.
 *
 * Everything shown is set with textContent: data never goes through innerHTML.
 * Tokens live in memory only: never in storage, cookies or the URL.
 */
(function () {
  'use strict';

  var DEFAULT_USER = 'rep-ava';
  var DEFAULT_TTL_SECONDS = 900;
  /** The longest sign-in the demo identity provider gives, as Entra's access tokens. */
  var MAX_TTL_SECONDS = 3600;
  /** Params that make up the demo session and are kept on every link between pages. */
  var SESSION_PARAMS = ['user', 'ttl', 'locale', 'tz', 'theme'];
  var ENTITIES = ['lead', 'contact', 'account'];
  var ENTITY_LABELS = {
    lead: { one: 'lead', many: 'leads', title: 'Leads' },
    contact: { one: 'contact', many: 'contacts', title: 'Contacts' },
    account: { one: 'account', many: 'accounts', title: 'Accounts' },
  };

  var params = new URLSearchParams(location.search);
  var warnings = [];

  function param(name) {
    var value = params.get(name);
    return value === null ? '' : value.trim();
  }

  function validLocale(tag) {
    try {
      return Intl.getCanonicalLocales(tag)[0];
    } catch (e) {
      return null;
    }
  }

  function validTimeZone(zone) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return zone;
    } catch (e) {
      return null;
    }
  }

  function readSession() {
    var browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    var ttl = parseInt(param('ttl'), 10);
    if (param('ttl') && !(ttl >= 1 && ttl <= MAX_TTL_SECONDS)) {
      warnings.push('ttl must be 1 to ' + MAX_TTL_SECONDS + ' seconds; using ' + DEFAULT_TTL_SECONDS + '.');
    }
    var locale = param('locale') ? validLocale(param('locale')) : null;
    if (param('locale') && !locale) warnings.push('Unknown locale "' + param('locale') + '"; using the browser\'s.');
    var timeZone = param('tz') ? validTimeZone(param('tz')) : null;
    if (param('tz') && !timeZone) warnings.push('Unknown time zone "' + param('tz') + '"; using the browser\'s.');
    return {
      crmUser: param('user') || DEFAULT_USER,
      ttlSeconds: ttl >= 1 && ttl <= MAX_TTL_SECONDS ? ttl : DEFAULT_TTL_SECONDS,
      locale: locale || validLocale(navigator.language) || 'en-US',
      timeZone: timeZone || browserZone,
      theme: param('theme') === 'dark' ? 'dark' : 'light',
    };
  }

  var session = readSession();
  document.documentElement.setAttribute('data-theme', session.theme);

  /** A same-origin URL to `path` keeping the session params, with `extra` set (null removes). */
  function pageUrl(path, extra) {
    var next = new URLSearchParams();
    SESSION_PARAMS.forEach(function (name) {
      if (params.has(name)) next.set(name, params.get(name));
    });
    Object.keys(extra || {}).forEach(function (name) {
      var value = extra[name];
      if (value === null || value === undefined || value === '') next.delete(name);
      else next.set(name, String(value));
    });
    var query = next.toString();
    return path + (query ? '?' + query : '');
  }

  function recordUrl(entity, id) {
    return pageUrl('/record', { entity: entity, id: id });
  }

  // ---------------------------------------------------------------------------------------------
  // DOM helpers

  /**
   * `el('a', {href: url, className: 'x', dataset: {recordId: id}}, ['text', child])`.
   * Strings become text nodes; properties are set as DOM properties, never as HTML.
   */
  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (value === undefined || value === null) return;
      if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key === 'attrs') Object.keys(value).forEach(function (name) { node.setAttribute(name, value[name]); });
      else if (key === 'on') Object.keys(value).forEach(function (name) { node.addEventListener(name, value[name]); });
      else node[key] = value;
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  /** Shows `message` in the page's banner (`#page-message`); kind is 'error', 'info' or 'success'. */
  function showMessage(message, kind) {
    var banner = byId('page-message');
    if (!banner) return;
    banner.textContent = message;
    banner.className = 'banner banner-' + (kind || 'error');
    banner.hidden = false;
  }

  function hideMessage() {
    var banner = byId('page-message');
    if (banner) banner.hidden = true;
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP

  function HttpError(status, message) {
    this.name = 'HttpError';
    this.status = status;
    this.message = message;
  }
  HttpError.prototype = Object.create(Error.prototype);

  /** fetch + JSON, throwing HttpError on a non-2xx answer (with the API's error message if any). */
  function requestJson(url, init) {
    var options = Object.assign({ credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' }, init || {});
    return fetch(url, options).then(function (response) {
      if (response.status === 204) return null;
      return response.text().then(function (text) {
        var body = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch (e) {
          body = null;
        }
        if (!response.ok) {
          var message = body && body.error && body.error.message ? body.error.message : 'HTTP ' + response.status;
          throw new HttpError(response.status, message);
        }
        return body;
      });
    });
  }

  function postJson(url, body) {
    return requestJson(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  var configPromise = null;
  /** `{pluginOrigin, apiOrigin}` of the running sandbox. */
  function config() {
    if (!configPromise) configPromise = requestJson('/crm/api/config');
    return configPromise;
  }

  var usersPromise = null;
  /** `[{crmUser, name, role, tenant}]` from the sandbox's development endpoint. */
  function users() {
    if (!usersPromise) {
      usersPromise = config().then(function (c) { return requestJson(c.apiOrigin + '/dev/users'); });
    }
    return usersPromise;
  }

  /** The current user's entry in /dev/users, or null when unknown. */
  function currentUser() {
    return users().then(function (list) {
      return list.filter(function (u) { return u.crmUser === session.crmUser; })[0] || null;
    });
  }

  /**
   * A fresh platform token for the current user: `{token, expiresAt}`, got the way a CRM that
   * signs its users in with Microsoft gets one. The demo identity provider (on this origin,
   * standing in for Entra ID) gives an assertion for the user; the platform checks it against
   * the demo connection and exchanges it for its own token (`POST /v1/sso/exchange`). Both are
   * kept in the caller's memory only.
   */
  function mintToken() {
    return postJson('/demo-idp/assertion', { user: session.crmUser, lifetimeSeconds: session.ttlSeconds })
      .then(function (signedIn) {
        return config().then(function (c) {
          return postJson(c.apiOrigin + '/v1/sso/exchange', { kind: 'entraId', assertion: signedIn.assertion });
        });
      })
      .then(function (answer) {
        return { token: answer.token, expiresAt: answer.expiresAt };
      });
  }

  /** The `user` of the protocol context. */
  function hostUser() {
    return currentUser().catch(function () { return null; }).then(function (user) {
      return {
        id: session.crmUser,
        name: user ? user.name : session.crmUser,
        locale: session.locale,
        timeZone: session.timeZone,
      };
    });
  }

  /** The `getContext` for CrmSidebarHost.mount: a fresh token plus what the page shows. */
  function contextProvider(fields) {
    return function () {
      return Promise.all([mintToken(), hostUser()]).then(function (results) {
        return {
          token: results[0].token,
          expiresAt: results[0].expiresAt,
          record: fields.record || null,
          selection: fields.selection || [],
          user: results[1],
          theme: session.theme,
        };
      });
    };
  }

  // ---------------------------------------------------------------------------------------------
  // CRM records

  function crmApi(path, extraQuery) {
    var query = new URLSearchParams(extraQuery || {});
    query.set('user', session.crmUser);
    return '/crm/api/' + path + '?' + query.toString();
  }

  function segment(value) {
    return encodeURIComponent(String(value));
  }

  /** A CrmRecordRow as the protocol's CrmRecord. */
  function toCrmRecord(row) {
    return {
      entity: row.entity,
      id: row.id,
      email: row.email || null,
      firstName: row.firstName || null,
      lastName: row.lastName || null,
      company: row.company || null,
      jobTitle: row.jobTitle || null,
    };
  }

  function displayName(row) {
    var name = [row.firstName, row.lastName].filter(Boolean).join(' ');
    return name || row.email || row.id;
  }

  function formatDateTime(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) return String(iso);
    try {
      return new Intl.DateTimeFormat(session.locale, {
        dateStyle: 'medium', timeStyle: 'short', timeZone: session.timeZone,
      }).format(date);
    } catch (e) {
      return date.toISOString();
    }
  }

  function entityParam(fallback) {
    var entity = param('entity');
    return ENTITIES.indexOf(entity) >= 0 ? entity : fallback;
  }

  // ---------------------------------------------------------------------------------------------
  // Top bar

  var NAV = [
    { key: 'lead', label: 'Leads', path: '/list', extra: { entity: 'lead' } },
    { key: 'contact', label: 'Contacts', path: '/list', extra: { entity: 'contact' } },
    { key: 'hotProspects', label: 'Hot prospects', path: '/hot-prospects', extra: {} },
    { key: 'dashboard', label: 'Dashboard', path: '/dashboard', extra: {} },
  ];

  /** Builds the top bar into `#topbar`; `active` is a NAV key. */
  function renderTopBar(active) {
    var bar = byId('topbar');
    if (!bar) return;
    clear(bar);
    var nav = el('nav', { className: 'topnav', attrs: { 'aria-label': 'Main' } }, NAV.map(function (item) {
      var link = el('a', { href: pageUrl(item.path, item.extra), id: 'nav-' + item.key }, [item.label]);
      if (item.key === active) link.setAttribute('aria-current', 'page');
      return link;
    }));
    var switcher = el('select', { id: 'user-switcher', disabled: true, attrs: { 'aria-label': 'Signed in as' } }, [
      el('option', { value: session.crmUser, selected: true }, [session.crmUser]),
    ]);
    switcher.addEventListener('change', function () {
      // Page and selection belong to the previous user's view of the records.
      var extra = { user: switcher.value, page: null };
      var next = new URLSearchParams(location.search);
      next.forEach(function (value, name) {
        if (SESSION_PARAMS.indexOf(name) < 0 && !(name in extra)) extra[name] = value;
      });
      location.assign(pageUrl(location.pathname, extra));
    });
    bar.appendChild(el('a', { className: 'brand', href: pageUrl('/list', { entity: 'lead' }) }, [
      el('span', { className: 'brand-mark', attrs: { 'aria-hidden': 'true' } }, ['◆']),
      'Demo CRM',
    ]));
    bar.appendChild(nav);
    bar.appendChild(el('label', { className: 'user-switch' }, [el('span', {}, ['Signed in as']), switcher]));

    users().then(function (list) {
      clear(switcher);
      var groups = {};
      var known = false;
      list.forEach(function (user) {
        if (!groups[user.tenant]) {
          groups[user.tenant] = el('optgroup', { label: user.tenant });
          switcher.appendChild(groups[user.tenant]);
        }
        var selected = user.crmUser === session.crmUser;
        known = known || selected;
        groups[user.tenant].appendChild(el('option', { value: user.crmUser, selected: selected }, [
          user.name + ' (' + user.role + ')',
        ]));
      });
      if (!known) {
        switcher.insertBefore(el('option', { value: session.crmUser, selected: true }, [session.crmUser + ' (unknown)']),
          switcher.firstChild);
        showMessage('There is no CRM user "' + session.crmUser + '". Pick one in "Signed in as".');
      }
      switcher.disabled = false;
    }).catch(function (error) {
      showMessage('The sandbox could not be reached (' + error.message + '). Is it running?');
    });

    if (warnings.length) showMessage(warnings.join(' '), 'info');
  }

  window.Demo = {
    session: session,
    param: param,
    entityParam: entityParam,
    entityLabels: ENTITY_LABELS,
    pageUrl: pageUrl,
    recordUrl: recordUrl,
    el: el,
    byId: byId,
    clear: clear,
    showMessage: showMessage,
    hideMessage: hideMessage,
    HttpError: HttpError,
    requestJson: requestJson,
    postJson: postJson,
    config: config,
    users: users,
    currentUser: currentUser,
    mintToken: mintToken,
    contextProvider: contextProvider,
    crmApi: crmApi,
    segment: segment,
    toCrmRecord: toCrmRecord,
    displayName: displayName,
    formatDateTime: formatDateTime,
    renderTopBar: renderTopBar,
  };
})();
