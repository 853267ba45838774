import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoLeaks, checkLeaks } from '../../src/index.js';

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
      assert.match(err.message, /appendForever \(.*library\.test\.js:\d+:\d+\)/);
      return true;
    },
  );
});
