// The built Salesforce package: the project's source with its placeholders filled, the same
// bytes on every build.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { XMLValidator } from 'fast-xml-parser';
import { buildPackage, loadConfig, MANIFEST_DIR } from '../../package.mjs';

const PROJECT = join(MANIFEST_DIR, 'salesforce');
/** @type {Buffer} */ let zip;
/** @type {Buffer} */ let secondBuild;
/** @type {Record<string, Uint8Array>} */ let files;
let zipName = '';

before(async () => {
  const first = mkdtempSync(join(tmpdir(), 'msb-sf-'));
  const second = mkdtempSync(join(tmpdir(), 'msb-sf-'));
  try {
    const path = await buildPackage('salesforce', first);
    zipName = path.slice(first.length + 1);
    zip = readFileSync(path);
    secondBuild = readFileSync(await buildPackage('salesforce', second));
  } finally {
    rmSync(first, { recursive: true, force: true });
    rmSync(second, { recursive: true, force: true });
  }
  files = unzipSync(zip);
});

function sourceFiles(dir, base = dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path, base) : [relative(base, path).split(sep).join('/')];
  });
}

test('building twice gives identical bytes', () => {
  assert.ok(zip.length > 0);
  assert.ok(zip.equals(secondBuild), 'two builds of the same input differ');
});

test('the zip is named for the plugin version and holds the project and its source, nothing else', () => {
  const { values } = loadConfig();
  assert.equal(zipName, `MarketingSidebar_salesforce_${values.version}.zip`);
  const expected = ['sfdx-project.json', ...sourceFiles(join(PROJECT, 'force-app')).map((p) => `force-app/${p}`)];
  assert.deepEqual(Object.keys(files).sort(), expected.sort());
});

test('every placeholder is filled from manifest/packages.json, and the XML stays well formed', () => {
  const { values } = loadConfig();
  for (const [path, data] of Object.entries(files)) {
    const text = strFromU8(data);
    assert.doesNotMatch(text, /\{\{/, `${path} keeps a placeholder`);
    if (path.endsWith('-meta.xml')) assert.equal(XMLValidator.validate(text), true, `${path} is not well formed`);
  }
  const app = strFromU8(files['force-app/main/default/connectedApps/MarketingSidebar.connectedApp-meta.xml']);
  assert.match(app, new RegExp(`<canvasUrl>${values.salesforceCanvasUrl}</canvasUrl>`));
  assert.ok(values.salesforceCanvasUrl.startsWith(`${values.salesforceShellOrigin}/`), 'the canvas URL is on the shell origin');
  const cors = strFromU8(files['force-app/main/default/corsWhitelistOrigins/MarketingSidebarShell.corsWhitelistOrigin-meta.xml']);
  assert.match(cors, new RegExp(`<urlPattern>${values.salesforceShellOrigin}</urlPattern>`));
  // Salesforce refuses a CORS or CSP entry that is not https.
  assert.match(values.salesforceShellOrigin, /^https:\/\/[a-z0-9.-]+$/);
});
