import assert from 'node:assert/strict';
import { closeSync, openSync, readdirSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { buildC, tempDir } from '../helpers/native-build.js';
import { fixture, runCli } from '../helpers/run-cli.js';

let dir: string;
before(() => {
  dir = tempDir('native-bad');
});

test('a statically linked program cannot be preloaded: one line, exit 2', async () => {
  const prog = buildC(join(dir, 'static-host'), [fixture('native', 'many-stacks.c')], ['-O1', '-static']);
  const r = await runCli(['native', '-o', join(dir, 'static'), '--', prog, '3']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^leaktrace native: .*static-host is statically linked: LD_PRELOAD cannot load the tracker/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('a running process cannot be tracked after the fact; a missing program is named', async () => {
  const attach = await runCli(['native', String(process.pid)]);
  assert.equal(attach.code, 2);
  assert.match(attach.stderr, /cannot be added to a running process/);
  const missing = await runCli(['native', '-o', join(dir, 'missing'), '--', 'no-such-program-leaktrace']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no-such-program-leaktrace: command not found/);
  const none = await runCli(['native']);
  assert.equal(none.code, 2);
  const notCapture = await runCli(['summary', dir]);
  assert.equal(notCapture.code, 2);
});

test('a capture cut off in the middle of a record is analysed up to the cut', async () => {
  const host = buildC(join(dir, 'host'), [fixture('native', 'host.c')], ['-O1', '-ldl']);
  const plugin = buildC(join(dir, 'libplugin.so'), [fixture('native', 'plugin.c')], ['-O1', '-shared', '-fPIC']);
  const capture = join(dir, 'cut');
  const full = await runCli(['native', '-o', capture, '--json', '--', host, 'leak', plugin, '2000']);
  assert.equal(full.code, 1, full.stderr);
  const native = join(capture, 'native');
  const log = join(
    native,
    readdirSync(native).find((f) => f.endsWith('.ltn'))!,
  );
  const size = statSync(log).size;
  const before = JSON.parse((await runCli(['summary', capture, '--json'])).stdout) as { heap: { allocations: number } };

  // Cut at an odd place in the middle, and say in the header that more had been written (as
  // when the file was copied while the program ran): both ends of the damage are handled.
  truncateSync(log, Math.floor(size * 0.6) + 3);
  const fd = openSync(log, 'r+');
  const end = Buffer.alloc(8);
  end.writeBigUInt64LE(BigInt(size));
  writeSync(fd, end, 0, 8, 56);
  closeSync(fd);
  const cut = await runCli(['summary', capture, '--json']);
  assert.equal(cut.code, 0, cut.stderr);
  const s = JSON.parse(cut.stdout) as { heap: { allocations: number }; problems: string[] };
  assert.ok(
    s.heap.allocations > 100 && s.heap.allocations < before.heap.allocations,
    `${s.heap.allocations} of ${before.heap.allocations}`,
  );
  assert.ok(
    s.problems.some((p) => /cut off/.test(p)),
    s.problems.join('\n'),
  );
  const leaks = await runCli(['native', capture]);
  assert.ok(leaks.code === 0 || leaks.code === 1, leaks.stderr);

  // Garbage in the middle: read up to it, then say where.
  const bytes = readFileSync(log);
  bytes[Math.floor(bytes.length / 2)] = 0x7f;
  const fd2 = openSync(log, 'w');
  writeSync(fd2, bytes);
  closeSync(fd2);
  const damaged = await runCli(['stat', capture, '--by', 'size', '--json']);
  assert.equal(damaged.code, 0, damaged.stderr);
});

test('a file that is not a log is refused in one line', async () => {
  const capture = join(dir, 'cut');
  const native = join(capture, 'native');
  const log = join(
    native,
    readdirSync(native).find((f) => f.endsWith('.ltn'))!,
  );
  const fd = openSync(log, 'r+');
  writeSync(fd, Buffer.from('NOTALOG!'), 0, 8, 0);
  closeSync(fd);
  const r = await runCli(['summary', capture]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not a leaktrace native event log/);
});
