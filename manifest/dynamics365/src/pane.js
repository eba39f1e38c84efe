// @ts-check
/*
 * pane.html's script: the plugin's Activity view beside the open lead, contact or account.
 * The launcher opens this page with the form's record as `data`, and later sends the records the
 * user switches to over the tab's channel (pane-link.js): the plugin gets a new context rather
 * than a reload.
 */
import { startSidebar, pageData } from './page.js';
import { checkedRecord, listenForRecords, tabChannelName } from './pane-link.js';

async function main() {
  const record = checkedRecord(pageData(window.location));
  const sidebar = await startSidebar({
    page: window,
    view: 'activity',
    record,
    // The side pane has its own width and height; the plugin fills it and scrolls inside.
    onResize: () => {},
  });
  if (!sidebar) return;
  try {
    listenForRecords(new BroadcastChannel(tabChannelName(window.sessionStorage)), (next) => sidebar.update({ record: next }));
  } catch (_) {
    // Without a channel the launcher gets no answer and navigates the pane to the next record.
  }
}

main();
