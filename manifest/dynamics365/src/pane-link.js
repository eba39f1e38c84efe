// @ts-check
/*
 * How the form's launcher tells the open side pane that the user opened another record, so the
 * pane sends the plugin a new context instead of reloading it.
 *
 * The launcher (a form script) and the pane page (a web resource in the side pane) are pages of
 * the same origin in the same tab with no reference to each other, so they talk over a
 * BroadcastChannel. Its name carries an id kept in the tab's sessionStorage, so two tabs of the
 * app never move each other's pane.
 */
import { isEntity, normalId } from './records.js';

const TAB_KEY = 'msb_sidebar_tab';

/**
 * The channel name of this browser tab.
 * @param {Storage} storage the tab's sessionStorage
 */
export function tabChannelName(storage) {
  let tab = storage.getItem(TAB_KEY);
  if (!tab || !/^[0-9a-f]{16}$/.test(tab)) {
    const bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    tab = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    storage.setItem(TAB_KEY, tab);
  }
  return `msb_sidebar_${tab}`;
}

/**
 * Asks the pane page listening on `channel` to show `record`; resolves true once it said it did,
 * false if no pane page answered within `patienceMs` (none is loaded, or it is still loading).
 * @param {BroadcastChannel} channel
 * @param {import('./records.js').SidebarRecord} record
 * @param {number} patienceMs
 * @returns {Promise<boolean>}
 */
export function askPaneToShow(channel, record, patienceMs) {
  const request = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(false), patienceMs);
    /** @param {MessageEvent} event */
    function onMessage(event) {
      const data = event.data;
      if (data && data.type === 'shown' && data.request === request) finish(true);
    }
    /** @param {boolean} shown */
    function finish(shown) {
      clearTimeout(timer);
      channel.removeEventListener('message', onMessage);
      resolve(shown);
    }
    channel.addEventListener('message', onMessage);
    channel.postMessage({ type: 'show', request, record });
  });
}

/**
 * Calls `show(record)` for every record the launcher sends, and tells the launcher it did.
 * Messages that are not a well-formed record are ignored.
 * @param {BroadcastChannel} channel
 * @param {(record: import('./records.js').SidebarRecord) => void | Promise<void>} show
 */
export function listenForRecords(channel, show) {
  channel.addEventListener('message', async (event) => {
    const data = event.data;
    if (!data || data.type !== 'show' || typeof data.request !== 'string') return;
    const record = checkedRecord(data.record);
    if (!record) return;
    await show(record);
    channel.postMessage({ type: 'shown', request: data.request });
  });
}

/**
 * `value` if it is a record as the launcher writes one, else null: the pane checks what it is
 * given, from the channel or from its page's `data`.
 * @param {any} value
 * @returns {import('./records.js').SidebarRecord | null}
 */
export function checkedRecord(value) {
  if (!value || typeof value !== 'object' || !isEntity(value.entity) || normalId(value.id) !== value.id) return null;
  const field = (/** @type {string} */ name) => (typeof value[name] === 'string' && value[name].length <= 1000 ? value[name] : null);
  return {
    entity: value.entity, id: value.id, email: field('email'), firstName: field('firstName'),
    lastName: field('lastName'), company: field('company'), jobTitle: field('jobTitle'),
  };
}
