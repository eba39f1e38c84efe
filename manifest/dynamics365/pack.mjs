// @ts-check
/*
 * pack.mjs: the Dynamics 365 solution zip from this unpacked solution (laid out as
 * `pac solution unpack` lays one out), for manifest/package.mjs.
 *
 * What an import reads, and where this puts it:
 *   [Content_Types].xml                       the zip's content types
 *   solution.xml                               Other/Solution.xml, placeholders filled
 *   customizations.xml                         Other/Customizations.xml with the entities' ribbon
 *                                              diffs (Entities/<Entity>/) and the web resources'
 *                                              metadata (WebResources/**.data.xml) put in
 *   WebResources/<name><id>                    each web resource's content, named as Dynamics
 *                                              names them in an export
 *   environmentvariabledefinitions/<schema>/   the settings the admin fills in after import
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/*
 * Web resources made at package time instead of kept in WebResources/: the scripts, bundled from
 * src/ with what they import (MSAL among them), and the host script from its one file in www/host/.
 */
const BUILT = {
  'msb_/sidebar/launcher.js': { entry: 'src/launcher.js', globalName: 'MarketingSidebar' },
  'msb_/sidebar/pane.js': { entry: 'src/pane.js' },
  'msb_/sidebar/dialog.js': { entry: 'src/dialog.js' },
  'msb_/sidebar/tab.js': { entry: 'src/tab.js' },
  'msb_/sidebar/auth.js': { entry: 'src/auth.js' },
  'msb_/sidebar/sidebarhost.js': { copy: 'www/host/sidebar-host.js' },
};

// Dynamics allows letters, digits, periods and single slashes after the publisher prefix.
const WEB_RESOURCE_NAME = /^[a-z0-9]+_(\/?[A-Za-z0-9.]+)+$/;

/** @param {string} dir @returns {string[]} every file under dir, sorted, as paths relative to it */
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

/** The one element `tag` of a small XML file of ours, or an error naming the file. */
/** @param {string} xml @param {string} tag @param {string} where */
function element(xml, tag, where) {
  const found = [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))];
  if (found.length !== 1) throw new Error(`${where}: expected one <${tag}>`);
  return found[0][1];
}

/** @param {string} xml */
function withoutDeclaration(xml) {
  return xml.replace(/^\uFEFF?<\?xml[^>]*\?>\s*/, '').trimEnd();
}

/** @param {string} text @param {number} spaces */
function indent(text, spaces) {
  const pad = ' '.repeat(spaces);
  return text.split('\n').map((line) => (line ? pad + line : line)).join('\n');
}

/** @param {import('../package.mjs').ZipEntry[]} entries */
function contentTypes(entries) {
  const overrides = entries
    .filter(({ path }) => path.startsWith('WebResources/'))
    .map(({ path }) => `  <Override PartName="/${path}" ContentType="application/octet-stream" />`);
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
    '  <Default Extension="xml" ContentType="application/octet-stream" />',
    ...overrides,
    '</Types>',
    '',
  ].join('\n');
}

/**
 * @param {{ dir: string, repoDir: string, values: Record<string, string>,
 *   fill: (text: string, where: string) => string, readText: (path: string) => string,
 *   bundle: (entry: string, options?: { globalName?: string }) => Promise<string> }} ctx
 * @returns {Promise<import('../package.mjs').ZipEntry[]>}
 */
export default async function pack({ dir, repoDir, values, fill, readText, bundle }) {
  const prefix = `${values.publisherPrefix}_`;
  /** @type {import('../package.mjs').ZipEntry[]} */
  const entries = [];

  const webResources = [];
  for (const path of filesUnder(join(dir, 'WebResources')).filter((p) => p.endsWith('.data.xml'))) {
    const where = `WebResources/${path}`;
    const meta = readText(where);
    const name = element(meta, 'Name', where);
    const id = element(meta, 'WebResourceId', where).replace(/[{}]/g, '').toLowerCase();
    const fileName = element(meta, 'FileName', where);
    if (!WEB_RESOURCE_NAME.test(name) || !name.startsWith(prefix)) throw new Error(`${where}: "${name}" is not a web resource name with the prefix ${prefix}`);
    if (fileName !== `/WebResources/${name}` || `${name}.data.xml` !== path) throw new Error(`${where}: its file must be WebResources/${name}`);
    const built = /** @type {Record<string, { entry?: string, globalName?: string, copy?: string }>} */ (BUILT)[name];
    const content = !built
      ? readFileSync(join(dir, 'WebResources', name))
      : built.copy
        ? readFileSync(join(repoDir, built.copy))
        : await bundle(join(dir, /** @type {string} */ (built.entry)), { globalName: built.globalName });
    const zipPath = `WebResources/${name.replace(/[^A-Za-z0-9_]/g, '')}${id}`;
    entries.push({ path: zipPath, data: content });
    webResources.push(withoutDeclaration(meta)
      .replace(/<WebResource [^>]*>/, '<WebResource>')
      .replace(/<FileName>[^<]*<\/FileName>/, `<FileName>/${zipPath}</FileName>`));
  }
  for (const name of Object.keys(BUILT)) {
    if (!webResources.some((xml) => xml.includes(`<Name>${name}</Name>`))) throw new Error(`no WebResources/${name}.data.xml for a web resource pack.mjs builds`);
  }

  const entities = readdirSync(join(dir, 'Entities')).sort().map((entity) => {
    const entityXml = withoutDeclaration(readText(`Entities/${entity}/Entity.xml`)).replace(/<Entity [^>]*>/, '<Entity>');
    const ribbon = withoutDeclaration(readText(`Entities/${entity}/RibbonDiff.xml`)).replace(/<RibbonDiffXml [^>]*>/, '<RibbonDiffXml>');
    return entityXml.replace(/\n<\/Entity>$/, `\n${indent(ribbon, 2)}\n</Entity>`);
  });

  let customizations = fill(readText('Other/Customizations.xml'), 'Other/Customizations.xml');
  for (const [tag, items] of /** @type {[string, string[]][]} */ ([['Entities', entities], ['WebResources', webResources]])) {
    if (!customizations.includes(`  <${tag} />`)) throw new Error(`Other/Customizations.xml: expected an empty <${tag} /> to fill`);
    customizations = customizations.replace(`  <${tag} />`, `  <${tag}>\n${items.map((xml) => indent(xml, 4)).join('\n')}\n  </${tag}>`);
  }
  entries.push({ path: 'customizations.xml', data: customizations });
  entries.push({ path: 'solution.xml', data: fill(readText('Other/Solution.xml'), 'Other/Solution.xml') });

  for (const path of filesUnder(join(dir, 'environmentvariabledefinitions'))) {
    const schema = path.split('/')[0];
    if (!schema.startsWith(prefix)) throw new Error(`environmentvariabledefinitions/${schema}: not prefixed ${prefix}`);
    entries.push({ path: `environmentvariabledefinitions/${path}`, data: fill(readText(`environmentvariabledefinitions/${path}`), path) });
  }

  entries.push({ path: '[Content_Types].xml', data: contentTypes(entries) });
  return entries;
}
