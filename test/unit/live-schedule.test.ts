import assert from 'node:assert/strict';
import { test } from 'node:test';
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
