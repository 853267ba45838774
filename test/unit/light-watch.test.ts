import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SiteMeasurement } from '../../src/analysis/leaks/site-series.js';
import {
  LIGHT_SERIES_FACTOR,
  LightWatch,
  type WatchEpoch,
  describeSwitch,
  seriesPeriod,
  strongestGrowth,
} from '../../src/capture/live/light-watch.js';
import { HandleSeries } from '../../src/analysis/leaks/handle-series.js';
import type { HandleGroup } from '../../src/analysis/handles/group.js';
import { StackTable } from '../../src/model/stack-table.js';
import { handleGroup } from '../helpers/handle-group.js';

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
  // A spike at one read that is gone at the next (objects alive at that read only) does not trip it.
  const spiky = new LightWatch({ lightAfterMs: 20_000, threshold: 0.5 });
  const spike = measurements(stacks, 50_000, 8, (i) => (i >= 5 ? (i - 3) * 2 * 128 * KIB : 128 * KIB));
  assert.ok(strongestGrowth(spike, stacks, light, 0.5)!.probability >= 0.2, 'the spike alone reads as a suspect');
  assert.equal(spiky.next(light, spike, stacks), null);
  const after = [...spike, ...measurements(stacks, 58_000, 1, () => 128 * KIB)];
  assert.equal(spiky.next(light, after, stacks), null, 'and is gone at the next read');
  // It must still read so a measurement later: one read is not enough.
  assert.equal(watch.next(light, growingLight.slice(0, 7), stacks), null);
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

/** A traced handle group of `count` open sockets made by `connect`. */
function socketGroup(count: number): HandleGroup {
  return handleGroup({ functionName: 'connect', file: '/app/db.js', line: 7, column: 1 }, count);
}

test("LightWatch with handles: growing handles keep it precise, and trip the wire while light through Node's count alone", () => {
  const stacks = new StackTable();
  const watch = new LightWatch({ lightAfterMs: 20_000, threshold: 0.5 });
  // Precise, heap quiet, but a traced group of sockets grows: not light.
  const quiet = measurements(stacks, -1_000, 32, () => 64 * KIB);
  const growingSockets = new HandleSeries();
  for (const m of quiet) if (m.x >= 0) growingSockets.add(m.x, [socketGroup(2 + Math.floor(m.x / 2000))]);
  const stay = watch.next(precise, quiet, stacks, growingSockets);
  assert.equal(stay, null, 'a handle leak being watched precisely is not a reason to go light');
  const steadySockets = new HandleSeries();
  for (const m of quiet) if (m.x >= 0) steadySockets.add(m.x, [socketGroup(4)]);
  assert.equal(watch.next(precise, quiet, stacks, steadySockets)?.to, 'light');
  // Light, tracing paused: the traced groups stay flat, Node's count of active resources grows.
  const light: WatchEpoch = { mode: 'light', fromMs: 40_000, judgedFromMs: 50_000, interval: 256 * KIB, inliningOff: false, why: '' };
  const lightMs = measurements(stacks, 50_000, 8, () => 256 * KIB);
  const flatGroups = new HandleSeries();
  for (const m of lightMs) flatGroups.add(m.x, [socketGroup(4)]);
  assert.equal(
    watch.next(
      light,
      lightMs.map((m) => ({ ...m, activeHandles: 12 })),
      stacks,
      flatGroups,
    ),
    null,
    'a steady count does not trip it',
  );
  const counted = lightMs.map((m, i) => ({ ...m, activeHandles: 12 + 10 * i }));
  assert.equal(watch.next(light, counted.slice(0, 7), stacks, flatGroups), null, 'one read is not enough');
  const back = watch.next(light, counted, stacks, flatGroups);
  assert.equal(back?.to, 'precise');
  assert.match(back!.reading.what, /^Node's count of active resources \(12 → 82\)$/);
});

test("LightWatch: a worker thread's growth keeps the capture precise, and trips the wire while light", () => {
  const stacks = new StackTable();
  const quiet = measurements(stacks, -1_000, 32, () => 64 * KIB);
  const growing = { probability: 0.93, what: 'keep (/app/worker.js:4:1) in worker 1' };
  const calm = { probability: 0.05, what: 'no site in worker 1' };
  // The main thread is quiet long enough, but a worker grows: not light.
  assert.equal(
    new LightWatch({ lightAfterMs: 20_000, threshold: 0.5 }).next(precise, quiet, stacks, null, () => growing),
    null,
  );
  const watch = new LightWatch({ lightAfterMs: 20_000, threshold: 0.5 });
  assert.equal(watch.next(precise, quiet, stacks, null, () => calm)?.to, 'light');
  // Light, the main thread flat: the worker's growth, read twice in a row, sends it back.
  const light: WatchEpoch = { mode: 'light', fromMs: 40_000, judgedFromMs: 50_000, interval: 128 * KIB, inliningOff: false, why: '' };
  const flatLight = measurements(stacks, 50_000, 8, () => 128 * KIB);
  assert.equal(
    watch.next(light, flatLight.slice(0, 7), stacks, null, () => growing),
    null,
    'one read is not enough',
  );
  const back = watch.next(light, flatLight, stacks, null, () => growing);
  assert.equal(back?.to, 'precise');
  assert.equal(back!.reading.what, growing.what);
});

test('seriesPeriod: the series is read 5x less often while light, every period again while memory moves or the heap nears its limit', () => {
  const still = { rss: 100e6, heapUsed: 20e6, heapLimit: 4e9 };
  assert.equal(seriesPeriod('precise', 1000, still, { rss: 100e6 }), 1000);
  assert.equal(seriesPeriod('light', 1000, still, { rss: 100e6 }), 1000 * LIGHT_SERIES_FACTOR);
  assert.equal(seriesPeriod('light', 1000, still, { rss: 95e6 }), 1000 * LIGHT_SERIES_FACTOR, 'within a tenth');
  // RSS grew by over a tenth since the point before: every point counts for the growth rule.
  assert.equal(seriesPeriod('light', 1000, { ...still, rss: 112e6 }, { rss: 100e6 }), 1000);
  assert.equal(seriesPeriod('light', 1000, { ...still, rss: 80e6 }, { rss: 100e6 }), 1000);
  // Past half the heap limit: the near-limit rule wants every point.
  assert.equal(seriesPeriod('light', 1000, { ...still, heapUsed: 2.1e9 }, { rss: 100e6 }), 1000);
  // Too few points to tell.
  assert.equal(seriesPeriod('light', 1000, still, undefined), 1000);
  assert.equal(seriesPeriod('light', 1000, undefined, undefined), 1000);
});

test('describeSwitch: each note says what the switch changed, and only that', () => {
  const reading = { probability: 0.13, what: 'serve (/app/server.js:3:1)' };
  const toLight = describeSwitch(
    { to: 'light', reading },
    {
      atMs: 312_400,
      next: { interval: 256 * KIB, inliningOff: false },
      quietMs: 300_000,
      changed: { inlining: true, tracing: true },
      seriesEveryMs: 1000,
    },
  );
  assert.match(toLight, /^from 312 s, watched lightly \(a sample every 256 KiB, V8's inlining on again, handles counted but not traced, /);
  assert.match(toLight, new RegExp(`the memory series every ${LIGHT_SERIES_FACTOR} s while memory holds still`));
  assert.match(
    toLight,
    /nothing grew in the 300 s judged before \(likeliest: serve \(\/app\/server.js:3:1\), p 0.13, under the 0.2 tripwire\)/,
  );
  // Back to precise at 400 s, at 32 KiB, with what else changed.
  const backAt400 = (what: string, inliningOff: boolean, changed: { inlining: boolean; tracing: boolean }): string =>
    describeSwitch(
      { to: 'precise', reading: { probability: 0.41, what } },
      { atMs: 400_000, next: { interval: 32 * KIB, inliningOff }, quietMs: 0, changed, seriesEveryMs: 1000 },
    );
  const back = backAt400('grow (/app/server.js:9:1)', false, { inlining: false, tracing: false });
  // `--inlining` kept V8's inlining on throughout, and `--no-handles` traced none: neither is said.
  assert.equal(
    back,
    'from 400 s, back to precise settings (a sample every 32 KiB): grow (/app/server.js:9:1) grew while watched lightly (p 0.41); sites are judged on what was allocated from then on, after a warm-up',
  );
  const backAll = backAt400('grow', true, { inlining: true, tracing: true });
  assert.match(backAll, /a sample every 32 KiB, V8's inlining off, handles traced again\)/);
  assert.match(backAll, /handles opened while watched lightly have no creation stack$/);
});
