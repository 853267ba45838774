import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildC, lineOf, tempDir } from '../helpers/native-build.js';
import { fixture, runCli } from '../helpers/run-cli.js';

interface Summary {
  process: { pid: number; image: number; forked: boolean };
  processes: { pid: number; image: number }[];
  heap: { liveBlocks: number; liveBytes: number };
}

// forker.c leaks 1 block of 111 bytes, forks a child that leaks 3 × 333 and exits, then forks
// a child that execs the program again, which leaks 5 × 555. Every process image has a log.
test('fork and exec are followed: each process image has its own log and leaks', async () => {
  const dir = tempDir('fork');
  const src = fixture('native', 'forker.c');
  const prog = buildC(join(dir, 'forker'), [src], ['-O1']);
  const capture = join(dir, 'capture');
  const r = await runCli(['native', '--json', '-o', capture, '--', prog]);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as {
    leaks: { outstanding: { count: number; bytes: number }; site: { line: number } }[];
    processes: { pid: number; image: number }[];
  };
  // The process leaktrace started: its own leak only.
  assert.deepEqual(
    report.leaks.map((l) => l.outstanding),
    [{ count: 1, bytes: 111 }],
  );
  assert.equal(report.leaks[0].site.line, lineOf(src, 'FORK-LEAK-LINE'));
  assert.equal(report.processes.length, 4, JSON.stringify(report.processes)); // parent, child, child before and after exec

  const summary = async (process?: string): Promise<Summary> => {
    const s = await runCli(['summary', capture, '--json', ...(process ? ['--process', process] : [])]);
    assert.equal(s.code, 0, s.stderr);
    return JSON.parse(s.stdout) as Summary;
  };
  const root = await summary();
  const others = root.processes.filter((p) => p.pid !== root.process.pid);
  const byPid = new Map<number, number[]>();
  for (const p of others) byPid.set(p.pid, [...(byPid.get(p.pid) ?? []), p.image]);
  const forkedPid = [...byPid].find(([, images]) => images.length === 1)![0];
  const execPid = [...byPid].find(([, images]) => images.length === 2)![0];

  const forked = await summary(String(forkedPid));
  assert.equal(forked.process.forked, true);
  assert.equal(forked.heap.liveBlocks, 3);
  assert.equal(forked.heap.liveBytes, 999);
  const execd = await summary(String(execPid)); // its last image: the program it executed
  assert.equal(execd.process.image, 1);
  assert.equal(execd.heap.liveBlocks, 5);
  assert.equal(execd.heap.liveBytes, 5 * 555);
  const leaf = await runCli(['native', capture, '--process', String(execPid), '--json']);
  assert.equal(leaf.code, 1);
  assert.deepEqual(
    (JSON.parse(leaf.stdout) as { leaks: { outstanding: unknown }[] }).leaks.map((l) => l.outstanding),
    [{ count: 5, bytes: 2775 }],
  );
});
