import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SiteMeasurement } from '../../src/analysis/leaks/site-series.js';
import { LightWatch, type WatchEpoch, strongestGrowth } from '../../src/capture/live/light-watch.js';
import { StackTable } from '../../src/model/stack-table.js';

const KIB = 1024;

/** Measurements every second from `fromMs`: a steady site, and one that grows by `growth(i)` bytes. */
function measurements(stacks: StackTable, fromMs: number, n: number, growth: (i: number) => number): SiteMeasurement[] {
  const steady = stacks.internOuterFirst([{ functionName: 'serve', file: '/app/server.js', line: 3, column: 1 }]);
  const grower = stacks.internOuterFirst([
    { functionName: 'serve', file: '/app/server.js', line: 3, column: 1 },
    { functionName: 'remember', file: '/app/log.js', line: 10, column: 1 },
  ]);
  return Array.from({ length: n }, (_, i) => ({
    x: fromMs + i * 1000,
    sites: new Map([
      [steady, { count: 100, selfBytes: 40 * 128 * KIB + (i % 2) * 128 * KIB, externalBytes: 0 }],
      [grower, { count: growth(i) / 64, selfBytes: growth(i), externalBytes: 0 }],
    ]),
  }));
}

const precise: WatchEpoch = { mode: 'precise', fromMs: 0, judgedFromMs: 10_000, interval: 32 * KIB, inliningOff: true, why: '' };

test('strongestGrowth: a growing site is named; a flat program reads under the tripwire', () => {
  const stacks = new StackTable();
  const growing = strongestGrowth(
    measurements(stacks, 10_000, 10, (i) => i * 8 * 32 * KIB),
    stacks,
    precise,
    0.5,
  );
  assert.ok(growing && growing.probability > 0.9, JSON.stringify(growing));
  assert.match(growing.what, /^remember \(\/app\/log\.js:10:1\)$/);
  const flat = strongestGrowth(
    measurements(stacks, 10_000, 10, () => 64 * KIB),
    stacks,
    precise,
    0.5,
  );
  assert.ok(flat && flat.probability < 0.2, JSON.stringify(flat));
  assert.equal(
    strongestGrowth(
      measurements(stacks, 10_000, 3, () => 0),
      stacks,
      precise,
      0.5,
    ),
    null,
    'too few points',
  );
});

test('LightWatch: light after the quiet time judged, precise again on growth, and a doubled quiet time after a false alarm', () => {
  const stacks = new StackTable();
  const watch = new LightWatch({ lightAfterMs: 20_000, threshold: 0.5 });
  // Measurements before the warm-up's end are not judged: 25 s of them but only 14 s judged.
  const quiet = measurements(stacks, -1_000, 25, () => 64 * KIB);
  assert.equal(watch.next(precise, quiet, stacks), null, '14 s judged, 20 needed');
  const longer = measurements(stacks, -1_000, 32, () => 64 * KIB);
  assert.equal(watch.next(precise, longer, stacks)?.to, 'light');
  // Light: growth trips the wire.
  const light: WatchEpoch = { mode: 'light', fromMs: 40_000, judgedFromMs: 50_000, interval: 128 * KIB, inliningOff: false, why: '' };
  const flatLight = measurements(stacks, 50_000, 8, () => 128 * KIB);
  assert.equal(watch.next(light, flatLight, stacks), null);
  const growingLight = measurements(stacks, 50_000, 8, (i) => i * 2 * 128 * KIB);
  const back = watch.next(light, growingLight, stacks);
  assert.equal(back?.to, 'precise');
  assert.match(back!.reading.what, /remember/);
  // Precise again: now 40 s of quiet are needed.
  const again: WatchEpoch = { ...precise, fromMs: 60_000, judgedFromMs: 70_000 };
  assert.equal(
    watch.next(
      again,
      measurements(stacks, 70_000, 32, () => 64 * KIB),
      stacks,
    ),
    null,
    '31 s judged, 40 needed',
  );
  assert.equal(
    watch.next(
      again,
      measurements(stacks, 70_000, 42, () => 64 * KIB),
      stacks,
    )?.to,
    'light',
  );
});

test('LightWatch: never (--light-after never)', () => {
  const stacks = new StackTable();
  const watch = new LightWatch({ lightAfterMs: null, threshold: 0.5 });
  assert.equal(
    watch.next(
      precise,
      measurements(stacks, 10_000, 100, () => 64 * KIB),
      stacks,
    ),
    null,
  );
});
