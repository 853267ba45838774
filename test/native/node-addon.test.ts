import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { lineOf, nodeGyp, nodeHeadersDir, tempDir } from '../helpers/native-build.js';
import { fixture, runCli } from '../helpers/run-cli.js';

// A tiny Node-API addon, built here with npm's node-gyp against the installed Node headers,
// leaks 256-byte buffers when JavaScript calls retain(). The report must name the addon as
// the module and show the JavaScript caller in the same (mixed native + JS) stack.
let addon: string;
let app: string;

before(() => {
  const gyp = nodeGyp();
  const headers = nodeHeadersDir();
  assert.ok(gyp, 'node-gyp (shipped with npm) was not found next to node');
  assert.ok(headers, 'Node headers (include/node/node_api.h) are missing: .ci/run installs them');
  const dir = tempDir('addon');
  cpSync(fixture('native', 'addon'), dir, { recursive: true });
  try {
    execFileSync(process.execPath, [gyp, 'rebuild', `--nodedir=${headers}`, '--loglevel=error'], { cwd: dir, stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`node-gyp failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`, { cause: err });
  }
  addon = join(dir, 'build', 'Release', 'leak_addon.node');
  app = join(dir, 'app.js');
});

interface Frame {
  functionName: string;
  file: string;
  line: number;
  module: string;
}
interface Report {
  leaks: { kind: string; module: string; site: Frame | null; stack: Frame[]; outstanding: { count: number; bytes: number } }[];
  runtimeAtExit: { blocks: number };
}

test('a leaking addon is the module, with its JavaScript caller in the mixed stack', async () => {
  const calls = 2000;
  const r = await runCli(
    ['native', '--json', '-o', join(tempDir('addon-cap'), 'c'), '--', process.execPath, app, addon, 'leak', String(calls)],
    {
      timeoutMs: 180_000,
    },
  );
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  const leak = report.leaks.find((l) => l.module === 'leak_addon.node');
  assert.ok(leak, JSON.stringify(report.leaks.map((l) => [l.module, l.site?.functionName])));
  assert.equal(leak.site?.functionName, 'addon_buffer');
  assert.equal(leak.site?.line, lineOf(fixture('native', 'addon', 'leak_addon.c'), 'ADDON-LEAK-LINE'));
  assert.equal(leak.outstanding.count, calls);
  // Below the addon: Node's C++ and V8's builtins, then the JavaScript function that called it.
  const js = leak.stack.findIndex((f) => f.functionName === 'rememberRequest');
  assert.ok(js > 1, leak.stack.map((f) => `${f.functionName} [${f.module}]`).join('\n'));
  assert.ok(leak.stack[js].file.endsWith('app.js'), leak.stack[js].file);
  assert.equal(leak.stack[js].module, '');
  assert.ok(leak.stack.slice(0, js).some((f) => f.module.endsWith('/node') || f.module === process.execPath));
  // Node's own memory at exit is the runtime's, not a leak.
  assert.equal(report.leaks.length, 1);
  assert.ok(report.runtimeAtExit.blocks > 0);
});

test('the same addon used cleanly reports no leak', async () => {
  const r = await runCli(['native', '--json', '-o', join(tempDir('addon-cap'), 'c'), '--', process.execPath, app, addon, 'clean', '2000'], {
    timeoutMs: 180_000,
  });
  assert.equal(r.code, 0, r.stdout);
  assert.deepEqual((JSON.parse(r.stdout) as Report).leaks, []);
});
