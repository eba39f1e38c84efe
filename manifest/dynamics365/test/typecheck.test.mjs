// The type check has teeth: tsconfig.json's settings reject a misspelt Xrm call or option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const DIR = dirname(dirname(fileURLToPath(import.meta.url)));

/** The diagnostics of `source` checked as one of the package's scripts. */
function check(source) {
  const config = ts.getParsedCommandLineOfConfigFile(join(DIR, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const folder = mkdtempSync(join(tmpdir(), 'msb-tsc-'));
  try {
    const file = join(folder, 'script.js');
    writeFileSync(file, `// @ts-check\n${source}\n`);
    const program = ts.createProgram([file], config.options);
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

test('a correct Xrm call passes and misspelt or wrong ones fail', () => {
  assert.deepEqual(check("Xrm.App.sidePanes.getPane('p');"), []);
  assert.match(check("Xrm.App.sidePanes.getPanes('p');").join(), /Property 'getPanes' does not exist/);
  assert.match(check("Xrm.Navigation.navigateTo({ pageType: 'webresource', webresourceName: 'x' }, { target: 3 });").join(), /not assignable/);
  assert.match(check("Xrm.App.sidePanes.createPane({ paneID: 'p' });").join(), /paneID/);
});
