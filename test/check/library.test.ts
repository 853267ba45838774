import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { assertNoLeaks, checkLeaks } from '../../src/index.js';
import { fixture } from '../helpers/run-cli.js';
import { lineOf } from '../helpers/source-line.js';

test('checkLeaks in-process: a leaking function is found, with its site and user frame', async () => {
  const kept: object[] = [];
  function remember(): void {
    kept.push({ at: Date.now(), note: 'kept forever' });
  }
  const report = await checkLeaks(remember, { iterations: 2000, warmup: 50 });
  const leak = report.leaks.find((l) => l.site?.functionName === 'remember');
  assert.ok(leak, JSON.stringify(report.leaks.map((l) => l.site)));
  assert.equal(leak.userFrame?.functionName, 'remember');
  assert.ok(leak.perIteration!.count >= 0.9, String(leak.perIteration!.count));
  assert.equal(report.iterations >= 2000, true);
});

test('assertNoLeaks fails a node:test test with a readable message, and passes clean code', async () => {
  const cache = new Map<number, object>();
  await assertNoLeaks(
    () => {
      const k = Math.floor(Math.random() * 50);
      if (!cache.has(k)) cache.set(k, { k });
    },
    { iterations: 1000, warmup: 100 },
  );
  const leaked: string[] = [];
  await assert.rejects(
    assertNoLeaks(
      function appendForever() {
        leaked.push(`entry ${leaked.length} ${Math.random()}`);
      },
      { iterations: 1000, warmup: 50 },
    ),
    (err: Error) => {
      assert.equal(err.name, 'AssertionError');
      assert.match(err.message, /the operation leaks:/);
      // This test runs compiled, with a source map: the leak is named in the .ts file, at its line.
      const ts = fileURLToPath(new URL('../../../test/check/library.test.ts', import.meta.url));
      const line = lineOf(ts, 'leaked.push(`entry');
      assert.match(err.message, new RegExp(`appendForever \\(.*library\\.test\\.ts:${line}:\\d+\\)`));
      return true;
    },
  );
});

test('assertNoLeaks names the place in the test’s code that leads into several leaking sites of a package', async () => {
  const loggers = createRequire(import.meta.url)(fixture('leaks', 'node_modules', 'leaky-logger')) as { get(name: string): object };
  let tenants = 0;
  await assert.rejects(
    assertNoLeaks(
      function loggerPerTenant() {
        loggers.get(`tenant-${tenants++}`);
      },
      { iterations: 1500, warmup: 50 },
    ),
    (err: Error) => {
      // Each of the package's sites is listed, then the one place they are all reached from.
      for (const fn of ['makeFormat', 'makeTransport']) assert.match(err.message, new RegExp(`growing at ${fn} \\(`));
      assert.match(
        err.message,
        /\nreached from 1 place in your code:\n {2}loggerPerTenant \(.*library\.test\.ts:\d+\)\n {6}(all )?\d+ leaks/,
      );
      assert.match(err.message, /leaky-logger/);
      return true;
    },
  );
});

test('checkLeaks: an operation that gets slower as it keeps more is cut at twice the time budget, still judged, and the report says so', async () => {
  const kept: { n: number }[] = [];
  const started = Date.now();
  const report = await checkLeaks(
    () => {
      kept.push({ n: kept.length });
      // Work that grows with what was kept: 10 µs more per run kept.
      const until = performance.now() + kept.length * 0.01;
      while (performance.now() < until);
    },
    { timeBudgetMs: 3000 },
  );
  // 6 s of runs, the measurements after it, and a short holders batch: not minutes.
  assert.ok(Date.now() - started < 40_000, `${Date.now() - started} ms`);
  assert.match(
    report.tracking.note,
    /the runs were cut short at the time limit \(6 s\) after \d+ runs, each measurement after that following one run: the operation got slower as it ran \([\d.]+ ms a run in the first batch, [\d.]+ ms in the last\)/,
  );
  assert.ok(report.leaks.length > 0, 'what it keeps is still found');
});
