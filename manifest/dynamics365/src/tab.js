// @ts-check
/*
 * hotprospects.html's script: the Hot Prospects ranking as a page of the app (a sitemap entry or
 * the app designer adds it). A prospect opens in Dynamics' form.
 */
import { startSidebar } from './page.js';

startSidebar({ page: window, view: 'hotProspects' });
