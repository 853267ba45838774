import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildC, lineOf, tempDir } from '../helpers/native-build.js';
import { fixture, runCli } from '../helpers/run-cli.js';

interface Leak {
  kind: string;
  resource: string | null;
  probability: number;
  site: { functionName: string; line: number } | null;
  perMinute: { bytes: number; count: number } | null;
  evidence: string;
}

// A service killed by SIGKILL after 2.5 s: no exit, so "never freed" means nothing; only
// growth while it ran can convict. Sessions keep growing (leak); a cache fills to 2,000
// entries and stops (not a leak); request buffers come and go (not a leak).
test('a killed long-running program: growing sites are leaks, a filled cache is not', async () => {
  const dir = tempDir('growth');
  const src = fixture('native', 'server.c');
  const prog = buildC(join(dir, 'server'), [src], ['-O1']);
  const capture = join(dir, 'capture');
  const r = await runCli(['native', '--json', '-o', capture, '--', prog, '2500'], { timeoutMs: 120_000 });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as {
    exit: { signal: string | null };
    leaks: Leak[];
    process: { exited: boolean };
    problems: string[];
  };
  assert.equal(report.exit.signal, 'SIGKILL');
  assert.equal(report.process.exited, false);
  assert.ok(report.problems.some((p) => /did not exit normally/.test(p)));

  const sites = report.leaks.map((l) => `${l.resource ?? 'memory'} ${l.site?.functionName}:${l.site?.line}`);
  const session = report.leaks.find((l) => l.kind === 'native' && l.site?.functionName === 'remember_session');
  assert.ok(session, sites.join('\n'));
  assert.equal(session.site?.line, lineOf(src, 'SESSION-LEAK-LINE'));
  assert.ok(session.probability > 0.8, session.evidence);
  // The rate depends on how fast the machine served requests: trend and steadiness are what count.
  assert.match(session.evidence, /while running: grew in \d+ of \d+ steps/);
  assert.ok(session.perMinute && session.perMinute.bytes > 0);
  const fd = report.leaks.find((l) => l.resource === 'fd (file)');
  assert.ok(fd, sites.join('\n'));
  assert.equal(fd.site?.line, lineOf(src, 'FD-GROWTH-LINE'));
  assert.ok(!report.leaks.some((l) => l.site?.functionName === 'cache_put'), sites.join('\n'));
  assert.ok(!report.leaks.some((l) => l.site?.functionName === 'handle_request' && l.kind === 'native'), sites.join('\n'));

  // The log of a process killed with SIGKILL is whole up to the kill: views read it.
  const s = await runCli(['summary', capture, '--json']);
  assert.equal(s.code, 0, s.stderr);
  const summary = JSON.parse(s.stdout) as { process: { exited: boolean }; heap: { allocations: number; temporary: number } };
  assert.equal(summary.process.exited, false);
  assert.ok(summary.heap.allocations > 5000);
  assert.ok(summary.heap.temporary > 1000);
});
