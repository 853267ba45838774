import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixture, runCli } from '../helpers/run-cli.js';
import { lineOf } from '../helpers/source-line.js';
import { writeSnapshots } from '../helpers/write-snapshot.js';

// A TypeScript project built with tsc (dist/ committed with its source maps): the leak's lines
// are read in the compiled code and reported in the .ts sources.
const PROJECT = fixture('ts-service');

test('check on a compiled TypeScript module: the leak is reported at its line in the .ts source, the compiled position kept as generated', async () => {
  const r = await runCli(['check', join(PROJECT, 'dist', 'op.js'), '--json'], { timeoutMs: 120_000 });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  const leak = report.leaks[0];
  const ts = join(PROJECT, 'src', 'orders.ts');
  const js = join(PROJECT, 'dist', 'orders.js');
  assert.equal(leak.userFrame.functionName, 'placeOrder');
  assert.equal(leak.userFrame.file, ts);
  assert.equal(leak.userFrame.line, lineOf(ts, 'const order: Order ='));
  assert.deepEqual([leak.userFrame.generated.file, leak.userFrame.generated.line], [js, lineOf(js, 'const order =')]);
  assert.notEqual(leak.userFrame.line, leak.userFrame.generated.line, 'the fixture must compile to other lines');
  // The variable that keeps the orders, at its declaration in the .ts source.
  assert.deepEqual([leak.keptIn?.variable, leak.keptIn?.file, leak.keptIn?.line], ['history', ts, lineOf(ts, 'const history')]);
  // The operation's own frame too, in op.ts.
  const op = leak.stack.find((f: { file: string }) => f.file.endsWith('op.ts'));
  assert.ok(op, JSON.stringify(leak.stack));
  assert.equal(op.line, lineOf(join(PROJECT, 'src', 'op.ts'), 'return placeOrder('));
  assert.match(leak.evidence, /positions: moved to the original source by source maps \([^)]*orders\.js\.map/);
});

test('check on a TypeScript module run through tsx (compiled in memory): lines found in the code that ran, reported in the .ts sources', async () => {
  // tsx's loader runs its hooks in a thread of Node's own (node:internal/modules/esm/worker):
  // measured as a worker of the program, the loader stopped answering and the check ended
  // with its event loop dry (exit 2). Left alone, the check runs to its verdict.
  // Without tsx's cache, esbuild compiles in a worker thread of its own, blocked in
  // Atomics.wait between calls: it never answers, and the check must still end (it once ran
  // its event loop dry while waiting for that worker at the stop, exit 2).
  const r = await runCli(['check', join(PROJECT, 'src', 'op.ts'), '--json'], { timeoutMs: 120_000, env: { TSX_DISABLE_CACHE: '1' } });
  assert.equal(r.code, 1, r.stderr);
  const leak = JSON.parse(r.stdout).leaks[0];
  const ts = join(PROJECT, 'src', 'orders.ts');
  assert.deepEqual(
    [leak.userFrame.functionName, leak.userFrame.file, leak.userFrame.line],
    ['placeOrder', ts, lineOf(ts, 'const order: Order =')],
  );
  // V8 saw the code tsx made of orders.ts, under the same name: its own lines and columns.
  assert.equal(leak.userFrame.generated.file, ts);
  assert.notEqual(leak.userFrame.generated.line, leak.userFrame.line);
  assert.deepEqual([leak.keptIn?.variable, leak.keptIn?.line], ['history', lineOf(ts, 'const history')]);
  assert.match(leak.evidence, /positions: moved to the original source by source maps \([^)]*orders\.ts's inline map/);
  // The lines were found in the code tsx compiled, which only the program had.
  assert.match(leak.evidence, /found in the code the program ran, asked of V8/);
  assert.doesNotMatch(leak.evidence, /found in the source on disk/);
});

test('handles on a compiled TypeScript program: the timers still open at its end are grouped at their line in the .ts source', async () => {
  const r = await runCli(['handles', '--json', '--', 'node', join(PROJECT, 'dist', 'poller.js')], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const group = JSON.parse(r.stdout).final.groups.find((g: { type: string }) => g.type === 'Timeout');
  assert.ok(group, r.stdout);
  const ts = join(PROJECT, 'src', 'poller.ts');
  const js = join(PROJECT, 'dist', 'poller.js');
  assert.equal(group.count, 5);
  assert.deepEqual(
    [group.userFrame.functionName, group.userFrame.file, group.userFrame.line],
    ['startPoller', ts, lineOf(ts, 'pollers.push(setInterval(')],
  );
  assert.deepEqual([group.userFrame.generated.file, group.userFrame.generated.line], [js, lineOf(js, 'pollers.push(setInterval(')]);
  assert.match(group.evidence, /positions: moved to the original source by source maps \([^)]*poller\.js\.map\)/);
});

test('stat --by site on a snapshot of a compiled TypeScript program: allocation sites in the .ts source', async () => {
  const dir = await writeSnapshots(join(PROJECT, 'dist', 'snapshot.js'), { flags: ['--track-heap-objects'] });
  const r = await runCli(['stat', join(dir, 'orders.heapsnapshot'), '--by', 'site', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout).rows as { key: string; count: number; site?: { functionName: string; file: string; line: number } }[];
  const orders = rows.find((row) => row.site?.functionName === 'placeOrder');
  assert.ok(orders, JSON.stringify(rows.map((row) => row.key)));
  const ts = join(PROJECT, 'src', 'orders.ts');
  assert.deepEqual([orders.site!.file, orders.site!.line], [ts, lineOf(ts, 'export function placeOrder')]);
  assert.ok(orders.count >= 2000, `${orders.count} objects`);
});
