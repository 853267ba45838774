import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SiteCounts } from '../../src/capture/heap/site-counts.js';
import { scoreSites, v8CodeSeries, withoutV8Code } from '../../src/analysis/leaks/score-sites.js';
import { buildSiteSeries, type SiteMeasurement } from '../../src/analysis/leaks/site-series.js';
import { StackTable } from '../../src/model/stack-table.js';

const K = 1024;

test('growth that came only in steps where V8 compiled at least as much is taken out', () => {
  const bytes = [100, 100, 120, 120, 150, 150];
  const code = [1000, 1000, 1050, 1050, 1090, 1090];
  const r = withoutV8Code(bytes, [10, 10, 12, 12, 15, 15], code);
  assert.deepEqual(r.bytes, [100, 100, 100, 100, 100, 100]);
  assert.deepEqual(r.count, [10, 10, 10, 10, 10, 10]);
  assert.equal(r.discounted, 50);
});

test('a leak that keeps growing survives code that V8 flushes and recompiles over and over', () => {
  // Code churns ±60 per step with no net growth; the leak adds 10 per step.
  const bytes = Array.from({ length: 12 }, (_, i) => 100 + 10 * i);
  const code = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 5000 : 5060));
  const r = withoutV8Code(bytes, bytes, code);
  // At most the code's net growth since the first measurement (60) is ever taken out.
  assert.ok(r.discounted <= 60, String(r.discounted));
  assert.ok(r.bytes[11] - r.bytes[0] >= 110 - 60, JSON.stringify(r.bytes));
});

test('during warm-up only the share V8 can account for is taken out; the leak keeps the rest', () => {
  const bytes = Array.from({ length: 11 }, (_, i) => 1000 + 10 * i);
  // V8 compiles 5 per step for four steps, then settles.
  const code = Array.from({ length: 11 }, (_, i) => 2000 + 5 * Math.min(i, 4));
  const r = withoutV8Code(bytes, bytes, code);
  assert.equal(r.discounted, 20);
  assert.equal(r.bytes[10] - r.bytes[0], 80);
});

test('a site that shrinks back gives up what was taken from it beyond its growth', () => {
  const r = withoutV8Code([100, 140, 100, 100], [1, 2, 1, 1], [0, 100, 100, 100]);
  assert.deepEqual(r.bytes, [100, 100, 100, 100]);
  assert.equal(r.discounted, 0);
});

// The garbage-only program of the light-watch test, as CI measured it (4 KiB interval, 1 s
// apart): its timer callback's site grew by five samples, in steps, and was judged a leak at
// p 0.70. Each step is given V8 code growth of the same size or more, as measured alongside.
const CI_BYTES = [24872, 24872, 24872, 24872, 33584, 33584, 38064, 42672, 42672, 46784];
const CI_COUNT = [174.5, 174.5, 174.5, 174.5, 204.2, 204.2, 211.9, 217.9, 217.9, 389.3];

function measurementsOf(bytes: number[], count: number[], code: number[] | null): { m: SiteMeasurement[]; stacks: StackTable } {
  const stacks = new StackTable();
  const stack = stacks.internInnerFirst([{ functionName: 'tick', file: '/app/late-leak.cjs', line: 25, column: 14 }]);
  const m = bytes.map((b, i) => {
    const sites: SiteCounts = new Map([[stack, { count: count[i], selfBytes: b, externalBytes: 0 }]]);
    return { x: 3000 + i * 1000, sites, ...(code ? { v8CodeBytes: code[i] } : {}) };
  });
  return { m, stacks };
}

function probability(code: number[] | null): number {
  const { m, stacks } = measurementsOf(CI_BYTES, CI_COUNT, code);
  const series = buildSiteSeries(m, stacks, { ignorePrefixes: [] });
  const [top] = scoreSites(series.values(), { samplingInterval: 4 * K, v8Code: v8CodeSeries(m) });
  return top?.probability ?? 0;
}

test("the CI false positive: a timer callback's growth in step with V8's code is no longer a leak, and still is without it", () => {
  assert.ok(probability(null) >= 0.5, `without V8's code figures: p ${probability(null)}`);
  const code = [300, 300, 300, 310, 330, 336, 345, 350, 352, 360].map((v) => v * K);
  assert.ok(probability(code) < 0.2, `with them: p ${probability(code)}`);
  // Code that grew only before the site did explains nothing.
  const early = [300, 330, 360, 360, 360, 360, 360, 360, 360, 360].map((v) => v * K);
  assert.equal(probability(early), probability(null));
});

test('a measurement without the figure (the target could not read it) turns the discount off', () => {
  const { m } = measurementsOf(CI_BYTES, CI_COUNT, CI_BYTES);
  delete m[3].v8CodeBytes;
  assert.equal(v8CodeSeries(m), null);
});
