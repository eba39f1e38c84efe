// @ts-check
/*
 * pack.mjs: the Salesforce project as a zip of its source, ready for `sf project deploy start`
 * once unpacked, for manifest/package.mjs.
 *
 *   sfdx-project.json        the project, its API version pinned
 *   force-app/main/default/  the metadata, {{placeholders}} filled from manifest/packages.json
 *
 * The tests (test/) and this file stay out: an admin deploys metadata, nothing else.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** @param {string} dir @returns {string[]} every file under dir, sorted, relative to it */
function filesUnder(dir) {
  /** @type {string[]} */
  const out = [];
  const walk = (/** @type {string} */ at) => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

/** @param {{ dir: string, fill: (text: string, where: string) => string, readText: (path: string) => string }} helpers */
export default async function pack({ dir, fill, readText }) {
  const paths = ['sfdx-project.json', ...filesUnder(join(dir, 'force-app')).map((path) => `force-app/${path}`)];
  // Every file is text; each goes through fill, so a misspelt placeholder fails the build.
  return paths.map((path) => ({ path, data: fill(readText(path), path) }));
}
