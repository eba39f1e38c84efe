// The generic packager: placeholders and reproducible zips, whatever the CRM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unzipSync, strFromU8 } from 'fflate';
import { fill, zipEntries, loadConfig } from '../package.mjs';

test('fill replaces every placeholder and refuses one without a value', () => {
  assert.equal(fill('<Version>{{version}}</Version>{{name}}', { version: '1.2.3', name: 'x' }), '<Version>1.2.3</Version>x');
  assert.throws(() => fill('{{versoin}}', { version: '1' }, 'Solution.xml'), /Solution\.xml: no value for \{\{versoin\}\}/);
  // Not placeholders: left as they are.
  assert.equal(fill('{{ a }} {x} {{1a}}', {}), '{{ a }} {x} {{1a}}');
});

test('the config carries plugin.json\'s version and only plain-text values', () => {
  const { values, fileName } = loadConfig();
  assert.match(values.version, /^\d+\.\d+\.\d+$/);
  assert.equal(fileName, 'MarketingSidebar');
  for (const value of Object.values(values)) assert.doesNotMatch(value, /[<>&"']/);
});

test('a zip of the same entries in another order has the same bytes, sorted by path', () => {
  const a = zipEntries([{ path: 'b/x.txt', data: 'x' }, { path: 'a.xml', data: '<a/>' }, { path: '[Content_Types].xml', data: '<T/>' }]);
  const b = zipEntries([{ path: '[Content_Types].xml', data: '<T/>' }, { path: 'a.xml', data: '<a/>' }, { path: 'b/x.txt', data: 'x' }]);
  assert.deepEqual(Buffer.from(a), Buffer.from(b));
  const files = unzipSync(a);
  assert.deepEqual(Object.keys(files), ['[Content_Types].xml', 'a.xml', 'b/x.txt']);
  assert.equal(strFromU8(files['b/x.txt']), 'x');
});

test('a zip refuses duplicate and escaping paths', () => {
  assert.throws(() => zipEntries([{ path: 'a', data: '1' }, { path: 'a', data: '2' }]), /two zip entries/);
  assert.throws(() => zipEntries([{ path: '../a', data: '1' }]), /bad zip path/);
  assert.throws(() => zipEntries([{ path: '/a', data: '1' }]), /bad zip path/);
});
