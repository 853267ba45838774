import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rejectAfter, valueWithin } from '../../src/timeouts.js';

const never = new Promise<number>(() => undefined);
const soon = new Promise<number>((resolve) => setTimeout(() => resolve(7), 5));

test('rejectAfter: the value when it comes in time, the late error when it does not', async () => {
  assert.equal(await rejectAfter(soon, 1_000, () => new Error('late')), 7);
  await assert.rejects(
    rejectAfter(never, 20, () => new RangeError('no answer')),
    (e: Error) => e instanceof RangeError && e.message === 'no answer',
  );
  await assert.rejects(
    rejectAfter(Promise.reject(new Error('own')), 1_000, () => new Error('late')),
    /own/,
  );
});

test('valueWithin: the value in time, null when late, its own rejection passed on', async () => {
  assert.equal(await valueWithin(soon, 1_000), 7);
  assert.equal(await valueWithin(never, 20), null);
  await assert.rejects(valueWithin(Promise.reject(new Error('own')), 1_000), /own/);
});
