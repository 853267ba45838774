import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withoutOneReadSamples } from '../../src/analysis/leaks/one-read-samples.js';
import type { SiteMeasurement } from '../../src/analysis/leaks/site-series.js';
import { strongestGrowth, type WatchEpoch } from '../../src/capture/live/light-watch.js';
import { StackTable } from '../../src/model/stack-table.js';

const KIB = 1024;
const I = 32 * KIB;

/** One site's reads: the live sample ordinals at each, every second from 10 s. */
function reads(stacks: StackTable, line: number, ordinals: number[][]): SiteMeasurement[] {
  const site = stacks.internOuterFirst([
    { functionName: 'tick', file: '/app/loop.js', line: 30, column: 1 },
    { functionName: 'handle', file: '/app/loop.js', line, column: 1 },
  ]);
  return ordinals.map((samples, i) => ({
    x: 10_000 + i * 1000,
    sites: new Map([[site, { count: samples.length * 300, selfBytes: samples.length * (I + 100), externalBytes: 0, samples }]]),
  }));
}

test('withoutOneReadSamples: a sample born after the read before and dead by the read after is dropped; kept ones and the first read stay', () => {
  const stacks = new StackTable();
  // Ordinal 1 lives throughout (kept); 5 and 6 are alive at the third read only; 9 is new at
  // the last read (unconfirmed); 7 was born before the fourth read and is still alive at the last.
  const ms = reads(stacks, 12, [[1], [1], [1, 5, 6], [1, 7], [1, 7, 9]]);
  const kept = withoutOneReadSamples(ms, I);
  const samples = kept.map((m) => [...m.sites.values()][0].samples);
  assert.deepEqual(samples, [[1], [1], [1], [1, 7], [1, 7]]);
  const bytes = kept.map((m) => [...m.sites.values()][0].selfBytes);
  assert.deepEqual(bytes, [I + 100, I + 100, 3 * (I + 100) - 2 * I, 2 * (I + 100), 3 * (I + 100) - I]);
  assert.equal([...kept[2].sites.values()][0].count, 300, 'a third of the site count, for one of three samples kept');
  // The first read is judged against the read before it when known: 3 was not alive then, nor after.
  const first = withoutOneReadSamples(reads(stacks, 12, [[1, 3], [1]]), I, reads(stacks, 12, [[1]])[0]);
  assert.deepEqual([...first[0].sites.values()][0].samples, [1]);
  // Unchanged reads are the same objects (nothing copied for nothing).
  assert.equal(kept[0], ms[0]);
});

test("strongestGrowth: floating garbage at the ends of reads does not trip the light watch's wire; a leak's samples still do", () => {
  const light: WatchEpoch = { mode: 'light', fromMs: 0, judgedFromMs: 10_000, interval: I, inliningOff: false, why: '' };
  // A garbage-only loop: at each read from the fourth on, the newest few objects are alive at
  // that read only (new ordinals each time), more of them as the reads go on.
  const stacks = new StackTable();
  let next = 100;
  const fresh = (n: number) => Array.from({ length: n }, () => next++);
  const floating = reads(stacks, 12, [[], [], [], fresh(1), fresh(2), fresh(3), fresh(4), fresh(5)]);
  const g = strongestGrowth(floating, stacks, light, 0.5);
  assert.ok(g && g.probability < 0.2, JSON.stringify(g));
  // The same counts from samples that stay: a leak (each read keeps all before it).
  const leakStacks = new StackTable();
  const kept: number[][] = [[], [], [], [1], [1, 2], [1, 2, 3], [1, 2, 3, 4], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6]];
  const leak = strongestGrowth(reads(leakStacks, 12, kept), leakStacks, light, 0.5);
  assert.ok(leak && leak.probability >= 0.5, JSON.stringify(leak));
});
