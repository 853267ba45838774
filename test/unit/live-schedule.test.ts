import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { COST_WINDOW_MS, MeasurePacer, type MeasureSchedule, readCpuMs } from '../../src/capture/live/measure-schedule.js';

/**
 * Drives a pacer the way the capture loop does, against a target whose CPU clock runs at
 * `rate` (ms of CPU per ms; a number or a function of time) and jumps by `costMs` (likewise)
 * right after each measurement starts; at each series point the period is re-paced from the
 * latest rate. Returns the measurements' starts and the periods the pacer chose.
 */
function simulate(
  schedule: MeasureSchedule,
  rate: number | ((t: number) => number),
  costMs: number | ((t: number) => number),
  untilMs: number,
  readable = true,
  durationMs?: number,
): { periods: number[]; starts: number[]; pacer: MeasurePacer } {
  const rateAt = typeof rate === 'number' ? () => rate : rate;
  const costAt = typeof costMs === 'number' ? () => costMs : costMs;
  let now = 0;
  let cpu = 0;
  const pacer = new MeasurePacer(schedule, () => (readable ? cpu : null), 0, { durationMs, warmupMs: 10_000 });
  const periods: number[] = [];
  const starts: number[] = [];
  let next = 1000;
  let nextSeries = 0;
  const advance = (ms: number): void => {
    for (let i = 0; i < ms; i += 100) {
      cpu += rateAt(now) * 100;
      now += 100;
    }
  };
  while (now < untilMs) {
    if (now >= nextSeries) {
      pacer.reading(now);
      nextSeries = now + 1000;
      const repaced = pacer.reschedule();
      if (repaced !== null) next = starts[starts.length - 1]! + repaced;
    }
    if (now >= next) {
      const start = now;
      starts.push(start);
      pacer.measuring(start);
      cpu += costAt(start); // the deoptimized code being optimized again, soon after the GC
      advance(COST_WINDOW_MS);
      const period = pacer.settle(now);
      periods.push(period);
      next = start + period;
    }
    advance(100);
  }
  return { periods, starts, pacer };
}

const paced = { baseMs: 5000, budget: 0.03 };

test('measurements that cost a busy target 150 ms of CPU each are spaced so they take 3 % of its CPU', () => {
  // The bench server at 8,000 req/s: 0.11 of a core; a forced GC then costs ~150 ms.
  const { periods, pacer } = simulate(paced, 0.11, 150, 600_000);
  const last = periods[periods.length - 1]!;
  assert.ok(Math.abs(last - 150 / (0.03 * 0.11)) < 1000, `period ${last}`);
  assert.match(pacer.describe(last), /each cost the target ~150 ms of CPU/);
  assert.match(pacer.describe(last), /paced so that measurements take at most 3 % of the target's CPU/);
  assert.doesNotMatch(pacer.describe(last), /counting it as using at least/);
});

test('a nearly idle target is paced as if it used 5 % of a core, and the note says its share is larger', () => {
  // 1 % of a core, 30 ms a measurement (blind red-team: "at most 3 %" beside "~15.6 % of its CPU time").
  const { periods, pacer } = simulate(paced, 0.01, 30, 600_000);
  const last = periods[periods.length - 1]!;
  assert.ok(Math.abs(last - 30 / (0.03 * 0.05)) < 1000, `period ${last}`);
  assert.match(
    pacer.describe(last),
    /at most 3 % of the target's CPU, counting it as using at least 5 % of a core — it used less, so its share is larger/,
  );
  assert.match(pacer.describe(last), /~1\d\.\d % of its CPU time over the capture/);
});

test('early in a capture the budget gives way to enough points: every quarter of its age until 8, or 8 after the warm-up of a planned one', () => {
  const open = simulate(paced, 0.11, 150, 300_000);
  // Without a planned length: the first 8 come at most a quarter of the capture's age apart
  // (the budget alone would space them 45 s apart)...
  const first8 = open.starts.slice(0, 8);
  assert.equal(first8.length, 8);
  for (let i = 1; i < 8; i++)
    assert.ok(
      first8[i]! - first8[i - 1]! <= Math.max(5000, (first8[i - 1]! + COST_WINDOW_MS) / 4) + 100,
      `starts ${open.starts.join(', ')}`,
    );
  assert.ok(first8[7]! < 80_000, `starts ${open.starts.join(', ')}`);
  assert.ok(
    open.periods.slice(0, 7).every((p) => p < 20_000),
    `periods ${open.periods.join(', ')}`,
  );
  // ...then only the budget spaces them: the rest of a long capture costs 3 % of its CPU.
  const later = open.periods.slice(8);
  assert.ok(later.length >= 3 && later.every((p) => Math.abs(p - 150 / (0.03 * 0.11)) < 1000), `periods ${open.periods.join(', ')}`);
  assert.match(open.pacer.describe(later[later.length - 1]!), /paced so that measurements take at most 3 %/);
  // --duration 40s --warmup 10s: a point every 3.75 s after the warm-up.
  const planned = simulate(paced, 0.11, 150, 40_000, true, 40_000);
  assert.ok(
    planned.periods.slice(1).every((p) => p === 3750),
    `periods ${planned.periods.join(', ')}`,
  );
});

test('a quiet target whose measurements cost next to nothing is measured every 5 s', () => {
  const { periods } = simulate(paced, 0.002, 3, 60_000);
  assert.ok(
    periods.every((p) => p === 5000),
    `periods ${periods.join(', ')}`,
  );
});

test('the period never exceeds 60 s, so even a costly program gets points to judge', () => {
  const { periods, pacer } = simulate(paced, 0.5, 5000, 600_000);
  assert.equal(periods[periods.length - 1], 60_000);
  // What it cost is reported, beyond the budget: 5 s every 60 s of a half-busy core.
  assert.match(pacer.describe(60_000), /~5000 ms of CPU \(measured from \/proc\), ~2\d\.\d % of its CPU time/);
});

test('a measurement whose cost cannot show (a target at full load) does not shorten the period: the highest recent cost is used', () => {
  // 0.11 of a core, then a minute at a full core, where a measurement's cost shows as lost
  // work and measures 0, then 0.11 again. With the mean of the last costs instead, the zeros
  // brought measurements every 5 s in the burst and every ~11 s after it.
  const burst = (t: number): boolean => t >= 200_000 && t < 260_000;
  const { starts } = simulate(
    paced,
    (t) => (burst(t) ? 1 : 0.11),
    (t) => (burst(t) ? 0 : 150),
    420_000,
  );
  assert.ok(starts.filter((t) => t >= 200_000 && t < 300_000).length <= 2, `starts ${starts.join(', ')}`);
  const after = starts.filter((t) => t >= 260_000);
  assert.ok(after.length >= 2, `starts ${starts.join(', ')}`);
  for (let i = 1; i < after.length; i++) assert.ok(after[i]! - after[i - 1]! >= 40_000, `starts ${starts.join(', ')}`);
});

test('when the load drops, the next measurement waits for the lower rate instead of the period set before', () => {
  // 0.8 of a core for 5 minutes (a measurement every ~6 s is 3 % of it), then 0.11.
  const { starts } = simulate(paced, (t) => (t < 300_000 ? 0.8 : 0.11), 150, 420_000);
  const before = starts.filter((t) => t < 300_000);
  const firstAfter = starts.find((t) => t >= 300_000)!;
  assert.ok(before[before.length - 1]! - before[before.length - 2]! < 10_000, `starts ${starts.join(', ')}`);
  // Re-paced at each series point: ~45 s after the last one (without it: ~6 s, then again).
  assert.ok(firstAfter - before[before.length - 1]! >= 40_000, `starts ${starts.join(', ')}`);
});

test('a chosen period stays fixed, and without /proc the period grows with the capture', () => {
  const fixed = simulate({ baseMs: 3000, budget: null }, 0.11, 150, 60_000);
  assert.ok(fixed.periods.every((p) => p === 3000));
  assert.match(fixed.pacer.describe(3000), /^measured every 3 s \(each measurement makes two full GCs in the target\); each cost/);
  // At 2 s apart each measurement's cost window holds the next one: not costed, and said.
  const close = simulate({ baseMs: 2000, budget: null }, 0.11, 150, 30_000);
  assert.match(close.pacer.describe(2000), /^measured every 2 s .*their cost is not shown/);
  assert.doesNotMatch(close.pacer.describe(2000), /each cost the target/);
  const blind = simulate(paced, 0.11, 150, 900_000, false);
  assert.equal(blind.periods[0], 5000);
  assert.equal(blind.periods[blind.periods.length - 1], 60_000);
  assert.match(blind.pacer.describe(60_000), /could not be read, so the period grew with the capture's age/);
});

test('readCpuMs reads a real process: a child that burns CPU for 400 ms shows it', async () => {
  // 400 ms of its own CPU time, not of the clock, and it says when (a fixed wait after a clock's
  // 400 ms fell short once, two test files at a time).
  const child = spawn(process.execPath, [
    '-e',
    'while (process.cpuUsage().user < 400_000); console.log("burnt"); setTimeout(() => {}, 5000)',
  ]);
  try {
    await new Promise((r) => child.stdout.once('data', r));
    const cpu = readCpuMs(child.pid!);
    assert.ok(cpu !== null && cpu >= 300 && cpu < 5000, `cpu ${cpu}`);
  } finally {
    child.kill();
  }
  await new Promise((r) => child.once('exit', r));
  assert.equal(readCpuMs(child.pid!), null);
});
