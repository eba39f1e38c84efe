// @ts-check
/*
 * tab.js: the script of the app's pages with no record, each naming its view on the script
 * element (`data-view`): hotprospects.html (the Hot Prospects ranking) and dashboard.html (the
 * sales dashboard). A sitemap entry or the app designer adds them; a record opens in Dynamics'
 * form.
 */
import { startSidebar } from './page.js';

/** The views a page without a record can show; anything else shows Hot Prospects. */
const TAB_VIEWS = ['hotProspects', 'dashboard'];

const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
const asked = script?.dataset.view ?? '';
startSidebar({ page: window, view: TAB_VIEWS.includes(asked) ? asked : 'hotProspects' });
