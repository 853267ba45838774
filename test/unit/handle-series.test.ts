import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HandleSeries } from '../../src/analysis/leaks/handle-series.js';
import type { HandleGroup } from '../../src/analysis/handles/group.js';
import type { Frame } from '../../src/model/frame.js';
import { handleGroup } from '../helpers/handle-group.js';

const connect: Frame = { functionName: 'Client.connect', file: '/app/node_modules/undici/lib/core/connect.js', line: 114, column: 20 };
const fetchHealth: Frame = { functionName: 'fetchHealth', file: '/app/op.cjs', line: 16, column: 33 };

/** Sockets opened at `connect` from `fetchHealth`, called from `caller` further down. */
function sockets(count: number, caller: Frame, keepingAlive = 0): HandleGroup {
  return handleGroup(connect, count, {
    keepingAlive,
    unrefd: count - keepingAlive,
    userFrame: fetchHealth,
    package: 'undici',
    stack: [connect, fetchHealth, caller],
  });
}

test("HandleSeries: one leak reached through different callers further down (check's warm-up, batches, longer batches) is one series", () => {
  const harness = (line: number): Frame => ({ functionName: 'run', file: '/leaktrace/dist/src/check/check-leaks.js', line, column: 5 });
  const series = new HandleSeries();
  // 100 sockets left by the warm-up, then 40 per batch from the batches' line, then 80 per
  // longer batch from a third line: each caller's own group stops growing when the next begins.
  for (let i = 0; i <= 8; i++) series.add(100 + 40 * i, [sockets(100, harness(120)), sockets(40 * i, harness(131), 1)]);
  for (let i = 1; i <= 4; i++)
    series.add(420 + 80 * i, [sockets(100, harness(120)), sockets(320, harness(131), 1), sockets(80 * i, harness(160), 2)]);
  const { leaks, belowThreshold } = series.judge(0.5, 'iteration');
  assert.equal(leaks.length, 1, leaks.map((l) => l.evidence).join('\n'));
  assert.equal(belowThreshold.length, 0);
  const [leak] = leaks;
  assert.deepEqual(leak.series?.count, [100, 140, 180, 220, 260, 300, 340, 380, 420, 500, 580, 660, 740]);
  assert.ok(leak.probability > 0.95, `p ${leak.probability}`);
  assert.ok(Math.abs((leak.perIteration?.count ?? 0) - 1) < 0.01, `per iteration ${leak.perIteration?.count}`);
  // Handles keeping the loop alive: those of the last measurement, summed over the callers.
  assert.match(leak.evidence, /; 3 of them keep the event loop alive/);
});

test('HandleSeries: handles with no stack stay apart from those at a site, and different sites stay apart', () => {
  const series = new HandleSeries();
  const elsewhere: Frame = { functionName: 'openPool', file: '/app/db.js', line: 3, column: 1 };
  const stackless = (count: number): HandleGroup => ({
    ...sockets(count, elsewhere),
    site: null,
    userFrame: null,
    package: 'node:',
    stack: [],
  });
  const other = (count: number): HandleGroup => ({ ...sockets(count, elsewhere), site: elsewhere, userFrame: elsewhere, package: null });
  for (let i = 0; i < 8; i++) series.add(i * 10, [sockets(10 * i, fetchHealth), stackless(4), other(2)]);
  const { leaks } = series.judge(0.5, 'iteration');
  assert.deepEqual(
    leaks.map((l) => l.site?.functionName ?? null),
    ['Client.connect'],
  );
});

test('HandleSeries: handles followed by id — a count that grows with the load while each handle closes again is no leak; one that keeps them open is', () => {
  const timer: Frame = { functionName: 'armTimeout', file: '/app/server.js', line: 40, column: 3 };
  const judge = (idsAt: (step: number, open: number) => string[]) => {
    const series = new HandleSeries();
    for (let step = 0; step < 10; step++) {
      const open = 5 + 4 * step;
      series.add(step * 10_000, [{ ...handleGroup(timer, open, { userFrame: timer }), type: 'Timeout', members: idsAt(step, open) }]);
    }
    return series.judge(0.5, 'minute');
  };
  // Per-request timers under rising load: every measurement sees a fresh set (each fired and closed).
  const turnover = judge((step, open) => Array.from({ length: open }, (_, k) => `1:0:${step * 1000 + k}`));
  assert.equal(turnover.leaks.length, 0, turnover.leaks.map((l) => l.evidence).join('\n'));
  assert.equal(turnover.belowThreshold.length, 1);
  assert.equal(turnover.belowThreshold[0].probability, 0);
  assert.match(
    turnover.belowThreshold[0].evidence,
    /but followed handle by handle, .* 0 are still open at the end: they are closed and others opened/,
  );
  // The same counts, each handle kept open: a leak, and said so.
  const kept = judge((_step, open) => Array.from({ length: open }, (_, k) => `1:0:${k}`));
  assert.equal(kept.leaks.length, 1);
  assert.match(kept.leaks[0].evidence, /followed handle by handle, .* still open at the end: it keeps them open, as a leak does/);
  // Without the handles listed (a paused tracer), the counts alone are judged.
  const unlisted = new HandleSeries();
  for (let step = 0; step < 10; step++)
    unlisted.add(step * 10_000, [{ ...handleGroup(timer, 5 + 4 * step, { userFrame: timer }), type: 'Timeout' }]);
  assert.equal(unlisted.judge(0.5, 'minute').leaks.length, 1);
});

test('HandleSeries: sockets opened at a steady rate and closed later and later (a server serving one at a time) are a leak; in check (by iteration) they are not read as one', () => {
  // 30 opened a step, the 20 oldest closed: every socket is closed in the end, yet the open ones
  // grow by 10 a step and each waits longer than the one before.
  const judge = (unit: 'minute' | 'iteration') => {
    const series = new HandleSeries();
    let opened = 0;
    let closed = 0;
    for (let step = 0; step < 10; step++) {
      opened += 30;
      if (step > 0) closed += 20;
      const members = Array.from({ length: opened - closed }, (_, k) => `1:0:${closed + k + 1}`);
      series.add(step * 10_000, [{ ...sockets(members.length, fetchHealth), members }]);
    }
    return series.judge(0.5, unit);
  };
  const timed = judge('minute');
  assert.equal(timed.leaks.length, 1, timed.belowThreshold.map((l) => l.evidence).join('\n'));
  assert.match(
    timed.leaks[0].evidence,
    /followed handle by handle, .* still open at the end — they are closed, but later and later: it made them at a steady rate \(180 opened a minute in the earlier half, 180 in the later\) while its open ones grew older/,
  );
  // check's x is iterations, not time: no rates or ages are read from it, the turnover stands.
  const byIteration = judge('iteration');
  assert.equal(byIteration.leaks.length, 0);
});
