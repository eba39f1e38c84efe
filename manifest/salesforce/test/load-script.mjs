// Loads a browser script that ends in `if (typeof module === 'object') module.exports = api` and
// returns its api, whatever module type the surrounding package.json gives .js files.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export function loadScript(pathFromRepo, globals = {}) {
  const module = { exports: {} };
  const source = readFileSync(new URL(pathFromRepo, `file://${REPO}`), 'utf8');
  // In this realm, so what it returns compares equal to this test's own arrays and objects.
  const names = ['module', ...Object.keys(globals)];
  vm.compileFunction(source, names, { filename: pathFromRepo })(module, ...Object.values(globals));
  return module.exports;
}
