import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeGrowth, measureGrowth } from '../../src/analysis/growth/growth.js';
import { scoreSites } from '../../src/analysis/leaks/score-sites.js';
import type { SiteSeries } from '../../src/analysis/leaks/site-series.js';

const xs = (n: number): number[] => Array.from({ length: n }, (_, i) => i * 1000);

test('growth: steady growth is a leak, growth that stops (a cache filling) is not', () => {
  const steady = judgeGrowth(measureGrowth(xs(9), [100, 200, 310, 390, 500, 610, 700, 800, 905]), { minGrowth: 8 });
  assert.ok(steady.probability > 0.9, `steady: ${steady.probability} ${steady.reasons.join('; ')}`);
  const cache = judgeGrowth(measureGrowth(xs(9), [100, 300, 500, 600, 600, 600, 601, 600, 600]), { minGrowth: 8 });
  assert.ok(cache.probability < 0.2, `cache: ${cache.probability} ${cache.reasons.join('; ')}`);
  assert.match(cache.reasons.join('; '), /growth stopped/);
  const tooFew = judgeGrowth(measureGrowth(xs(3), [1, 2, 3]), { minGrowth: 0 });
  assert.equal(tooFew.probability, 0);
});

function site(bytes: number[], count: number[]): SiteSeries {
  return {
    key: 'k',
    attribution: {
      site: { functionName: 'loop', file: '/app/server.js', line: 39, column: 16 },
      userFrame: null,
      package: null,
      evidence: '',
    },
    x: xs(bytes.length),
    count,
    selfBytes: bytes,
    externalBytes: bytes.map(() => 0),
    stacks: new Map(),
  };
}

test('sampled sites: a step or two of one sample each is churn, ten samples of steady growth is a leak', () => {
  const K = 1024;
  // What CI once reported from the bounded-cache server: two samples (of 32 KiB) of
  // in-flight request objects appearing over 9 measurements, a perfect monotone run.
  const churn = site([0, 0, 0, 0, 0, 33.1 * K, 33.1 * K, 66.1 * K, 65.1 * K], [0, 0, 0, 0, 0, 330, 330, 660, 650]);
  assert.deepEqual(scoreSites([churn], { samplingInterval: 32 * K }), []);
  // The same numbers measured with exact counts are real growth worth judging.
  assert.equal(scoreSites([churn], { samplingInterval: 1 }).length, 1);
  const leak = site(
    [0, 1, 2, 3, 4, 5, 6, 8, 9, 10].map((s) => s * 32 * K),
    [0, 1, 2, 3, 4, 5, 6, 8, 9, 10].map((s) => s * 320),
  );
  const [scored] = scoreSites([leak], { samplingInterval: 32 * K });
  assert.ok(scored && scored.probability > 0.8, JSON.stringify(scored?.reasons));
});
