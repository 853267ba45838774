import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSiteSeries, type SiteMeasurement } from '../../src/analysis/leaks/site-series.js';
import { type ScoredSite, scoreSites } from '../../src/analysis/leaks/score-sites.js';
import { StackTable } from '../../src/model/stack-table.js';

const op = { functionName: 'op', file: '/app/cache.js', line: 5, column: 29 };
const load = { functionName: 'load', file: '/app/cache.js', line: 4, column: 14 };

/**
 * Exact counts (interval 1), a measurement every 1,000 runs: `op`'s one hash table (12 sampled
 * objects throughout), doubling as its entries reach each power of two, and, when `made` is
 * set, those entries as `load`'s objects under it (else numbers, with no site of their own).
 */
function measurements(stacks: StackTable, entries: (run: number) => number, made = true): SiteMeasurement[] {
  const table = stacks.internOuterFirst([op]);
  const entry = stacks.internOuterFirst([op, load]);
  return Array.from({ length: 13 }, (_, i) => {
    const run = 1000 + i * 1000;
    const capacity = 2 ** Math.ceil(Math.log2(Math.max(16, entries(run))));
    const sites = new Map([[table, { count: 12, selfBytes: 24 * capacity, externalBytes: 0 }]]);
    if (made) sites.set(entry, { count: entries(run), selfBytes: 100 * entries(run), externalBytes: 0 });
    return { x: run, sites };
  });
}

const judged = (m: SiteMeasurement[], stacks: StackTable) =>
  scoreSites(buildSiteSeries(m, stacks, {}).values(), { samplingInterval: 1, stacks });

test('a table that only resizes is judged with its contents: a cache still filling keeps it under them', () => {
  // Measured (blind red-team, `check` of a Map over 20,000 keys hit at random, 72 % full at
  // the end): the Map's table under `op`, 12 sampled objects throughout, and the entries
  // `load` made, their growth slowing as the cache fills.
  const x = [0, 625, 1250, 1875, 2500, 3125, 3750, 4375, 5000, 10000, 15000, 20000, 25000];
  const tableKiB = [8, 29, 57, 57, 113, 113, 113, 113, 225, 225, 449, 449, 449];
  const entries = [2581, 10586, 18252, 25735, 32906, 39924, 46553, 53035, 59325, 104331, 138399, 165154, 186576];
  const stacks = new StackTable();
  const table = stacks.internOuterFirst([op]);
  const entry = stacks.internOuterFirst([op, load]);
  const m: SiteMeasurement[] = x.map((run, i) => ({
    x: run,
    sites: new Map([
      [table, { count: 12, selfBytes: tableKiB[i] * 1024, externalBytes: 0 }],
      [entry, { count: entries[i], selfBytes: 33 * entries[i], externalBytes: 0 }],
    ]),
  }));
  const alone = scoreSites(buildSiteSeries(m, stacks, {}).values(), { samplingInterval: 1 });
  const withContents = judged(m, stacks);
  const site = (scored: ScoredSite[], name: string): ScoredSite => scored.find((s) => s.series.attribution.site?.functionName === name)!;
  // Alone, the table reads as a leak; with its contents, it is theirs.
  assert.ok(site(alone, 'op').probability >= 0.5, String(site(alone, 'op').probability));
  const contents = site(withContents, 'load');
  assert.ok(contents.probability < site(alone, 'op').probability);
  assert.equal(site(withContents, 'op').probability, contents.probability);
  assert.match(
    site(withContents, 'op').reasons.join('; '),
    /its objects did not grow in number \(12 → 12, resized from 8.00 KiB to 449 KiB\).* is judged at p 0\.\d\d: a container is judged with its contents/,
  );
});

test('a table with no contents site of its own (a Set of numbers) is judged alone, and a leaking one with its leaking contents', () => {
  const stacks = new StackTable();
  const numbers = (run: number): number => run;
  const alone = judged(measurements(stacks, numbers, false), stacks);
  const other = new StackTable();
  const withoutContents = scoreSites(buildSiteSeries(measurements(other, numbers, false), other, {}).values(), {
    samplingInterval: 1,
  });
  assert.equal(alone[0].probability, withoutContents[0].probability);
  assert.ok(alone[0].probability >= 0.5, String(alone[0].probability));
  assert.doesNotMatch(alone[0].reasons.join('; '), /judged with its contents/);
  const leaking = judged(measurements(stacks, numbers), stacks);
  const table = leaking.find((s) => s.series.attribution.site?.functionName === 'op')!;
  assert.doesNotMatch(table.reasons.join('; '), /judged with its contents/);
});

test("a package's table is judged with what the user's code stores into it, made at the user's frame, not under the package", () => {
  // Measured (blind red-team 2026-12-06, `check` of an operation adding one key per run to
  // lru-cache's LRUCache({ max: 20000 })): lru-cache's table (`#D`, a few more objects after each
  // resize: 58 → 68) and the entries the operation made, their growth slowing as it fills.
  const lruSet = { functionName: '#D', file: '/app/node_modules/lru-cache/dist/index.min.js', line: 1, column: 9908 };
  const x = [0, 625, 1250, 1875, 2500, 3125, 3750, 4375, 5000, 10000, 15000, 20000, 25000];
  const tableKiB = [8, 29, 57, 57, 113, 113, 113, 113, 225, 225, 449, 449, 449];
  const tableCount = [58, 58, 58, 58, 58, 58, 58, 58, 60, 60, 64, 64, 68];
  const entries = [2581, 10586, 18252, 25735, 32906, 39924, 46553, 53035, 59325, 104331, 138399, 165154, 186576];
  const build = (tableFrames: (typeof op)[]) => {
    const stacks = new StackTable();
    const table = stacks.internOuterFirst(tableFrames);
    const entry = stacks.internOuterFirst([op]);
    const m: SiteMeasurement[] = x.map((run, i) => ({
      x: run,
      sites: new Map([
        [table, { count: tableCount[i], selfBytes: tableKiB[i] * 1024, externalBytes: 0 }],
        [entry, { count: entries[i], selfBytes: 33 * entries[i], externalBytes: 0 }],
      ]),
    }));
    return judged(m, stacks);
  };
  const site = (scored: ScoredSite[], name: string): ScoredSite => scored.find((s) => s.series.attribution.site?.functionName === name)!;
  const inPackage = build([op, lruSet]);
  assert.equal(site(inPackage, '#D').probability, site(inPackage, 'op').probability);
  assert.match(
    site(inPackage, '#D').reasons.join('; '),
    /its objects grew far less in number than in bytes \(58 → 68, resized from 8\.00 KiB to 449 KiB\).* objects made by the function of your code that fills it at op \(\/app\/cache\.js:5:29\)/,
  );
  // The same table made by the user's own code, at another function than the entries': the
  // user frames differ, and it is judged alone.
  const own = build([op, { functionName: 'grow', file: '/app/cache.js', line: 9, column: 3 }]);
  assert.doesNotMatch(site(own, 'grow').reasons.join('; '), /judged with its contents/);
});
