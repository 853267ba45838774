import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check } from '../helpers/check.js';

// Programs that grow and stop, or never grow: the leak finder must stay quiet.
for (const file of [
  'clean/bounded-lru.cjs',
  'clean/lazy-init.cjs',
  'clean/pool.cjs',
  'clean/garbage-only.cjs',
  'clean/closed-handles.cjs',
  'clean/finite-memo.cjs',
  'clean/slow-cache.cjs',
  'clean/rolling-window.cjs',
  'clean/many-keys-memo.cjs',
  // Timers re-armed three times, then done: they fire in the wait before each measurement.
  'clean/retry-timers.cjs',
]) {
  test(`check stays quiet on ${file}`, async () => {
    const { code, report } = await check(file);
    assert.deepEqual(
      report.leaks.map((l) => `${l.site?.functionName} p=${l.probability}: ${l.evidence}`),
      [],
    );
    assert.equal(code, 0);
    assert.ok(report.iterations >= 80, `${report.iterations} runs`);
  });
}

test('check stays quiet on an operation that logs an object each run (V8 keeps console messages for the inspector session: discarded)', async () => {
  // 800 runs: fewer than the 1,000 messages V8 keeps, so that before the discard every measured
  // batch grew (exit 1, the logging line at p 1.00).
  const { code, report } = await check('clean/logs-each-run.cjs', ['--iterations', '800']);
  assert.deepEqual(
    report.leaks.map((l) => `${l.site?.functionName} p=${l.probability}: ${l.evidence}`),
    [],
  );
  assert.equal(code, 0);
});
