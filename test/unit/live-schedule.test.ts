import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HandleGrowthWatch } from '../../src/capture/live/handle-growth-watch.js';
import { describeSchedule, measurePeriod } from '../../src/capture/live/measure-schedule.js';

test('measure schedule: 5 s at first, a tenth of the age later, never beyond 60 s; a chosen period stays fixed', () => {
  const auto = { baseMs: 5000, stretch: true };
  assert.equal(measurePeriod(auto, 10_000), 5000);
  assert.equal(measurePeriod(auto, 50_000), 5000);
  assert.equal(measurePeriod(auto, 200_000), 20_000);
  assert.equal(measurePeriod(auto, 3_600_000), 60_000);
  const fixed = { baseMs: 1000, stretch: false };
  assert.equal(measurePeriod(fixed, 3_600_000), 1000);
  // Over ten minutes the stretched schedule still takes enough measurements to judge growth.
  let t = 1000;
  let n = 0;
  while (t < 600_000) {
    n++;
    t += measurePeriod(auto, t);
  }
  assert.ok(n >= 20 && n <= 45, `measurements in 10 min: ${n}`);
  assert.match(describeSchedule(auto, 60_000), /every 5 s at first, every 60 s by the end/);
  assert.match(describeSchedule(fixed, 1000), /^measured every 1 s/);
});

test('handle growth watch: wakes on a count that rises at 3 measurements in a row, not on churn', () => {
  const churn = new HandleGrowthWatch();
  const connections = [20, 21, 19, 22, 20, 21, 23, 20, 19, 21, 22, 20];
  for (const n of connections) assert.equal(churn.observe({ TCPSocketWrap: n, Timeout: 2, fd: 30 }), null);

  const leak = new HandleGrowthWatch();
  assert.equal(leak.observe({ Timeout: 2, fd: 30 }), null);
  assert.equal(leak.observe({ Timeout: 3, fd: 30 }), null);
  assert.equal(leak.observe({ Timeout: 5, fd: 31 }), null);
  assert.match(leak.observe({ Timeout: 8, fd: 30 }) ?? '', /Timeout resources rose at 3 measurements in a row \(2 → 3 → 5 → 8\)/);

  // A type that appears later counts from zero; descriptors are named as such.
  const fds = new HandleGrowthWatch();
  for (const n of [10, 11, 12]) assert.equal(fds.observe({ fd: n }), null);
  assert.match(fds.observe({ fd: 13 }) ?? '', /open descriptors rose/);
});
