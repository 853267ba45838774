import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSiteSeries, type SiteMeasurement } from '../../src/analysis/leaks/site-series.js';
import { scoreSites } from '../../src/analysis/leaks/score-sites.js';
import { spreadLeaks } from '../../src/analysis/leaks/spread-leaks.js';
import { StackTable } from '../../src/model/stack-table.js';

const KIB = 1024;
const INTERVAL = 32 * KIB;
const render = { functionName: 'render', file: '/app/render.js', line: 9, column: 10 };
const pkgFrame = (name: string, line: number) => ({
  functionName: name,
  file: '/app/node_modules/handlebars/compiler.js',
  line,
  column: 1,
});

/**
 * Ten measurements 10 s apart: four sites of a package under `render`, each gaining one sample
 * in turn (a sample every fourth step each: too thin alone), and a steady site of the user's.
 */
function measurements(stacks: StackTable, perStep: (site: number, step: number) => number): SiteMeasurement[] {
  const sites = [0, 1, 2, 3].map((k) => stacks.internOuterFirst([render, pkgFrame(`compile${k}`, 10 + k)]));
  const own = stacks.internOuterFirst([render]);
  const totals = [0, 0, 0, 0];
  return Array.from({ length: 10 }, (_, step) => {
    sites.forEach((_, k) => (totals[k] += perStep(k, step)));
    return {
      x: step * 10_000,
      sites: new Map([
        ...sites.map((id, k) => [id, { count: totals[k] * 100, selfBytes: (2 + totals[k]) * INTERVAL, externalBytes: 0 }] as const),
        [own, { count: 50, selfBytes: 3 * INTERVAL, externalBytes: 0 }],
      ]),
    };
  });
}

function judge(m: SiteMeasurement[], stacks: StackTable) {
  const series = buildSiteSeries(m, stacks, {});
  const scored = scoreSites(series.values(), { samplingInterval: INTERVAL });
  return { scored, spread: spreadLeaks(series.values(), scored, { threshold: 0.5, samplingInterval: INTERVAL }) };
}

test("spreadLeaks: a package's sites under one line of the user's code, each too thin alone, are judged summed", () => {
  const stacks = new StackTable();
  // One sample a step in all, taken by each site in turn.
  const { scored, spread } = judge(
    measurements(stacks, (k, step) => (step > 0 && step % 4 === k ? 1 : 0)),
    stacks,
  );
  assert.ok(
    scored.every((s) => s.probability < 0.5),
    JSON.stringify(scored.map((s) => s.probability)),
  );
  assert.equal(spread.length, 1);
  const [sum] = spread;
  assert.ok(sum.probability >= 0.5, String(sum.probability));
  assert.equal(sum.series.attribution.userFrame?.functionName, 'render');
  assert.equal(sum.series.attribution.package, 'handlebars');
  assert.match(sum.reasons[0], /^spread over 4 allocation sites of handlebars reached from this line of your code/);
  // Its stacks are the named site's, so the stack printed with it is that site's.
  assert.deepEqual(
    [...sum.series.stacks.keys()].map((id) => stacks.framesOf(id)[0].functionName),
    [sum.series.attribution.site!.functionName],
  );
});

test('spreadLeaks: nothing when the sum is flat, or when one of the sites is reported itself', () => {
  const stacks = new StackTable();
  assert.deepEqual(
    judge(
      measurements(stacks, () => 0),
      stacks,
    ).spread,
    [],
  );
  // compile0 alone grows 2 samples a step: reported itself, so the sum is not added.
  const { scored, spread } = judge(
    measurements(stacks, (k, step) => (step > 0 && k === 0 ? 2 : 0)),
    stacks,
  );
  assert.ok(scored[0].probability >= 0.5 && /compile0/.test(scored[0].series.key));
  assert.deepEqual(spread, []);
});

test("spreadLeaks: every site under one line of the user's code, whoever's, when no one package's sum is reported", () => {
  const stacks = new StackTable();
  // The user's closure, one package's record and another's copy, one sample a step in turn.
  const sites = [
    stacks.internOuterFirst([render]),
    stacks.internOuterFirst([render, { functionName: 'use', file: '/app/node_modules/axios/dist/node/axios.cjs', line: 2177, column: 3 }]),
    stacks.internOuterFirst([render, { functionName: '_clone', file: '/app/node_modules/clone/clone.js', line: 73, column: 3 }]),
  ];
  const totals = [0, 0, 0];
  const m: SiteMeasurement[] = Array.from({ length: 10 }, (_, step) => {
    if (step > 0) totals[step % 3]++;
    return {
      x: step * 10_000,
      sites: new Map(
        sites.map((id, k) => [id, { count: totals[k] * 100, selfBytes: (1 + totals[k]) * INTERVAL, externalBytes: 0 }] as const),
      ),
    };
  });
  const { scored, spread } = judge(m, stacks);
  assert.ok(
    scored.every((s) => s.probability < 0.5),
    JSON.stringify(scored.map((s) => s.probability)),
  );
  assert.equal(spread.length, 1, JSON.stringify(spread.map((s) => s.reasons)));
  assert.equal(spread[0].series.attribution.userFrame?.functionName, 'render');
  assert.match(
    spread[0].reasons[0],
    /^spread over 3 allocation sites \(your code's, axios's, clone's\) reached from this line of your code/,
  );
  // The same sites flat: nothing.
  const flat = m.map((mm) => ({
    ...mm,
    sites: new Map([...mm.sites].map(([id]) => [id, { count: 100, selfBytes: 2 * INTERVAL, externalBytes: 0 }] as const)),
  }));
  assert.deepEqual(judge(flat, stacks).spread, []);
});
