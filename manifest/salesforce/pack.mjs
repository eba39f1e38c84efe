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
import { readdirSync } from 'node:fs';
import { join, sep } from 'node:path';

/** @param {{ dir: string, fill: (text: string, where: string) => string, readText: (path: string) => string }} helpers */
export default async function pack({ dir, fill, readText }) {
  const source = readdirSync(join(dir, 'force-app'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name).slice(dir.length + 1).split(sep).join('/'));
  const paths = ['sfdx-project.json', ...source];
  // Every file is text; each goes through fill, so a misspelt placeholder fails the build.
  return paths.map((path) => ({ path, data: fill(readText(path), path) }));
}
