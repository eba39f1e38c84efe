// The built solution zip: what an import reads is there, well formed, and the same on every build.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { XMLValidator, XMLParser } from 'fast-xml-parser';
import { buildPackage, MANIFEST_DIR } from '../../package.mjs';

const PLUGIN_VERSION = JSON.parse(readFileSync(join(MANIFEST_DIR, 'plugin.json'), 'utf8')).version;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (_name, _path, _leaf, isAttribute) => !isAttribute });

/** @type {Buffer} */ let zip;
/** @type {Record<string, Uint8Array>} */ let files;
let zipName = '';

before(async () => {
  const first = mkdtempSync(join(tmpdir(), 'msb-d365-'));
  const second = mkdtempSync(join(tmpdir(), 'msb-d365-'));
  try {
    const path = await buildPackage('dynamics365', first);
    zipName = path.slice(first.length + 1);
    zip = readFileSync(path);
    globalThis.secondBuild = readFileSync(await buildPackage('dynamics365', second));
  } finally {
    rmSync(first, { recursive: true, force: true });
    rmSync(second, { recursive: true, force: true });
  }
  files = unzipSync(zip);
});

const text = (path) => strFromU8(files[path]);
/** Every value of `tag` elements anywhere in parsed XML. */
function all(node, tag, out = []) {
  if (Array.isArray(node)) node.forEach((item) => all(item, tag, out));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === tag) out.push(...value);
      all(value, tag, out);
    }
  }
  return out;
}
const textOf = (value) => (typeof value === 'object' ? value['#text'] : value);

test('building twice gives identical bytes', () => {
  assert.ok(zip.length > 0);
  assert.ok(zip.equals(globalThis.secondBuild), 'two builds of the same input differ');
});

test('the zip is named for the plugin version and holds what an import reads', () => {
  assert.equal(zipName, `MarketingSidebar_dynamics365_${PLUGIN_VERSION}.zip`);
  for (const path of ['[Content_Types].xml', 'solution.xml', 'customizations.xml']) assert.ok(files[path], `${path} is missing`);
});

test('every XML file is well formed', () => {
  const xmlFiles = Object.keys(files).filter((path) => path.endsWith('.xml'));
  assert.ok(xmlFiles.length >= 6);
  for (const path of xmlFiles) {
    const result = XMLValidator.validate(text(path));
    assert.equal(result, true, `${path}: ${JSON.stringify(result)}`);
  }
});

test('the solution version is the plugin version, unmanaged, with the publisher prefix', () => {
  const manifest = parser.parse(text('solution.xml')).ImportExportXml[0].SolutionManifest[0];
  assert.equal(String(manifest.Version[0]), PLUGIN_VERSION);
  assert.equal(String(manifest.Managed[0]), '0');
  assert.equal(manifest.Publisher[0].CustomizationPrefix[0], 'msb');
  assert.doesNotMatch(text('solution.xml') + text('customizations.xml'), /\{\{/, 'a placeholder was left unfilled');
});

test('every web resource named in customizations.xml, the ribbon and the pages is in the zip', () => {
  const customizations = parser.parse(text('customizations.xml'));
  const webResources = all(customizations, 'WebResource');
  const names = new Map(webResources.map((resource) => [resource.Name[0], resource.FileName[0]]));
  assert.ok(names.size >= 12);
  for (const [name, fileName] of names) {
    assert.ok(fileName.startsWith('/WebResources/'), `${name}: ${fileName}`);
    assert.ok(files[fileName.slice(1)], `${name}: ${fileName} is not in the zip`);
    assert.ok(files[fileName.slice(1)].length > 0, `${name} is empty`);
  }

  // The ribbon's libraries and icons, and the pane's icon.
  const referenced = [...text('customizations.xml').matchAll(/\$webresource:([^"]+)"/g)].map((match) => match[1]);
  assert.ok(referenced.includes('msb_/sidebar/launcher.js') && referenced.includes('msb_/sidebar/icon.svg'));
  for (const name of referenced) assert.ok(names.has(name), `the ribbon names ${name}, which the solution lacks`);

  // The pages' scripts and styles, named relative to the page.
  for (const [name, fileName] of names) {
    if (!name.endsWith('.html')) continue;
    const page = text(fileName.slice(1));
    const folder = name.slice(0, name.lastIndexOf('/') + 1);
    const refs = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    assert.ok(refs.length > 0, `${name} loads nothing`);
    for (const ref of refs) assert.ok(names.has(folder + ref), `${name} loads ${ref}, which the solution lacks`);
  }
  assert.match(text(names.get('msb_/sidebar/pane.html').slice(1)), /<script src="sidebarhost\.js"><\/script>/);
  // The pages with no record: each names its view for tab.js, which shows it.
  for (const [page, view] of [['hotprospects.html', 'hotProspects'], ['dashboard.html', 'dashboard']]) {
    assert.match(text(names.get(`msb_/sidebar/${page}`).slice(1)), new RegExp(`<script src="tab\\.js" data-view="${view}"></script>`), page);
    assert.match(text(names.get('msb_/sidebar/tab.js').slice(1)), new RegExp(`['"]${view}['"]`), `tab.js does not take ${view}`);
  }
  assert.equal(text(names.get('msb_/sidebar/sidebarhost.js').slice(1)),
    readFileSync(join(MANIFEST_DIR, '..', 'www', 'host', 'sidebar-host.js'), 'utf8'), 'the host script is www/host/sidebar-host.js as it is');
  assert.match(text(names.get('msb_/sidebar/launcher.js').slice(1)), /var MarketingSidebar=/, 'the ribbon and form call MarketingSidebar.*');
});

test('the root components are exactly the web resources, the three tables and the environment variables shipped', () => {
  const roots = all(parser.parse(text('solution.xml')), 'RootComponent').map((root) => `${root['@type']}:${root['@schemaName']}`).sort();
  const webResources = all(parser.parse(text('customizations.xml')), 'WebResource').map((resource) => `61:${resource.Name[0]}`);
  const entities = all(parser.parse(text('customizations.xml')), 'Entity').map((entity) => `1:${textOf(entity.Name[0]).toLowerCase()}`);
  const variables = Object.keys(files).filter((path) => path.startsWith('environmentvariabledefinitions/')).map((path) => `380:${path.split('/')[1]}`);
  assert.deepEqual(variables.sort(), ['380:msb_EntraApplicationId', '380:msb_PlatformApiUrl', '380:msb_PluginUrl']);
  assert.deepEqual(roots, [...webResources, ...entities, ...variables].sort());
});

test('the grid buttons are enabled for 1 to 200 selected rows and pass the selected ids', () => {
  const entities = all(parser.parse(text('customizations.xml')), 'Entity');
  assert.deepEqual(entities.map((entity) => textOf(entity.Name[0])).sort(), ['Account', 'Contact', 'Lead']);
  for (const entity of entities) {
    const name = textOf(entity.Name[0]).toLowerCase();
    const ribbon = entity.RibbonDiffXml[0];
    const rules = all(ribbon, 'SelectionCountRule');
    assert.deepEqual(rules.map((rule) => [rule['@Minimum'], rule['@Maximum'], rule['@AppliesTo']]), [['1', '200', 'SelectedEntity']]);
    const commands = all(ribbon, 'CommandDefinition');
    assert.equal(commands.length, 2);
    for (const command of commands) {
      const fn = all(command, 'JavaScriptFunction')[0];
      assert.equal(fn['@FunctionName'], 'MarketingSidebar.openListDialog');
      assert.deepEqual(all(fn, 'CrmParameter').map((p) => p['@Value']), ['SelectedControlSelectedItemIds', 'SelectedEntityTypeName']);
      assert.deepEqual(all(command, 'EnableRule').map((rule) => rule['@Id']), [`msb.${name}.OneTo200Selected.EnableRule`]);
    }
    for (const action of all(ribbon, 'CustomAction')) {
      assert.equal(action['@Location'], `Mscrm.HomepageGrid.${name}.MainTab.Management.Controls._children`);
    }
  }
});

test('no table carries a form, so importing the unmanaged solution never replaces a customer\'s form', () => {
  // A form in an unmanaged solution is its whole FormXml; README's "Why the launcher is
  // registered by hand" says why the On load handler is added by the admin instead.
  const customizations = parser.parse(text('customizations.xml'));
  const entities = all(customizations, 'Entity');
  assert.equal(entities.length, 3);
  for (const entity of entities) {
    assert.deepEqual(Object.keys(entity).filter((key) => /form/i.test(key)), [], `${textOf(entity.Name[0])} carries a form`);
  }
  for (const tag of ['FormXml', 'systemform', 'forms', 'formLibraries', 'events']) {
    assert.deepEqual(all(customizations, tag), [], `customizations.xml has <${tag}>`);
  }
});

test('[Content_Types].xml names every web resource file', () => {
  const overrides = all(parser.parse(text('[Content_Types].xml')), 'Override').map((o) => o['@PartName']);
  const resources = Object.keys(files).filter((path) => path.startsWith('WebResources/')).map((path) => `/${path}`);
  assert.deepEqual(overrides.sort(), resources.sort());
});
