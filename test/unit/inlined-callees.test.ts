import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SiteCounts } from '../../src/capture/heap/site-counts.js';
import { joinInlinedCallees } from '../../src/analysis/leaks/inlined-callees.js';
import { scoreSites } from '../../src/analysis/leaks/score-sites.js';
import { buildSiteSeries, type SiteMeasurement } from '../../src/analysis/leaks/site-series.js';
import type { Frame } from '../../src/model/frame.js';
import { StackTable } from '../../src/model/stack-table.js';

const K = 1024;
const INTERVAL = 32 * K;
const app = (functionName: string, line: number): Frame => ({ functionName, file: '/app/server.js', line, column: 3 });
const node = (functionName: string, file: string, line: number): Frame => ({ functionName, file, line, column: 5 });

const remember = app('rememberRequest', 14);
const handler = app('(anonymous)', 35);
const audit = app('audit', 20);
const emit = node('emit', 'node:events', 471);
const parserOnIncoming = node('parserOnIncoming', 'node:_http_server', 1026);

/** Measurements 1 s apart from per-stack sample counts (one sample: 32 KiB, ~341 objects). */
function measurements(perStack: Map<number, number[]>): SiteMeasurement[] {
  const n = [...perStack.values()][0].length;
  return Array.from({ length: n }, (_, i) => {
    const sites: SiteCounts = new Map();
    for (const [stack, samples] of perStack)
      sites.set(stack, { count: samples[i] * 341, selfBytes: samples[i] * INTERVAL, externalBytes: 0 });
    return { x: i * 1000, sites };
  });
}

function judge(stacks: StackTable, perStack: Map<number, number[]>) {
  const series = buildSiteSeries(measurements(perStack), stacks, { ignorePrefixes: [] });
  const scoring = { samplingInterval: INTERVAL };
  const alone = scoreSites(series.values(), scoring);
  const joined = joinInlinedCallees(alone, series.values(), stacks, {
    threshold: 0.5,
    samplingInterval: INTERVAL,
  });
  const p = (list: typeof alone, name: string) => list.find((s) => s.series.attribution.site?.functionName === name)?.probability ?? 0;
  return { alone, joined, p };
}

test('inlining: a leak recorded partly under its caller while TurboFan had it inlined is judged whole, and says so', () => {
  const t = new StackTable();
  // Before inlining the handler is called through emit; once optimized, with emit inlined.
  const calleeStack = t.internInnerFirst([remember, handler, emit, parserOnIncoming]);
  const callerStack = t.internInnerFirst([handler, parserOnIncoming]);
  // The callee's samples stop once TurboFan has inlined it; from then on they grow at the caller.
  const { alone, joined, p } = judge(
    t,
    new Map([
      [calleeStack, [2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5]],
      [callerStack, [0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]],
    ]),
  );
  // Three samples' worth at the callee is too little to judge alone.
  assert.equal(p(alone, 'rememberRequest'), 0, JSON.stringify(alone.map((s) => [s.series.key, s.probability])));
  assert.equal(joined.length, 1, JSON.stringify(joined.map((s) => s.series.key)));
  const [whole] = joined;
  // Named after the part that grew more (the caller: 8 samples against 3).
  assert.equal(whole.series.attribution.site?.functionName, '(anonymous)');
  assert.ok(whole.probability > p(alone, '(anonymous)') && whole.probability >= 0.95, whole.reasons.join('; '));
  assert.deepEqual(
    whole.series.selfBytes,
    [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13].map((s) => s * INTERVAL),
  );
  assert.match(
    whole.reasons.at(-1)!,
    /^counted together: 96\.0 KiB of the growth at rememberRequest .* and 256 KiB at its caller \(anonymous\) .*\(apart: too little growth to judge and p 0\.84\).*inferred from the call relation/,
  );
});

test('inlining: two callees that grew alike leave their caller alone; so do two leaks each found on its own, a sample of churn at the caller, and a caller that did not grow', () => {
  const t = new StackTable();
  const calleeStack = t.internInnerFirst([remember, handler, parserOnIncoming]);
  const rivalStack = t.internInnerFirst([audit, handler, parserOnIncoming]);
  const callerStack = t.internInnerFirst([handler, parserOnIncoming]);
  const phased = [3, 4, 5, 6, 6, 6, 6, 6, 6, 7, 8, 9];
  const inlined = [0, 0, 0, 0, 1, 2, 3, 4, 5, 5, 5, 5];
  // Which of the two the caller's growth belongs to cannot be told.
  const rivals = judge(
    t,
    new Map([
      [calleeStack, phased],
      [rivalStack, phased],
      [callerStack, inlined],
    ]),
  );
  assert.deepEqual(
    rivals.joined.map((s) => s.probability),
    rivals.alone.map((s) => s.probability),
  );
  // Both leaks on their own: two leaks stay two.
  const steady = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const two = judge(
    t,
    new Map([
      [calleeStack, steady],
      [callerStack, steady],
    ]),
  );
  assert.ok(two.p(two.alone, 'rememberRequest') >= 0.5 && two.p(two.alone, '(anonymous)') >= 0.5);
  assert.equal(two.joined.length, 2);
  // A sample more at the caller near the end (a request in flight) does not make a slowly
  // filling cache at the callee a leak.
  const cache = judge(
    t,
    new Map([
      [calleeStack, [1, 2, 3, 4, 5, 5, 6, 6, 6, 7, 7, 7]],
      [callerStack, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]],
    ]),
  );
  assert.deepEqual(
    cache.joined.map((s) => [s.series.key, s.probability]),
    cache.alone.map((s) => [s.series.key, s.probability]),
  );
  // A caller whose live objects did not grow adds nothing.
  const flat = judge(
    t,
    new Map([
      [calleeStack, phased],
      [callerStack, [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]],
    ]),
  );
  assert.deepEqual(
    flat.joined.map((s) => [s.series.key, s.probability]),
    flat.alone.map((s) => [s.series.key, s.probability]),
  );
});

test('inlining: a callee that is a leak of its own is no rival; the callee whose sum with the caller is a leak is joined', () => {
  const t = new StackTable();
  const poller = app('startPoller', 30);
  const calleeStack = t.internInnerFirst([remember, handler, parserOnIncoming]);
  const pollerStack = t.internInnerFirst([poller, handler, parserOnIncoming]);
  const callerStack = t.internInnerFirst([handler, parserOnIncoming]);
  // The attach test's server in a full local run (its failure message, in samples of its
  // 4 KiB interval): the leak inlined into the handler for most of the capture, then at its
  // own function again (deoptimized) for the last steps; the handler's pollers, a steady leak
  // of their own, grew more than half as much as that late part (the old rival rule).
  const { alone, joined, p } = judge(
    t,
    new Map([
      [callerStack, [46, 72, 83, 99, 110, 137, 156, 167, 180, 216, 211, 209, 212, 226]],
      [calleeStack, [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 17, 40, 47, 47]],
      [pollerStack, [0, 2, 5, 7, 9, 12, 14, 16, 19, 21, 23, 26, 28, 30]],
    ]),
  );
  assert.ok(
    p(alone, '(anonymous)') < 0.5 && p(alone, 'rememberRequest') < 0.5,
    JSON.stringify(alone.map((s) => [s.series.key, s.probability])),
  );
  assert.ok(p(alone, 'startPoller') >= 0.5);
  const whole = joined.find((s) => /counted together: .* rememberRequest/.test(s.reasons.at(-1) ?? ''));
  assert.ok(whole && whole.probability >= 0.5, JSON.stringify(joined.map((s) => [s.series.key, s.probability, s.reasons.at(-1)])));
  // The pollers stay a leak of their own.
  assert.ok(p(joined, 'startPoller') >= 0.5);
});
