// @ts-check
/*
 * package.mjs: builds a CRM package zip from manifest/<crm>/, the same bytes for the same input.
 *
 *   node manifest/package.mjs dynamics365            -> dist/packages/MarketingSidebar_dynamics365_<version>.zip
 *   node manifest/package.mjs dynamics365 --out DIR  -> DIR/MarketingSidebar_dynamics365_<version>.zip
 *
 * This file knows nothing of any CRM. Each CRM's folder has a `pack.mjs` whose default export
 * receives the helpers below and returns the zip's entries; this file fills placeholders, sorts
 * the entries and writes them with fixed timestamps, so two builds of one input are identical.
 *
 * Placeholders are `{{name}}` in the files a pack.mjs passes through `fill`. Their values come from
 * one place, manifest/packages.json, plus `version`, which is manifest/plugin.json's.
 */
import { readFileSync, mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { zipSync, strToU8 } from 'fflate';
import { build } from 'esbuild';

export const MANIFEST_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = resolve(MANIFEST_DIR, '..');

// A zip stores local time without a zone; built from local fields, it reads the same on every
// machine whatever its time zone (a UTC instant would not).
const FIXED_TIME = new Date(2000, 0, 1, 0, 0, 0);
const PLACEHOLDER = /\{\{([A-Za-z][A-Za-z0-9]*)\}\}/g;

/** @typedef {{ path: string, data: Uint8Array | string }} ZipEntry */

/**
 * The placeholder values: manifest/packages.json's `values`, and `version` from plugin.json.
 * Values go into XML and HTML unescaped, so characters that would need escaping are refused here.
 * @returns {{ fileName: string, values: Record<string, string> }}
 */
export function loadConfig() {
  const config = JSON.parse(readFileSync(join(MANIFEST_DIR, 'packages.json'), 'utf8'));
  const plugin = JSON.parse(readFileSync(join(MANIFEST_DIR, 'plugin.json'), 'utf8'));
  const values = { ...config.values, version: plugin.version };
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== 'string' || /[<>&"'\u0000-\u001f]/.test(value)) {
      throw new Error(`manifest/packages.json: "${name}" must be text without < > & " ' or control characters`);
    }
  }
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(config.fileName)) throw new Error('manifest/packages.json: fileName must be letters and digits');
  return { fileName: config.fileName, values };
}

/**
 * `text` with every `{{name}}` replaced by its value. A name without a value is an error, so a
 * misspelt placeholder cannot reach a customer's org.
 * @param {string} text
 * @param {Record<string, string>} values
 * @param {string} [where] named in the error
 */
export function fill(text, values, where = 'template') {
  return text.replace(PLACEHOLDER, (_, name) => {
    if (!Object.prototype.hasOwnProperty.call(values, name)) throw new Error(`${where}: no value for {{${name}}} in manifest/packages.json`);
    return values[name];
  });
}

/**
 * One browser script from an ES module entry and what it imports (npm packages included), as
 * ES2017 in an IIFE. `globalName` exposes the entry's exports as one global, for callers such as a
 * CRM's form or ribbon that call a function by name.
 * @param {string} entry path of the entry module
 * @param {{ globalName?: string }} [options]
 * @returns {Promise<string>}
 */
export async function bundle(entry, options = {}) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: options.globalName,
    target: 'es2017',
    platform: 'browser',
    minify: true,
    legalComments: 'inline',
    charset: 'utf8',
    sourcemap: false,
    logLevel: 'silent',
    // Paths in the output would differ between checkouts.
    absWorkingDir: REPO_DIR,
  });
  return result.outputFiles[0].text;
}

/**
 * The zip of `entries`, sorted by path, with fixed timestamps and compression: the same entries
 * always give the same bytes.
 * @param {ZipEntry[]} entries
 * @returns {Uint8Array}
 */
export function zipEntries(entries) {
  const seen = new Set();
  /** @type {Record<string, [Uint8Array, { mtime: Date, level: 9 }]>} */
  const files = {};
  for (const { path } of entries) {
    if (seen.has(path)) throw new Error(`two zip entries at ${path}`);
    if (path.startsWith('/') || path.split('/').includes('..') || path.includes('\\')) throw new Error(`bad zip path ${path}`);
    seen.add(path);
  }
  for (const { path, data } of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    files[path] = [typeof data === 'string' ? strToU8(data) : data, { mtime: FIXED_TIME, level: 9 }];
  }
  return zipSync(files);
}

/**
 * Builds manifest/<crm>/ into `<outDir>/<fileName>_<crm>_<version>.zip` and returns its path.
 * @param {string} crm folder name under manifest/, e.g. "dynamics365"
 * @param {string} [outDir]
 */
export async function buildPackage(crm, outDir = join(REPO_DIR, 'dist', 'packages')) {
  if (!/^[a-z0-9]+$/.test(crm)) throw new Error(`unknown package "${crm}"`);
  const crmDir = join(MANIFEST_DIR, crm);
  const { fileName, values } = loadConfig();
  const pack = (await import(pathToFileURL(join(crmDir, 'pack.mjs')).href)).default;
  /** @type {ZipEntry[]} */
  const entries = await pack({
    dir: crmDir,
    repoDir: REPO_DIR,
    values,
    fill: (/** @type {string} */ text, /** @type {string} */ where) => fill(text, values, where),
    readText: (/** @type {string} */ path) => readFileSync(resolve(crmDir, path), 'utf8'),
    bundle,
  });
  const zip = zipEntries(entries);
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `${fileName}_${crm}_${values.version}.zip`);
  // Written whole or not at all: a half-written zip must not pass for a package.
  writeFileSync(`${out}.partial`, zip);
  renameSync(`${out}.partial`, out);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [crm, flag, dir] = process.argv.slice(2);
  if (!crm || (flag !== undefined && (flag !== '--out' || !dir))) {
    console.error('usage: node manifest/package.mjs <crm> [--out DIR]');
    process.exit(2);
  }
  buildPackage(crm, dir ? resolve(dir) : undefined).then(
    (out) => console.log(out),
    (error) => {
      console.error(`package ${crm}: ${error && error.message ? error.message : error}`);
      process.exit(1);
    },
  );
}
