import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeGrowth, measureGrowth, overdueJump } from '../../src/analysis/growth/growth.js';
import { runClock, scoreSites, slowedWorkClock } from '../../src/analysis/leaks/score-sites.js';
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

test('sampled sites: a sparse leak whose later samples lag by chance is still a leak; churn that falls as it rises is not', () => {
  const K = 1024;
  // Seen attaching to a leaking server: about three samples a second, then none for two
  // seconds. At that rate a quiet spell that long is not unlikely: not "growth stopped".
  const samples = [3, 12, 13, 18, 19, 25, 25, 25];
  const sparse = site(
    samples.map((s) => s * 32 * K),
    samples.map((s) => s * 342),
  );
  const [leak] = scoreSites([sparse], { samplingInterval: 32 * K });
  assert.ok(leak && leak.probability >= 0.5, JSON.stringify(leak?.reasons));
  assert.match(leak.reasons.join('; '), /within sampling noise/);
  // The same shape in exact counts is real slowing, and judged less likely a leak.
  const exact = judgeGrowth(measureGrowth(xs(8), [300, 1200, 1300, 1800, 1900, 2500, 2500, 2500]), { minGrowth: 8 });
  assert.ok(exact.probability < leak.probability - 0.2, `${exact.probability} vs ${leak.probability}: ${exact.reasons.join('; ')}`);
  assert.match(exact.reasons.join('; '), /slowing/);
  // Seen on the bounded-cache server: a handful of samples coming and going.
  const churnSamples = [0, 0, 1, 2, 1, 2, 0.1, 4];
  const churn = site(
    churnSamples.map((s) => s * 32 * K),
    churnSamples.map((s) => s * 700),
  );
  const scored = scoreSites([churn], { samplingInterval: 32 * K });
  assert.ok(
    scored.every((s) => s.probability < 0.5),
    JSON.stringify(scored.map((s) => [s.probability, s.reasons])),
  );
});

test('growth: a cache over many keys, still filling when the capture ends, is not called a leak; a leak with noisy steps is', () => {
  // 20 measurements of a cache of 120,000 keys hit at random: it fills as 1 − e^(−x/τ) and
  // never quite stops within the capture. Its growth persists, but its rate falls every step.
  const x = xs(20);
  const filling = x.map((t) => Math.round(120_000 * (1 - Math.exp(-(t + 3000) / 15_000))));
  const cache = judgeGrowth(measureGrowth(x, filling), { minGrowth: 20 });
  assert.ok(cache.probability < 0.5, `cache: ${cache.probability} ${cache.reasons.join('; ')}`);
  assert.match(cache.reasons.join('; '), /rate fell step after step/);
  // A leak whose steps vary a lot (bursty traffic) but whose rate does not fall.
  let seed = 7;
  const noise = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2;
  const leak: number[] = [];
  for (let i = 0, y = 1000; i < 20; i++) leak.push((y += Math.round(500 * noise())));
  const judged = judgeGrowth(measureGrowth(x, leak), { minGrowth: 20 });
  assert.ok(judged.probability > 0.8, `leak: ${judged.probability} ${judged.reasons.join('; ')}`);
  assert.doesNotMatch(judged.reasons.join('; '), /rate fell/);
});

test('sampled sites: a cache whose samples come mostly before the middle of the capture is slowing, not a steady leak', () => {
  const K = 1024;
  // Measured: a memo cache over 3,000 keys hit at random 100 times a second, `run` for 2 min
  // (lookup's live bytes at each measurement, x in ms). 31.5 samples' worth of growth before
  // the middle, 8 after: judged 0.89 before the later half was compared with the earlier.
  const x = [10074, 23812, 37556, 51311, 65068, 78820, 92571, 103124, 113668, 120584];
  const bytes = [295104, 688576, 1098376, 1295144, 1327912, 1393512, 1459080, 1557480, 1557480, 1590240];
  // The live-object estimates the capture recorded beside the bytes (the count series won).
  const count = [5809, 12302, 17770, 22894, 23236, 24262, 25287, 28361, 28361, 29727];
  const cache: SiteSeries = { ...site(bytes, count), x };
  const [scored] = scoreSites([cache], { samplingInterval: 32 * K });
  assert.ok(!scored || scored.probability < 0.5, JSON.stringify([scored?.probability, scored?.reasons]));
  assert.match(scored!.reasons.join('; '), /rate fell/);
});

test('sampled sites, simulated: a steady leak is rarely taken as slowing or stopped; a cache filling as 1 − e^(−t/30 s) over 2 min, or full before the end, rarely reported', () => {
  const K = 32 * 1024;
  let seed = 99;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const poisson = (l: number): number => {
    let k = 0;
    let p = Math.exp(-l);
    let sum = p;
    const u = rnd();
    while (u > sum && k < 10_000) {
      p *= l / ++k;
      sum += p;
    }
    return k;
  };
  // Samples arrive as a Poisson process at (growth of the expected live bytes) ÷ interval.
  const sampled = (live: (t: number) => number): SiteSeries => {
    const x = Array.from({ length: 10 }, (_, i) => 10_000 + i * 12_000);
    let n = poisson(live(x[0]!) / K);
    const samples = [n];
    for (let i = 1; i < x.length; i++) samples.push((n += poisson((live(x[i]!) - live(x[i - 1]!)) / K)));
    return {
      ...site(
        samples.map((s) => s * K),
        samples.map((s) => s * 300),
      ),
      x,
    };
  };
  const trials = 300;
  let leaksFound = 0;
  let leaksSlowing = 0;
  let leaksStopped = 0;
  let cachesFound = 0;
  let fullCachesFound = 0;
  for (let i = 0; i < trials; i++) {
    const [leak] = scoreSites([sampled((t) => 5 * t)], { samplingInterval: K }); // 5 KB/s
    if (leak && leak.probability >= 0.5) leaksFound++;
    if (leak && /rate fell/.test(leak.reasons.join(';'))) leaksSlowing++;
    if (leak && /nothing was added at its last/.test(leak.reasons.join(';'))) leaksStopped++;
    const [cache] = scoreSites([sampled((t) => 1_440_000 * (1 - Math.exp(-t / 30_000)))], { samplingInterval: K });
    if (cache && cache.probability >= 0.5) cachesFound++;
    // A cache filled at a steady 10 KB/s until it holds its catalogue at 85 s, of a capture
    // judged from 10 s to 118 s: its later half still rises, only its end is flat (blind
    // red-team: a page cache over 5,000 items, full at ~130 s of 185 s, reported at p 0.85).
    const [full] = scoreSites([sampled((t) => 10 * Math.min(t, 85_000))], { samplingInterval: K });
    if (full && full.probability >= 0.5) fullCachesFound++;
  }
  assert.ok(leaksFound >= 0.93 * trials, `steady leaks found: ${leaksFound} of ${trials}`);
  assert.ok(leaksSlowing <= 0.05 * trials, `steady leaks taken as slowing: ${leaksSlowing} of ${trials}`);
  assert.ok(leaksStopped <= 0.03 * trials, `steady leaks taken as stopped: ${leaksStopped} of ${trials}`);
  assert.ok(cachesFound <= 0.05 * trials, `filling caches reported: ${cachesFound} of ${trials}`);
  assert.ok(fullCachesFound <= 0.1 * trials, `caches full before the end reported: ${fullCachesFound} of ${trials}`);
});

test('sampled sites: growth in a few jumps, then none, is not a leak (the bounded-cache server in CI, twice)', () => {
  const K = 1024;
  // Node's parser data at "(EXTERNAL)", judged 0.52 and 0.505 before: six samples' worth in
  // the first three steps then six flat ones (growth stopped, not sampling noise), and two
  // jumps over nine steps (two sampling events cannot show a trend).
  // And the client loop's site in CI (5dcd084's run): 4 samples in the first 3 of 9 steps,
  // then 6 flat — the middle cut fell inside the rise, p 0.53 before the flat end was judged.
  // And (EXTERNAL) again on 19fcb75: two jumps, six flat steps, a jump in the last step — the
  // later half "still growing" by that last jump alone; p 0.53 before the gap between bursts
  // was judged.
  for (const kib of [
    [0, 110, 153, 198, 198, 198, 198, 198, 198, 198],
    [0, 110, 110, 110, 110, 110, 156, 156, 156, 156],
    [107, 139, 203, 235, 235, 235, 235, 235, 235, 235],
    [0, 66.8, 110, 110, 110, 110, 110, 110, 110, 155],
  ]) {
    const scored = scoreSites(
      [
        site(
          kib.map((k) => k * K),
          kib.map((k) => k * 1.7),
        ),
      ],
      { samplingInterval: 32 * K },
    );
    assert.ok(
      scored.every((s) => s.probability < 0.5),
      `${kib.join(' ')}: ${JSON.stringify(scored.map((s) => [s.probability, s.reasons]))}`,
    );
  }
});

test('sampled sites: a leak whose program was starved of CPU in the later half is judged against the time it could run', () => {
  const K = 1024;
  // 14 measurements a second apart; from the 8th on, the program waits for a CPU 450 ms of
  // every second (another process's load), so it serves — and leaks — at 55 % of its rate.
  const waited: number[] = [];
  for (let i = 0, w = 0; i < 14; i++, w += i > 7 ? 450 : 0) waited.push(w);
  const clock = runClock(xs(14).map((x, i) => ({ x, sites: new Map(), waitMs: 500 + waited[i] })));
  assert.ok(clock, 'starved 450 ms a second for 6 of 13 s');
  assert.ok(Math.abs(clock.waitedShare - (6 * 450) / 13000) < 1e-9, String(clock.waitedShare));
  const runX = clock.x.map((x) => x + 500);
  // Waits under 5 % of the span: no second clock.
  assert.equal(runClock(xs(14).map((x, i) => ({ x, sites: new Map(), waitMs: i * 40 }))), null);
  // /proc did not tell for one measurement: none either.
  assert.equal(runClock(xs(14).map((x, i) => ({ x, sites: new Map(), waitMs: i === 3 ? undefined : waited[i] }))), null);
  // Steady per millisecond of running: 12 samples (of 32 KiB) per second of running.
  const samples = runX.map((t) => Math.round((t / 1000) * 12));
  const leak = site(
    samples.map((s) => s * 32 * K),
    samples.map((s) => s * 320),
  );
  const [wallOnly] = scoreSites([leak], { samplingInterval: 32 * K });
  assert.ok(wallOnly && wallOnly.probability < 0.5, `by wall time alone: ${wallOnly?.probability} ${wallOnly?.reasons.join('; ')}`);
  assert.match(wallOnly.reasons.join('; '), /a leak whose load fell/);
  const [withRun] = scoreSites([leak], { samplingInterval: 32 * K, runClock: clock });
  assert.ok(withRun.probability > 0.8, `${withRun.probability} ${withRun.reasons.join('; ')}`);
  assert.match(withRun.reasons.join('; '), /judged against the time the program could run: it waited for a CPU 2\d % of the judged time/);
  // The rate reported stays per wall-clock time.
  assert.equal(withRun.bytes.slope, wallOnly.bytes.slope);

  // A cache still filling (its new keys ever rarer) slows in both clocks: its filling follows
  // the work done, so starved, it fills more slowly still per second of wall time.
  const filled = (ms: number): number => Math.round(60 * (1 - Math.exp(-ms / 6000)));
  const cacheOf = (clock: number[]) =>
    site(
      clock.map((t) => filled(t) * 32 * K),
      clock.map((t) => filled(t) * 320),
    );
  const [cacheIdle] = scoreSites([cacheOf(xs(14))], { samplingInterval: 32 * K });
  const [cacheStarved] = scoreSites([cacheOf(runX)], { samplingInterval: 32 * K, runClock: clock });
  for (const c of [cacheIdle, cacheStarved]) assert.ok(!c || c.probability < 0.5, `${c?.probability} ${c?.reasons.join('; ')}`);
});

test('sampled sites: a leak in a program that gets less done per CPU-second is judged against its own allocation; a cache is not excused by it', () => {
  const K = 1024;
  // 14 measurements a second apart, one core busy throughout (1,000 ms of CPU a second), and
  // the program's allocation per second falling as 1 / (1 + t / 3 s): at the end it does a
  // fifth of the work per CPU-second it did at first (GC over a growing heap, say).
  const work = (ms: number): number => 3000 * Math.log(1 + ms / 3000); // ∫ 1 / (1 + t / 3000)
  const x = xs(14);
  const m = x.map((t) => ({ x: t, sites: new Map(), samplesTaken: Math.round(work(t - x[0]) * 2), cpuMs: 40_000 + (t - x[0]) }));
  const clock = slowedWorkClock(m);
  assert.ok(clock, 'slowed per CPU-second');
  assert.ok(clock.perCpuThirdsRatio < 0.6, String(clock.perCpuThirdsRatio));
  assert.equal(clock.x[0], x[0]);
  assert.equal(clock.x[13], x[13]);
  // Steady per CPU-second: no second clock (a load that fell shows in both allocation and CPU).
  assert.equal(slowedWorkClock(m.map((p, i) => ({ ...p, cpuMs: 40_000 + p.samplesTaken / 2 + i }))), null);
  // An idle program (a tenth of a core), its CPU in ticks of 10 ms: none.
  assert.equal(slowedWorkClock(m.map((p, i) => ({ ...p, cpuMs: 40_000 + Math.floor((i * 100) / 10) * 10 }))), null);
  // No CPU reading for one measurement (a target on another machine): none either.
  assert.equal(slowedWorkClock(m.map((p, i) => (i === 5 ? { ...p, cpuMs: undefined } : p))), null);
  // The newest live sample's ordinal went back once (that sample died): the most seen so far.
  const back = slowedWorkClock(m.map((p, i) => (i === 6 ? { ...p, samplesTaken: m[5].samplesTaken - 10 } : p)));
  assert.ok(back && back.x[6] === back.x[5], JSON.stringify(back?.x));

  // A leak that keeps 30 % of what the program allocates: in wall time it slows like a filling cache.
  const leakSamples = m.map((p) => Math.round(p.samplesTaken * 0.3));
  const leak = site(
    leakSamples.map((s) => s * 32 * K),
    leakSamples.map((s) => s * 320),
  );
  const [wallOnly] = scoreSites([leak], { samplingInterval: 32 * K });
  assert.ok(!wallOnly || wallOnly.probability < 0.5, `by wall time alone: ${wallOnly?.probability} ${wallOnly?.reasons.join('; ')}`);
  const [withWork] = scoreSites([leak], { samplingInterval: 32 * K, workClock: clock });
  assert.ok(withWork.probability > 0.8, `${withWork.probability} ${withWork.reasons.join('; ')}`);
  assert.match(withWork.reasons.join('; '), /judged against the program's own allocation \(its work\)/);

  // A cache filling in the same program fills ever more slowly per unit of work too.
  const filled = (units: number): number => Math.round(60 * (1 - Math.exp(-units / 4000)));
  const cache = site(
    m.map((p) => filled(p.samplesTaken) * 32 * K),
    m.map((p) => filled(p.samplesTaken) * 320),
  );
  const [cacheWithWork] = scoreSites([cache], { samplingInterval: 32 * K, workClock: clock });
  assert.ok(!cacheWithWork || cacheWithWork.probability < 0.5, `${cacheWithWork?.probability} ${cacheWithWork?.reasons.join('; ')}`);
});

test('sampled sites: samples that come early are said (Laplace test), without changing the verdict; a steady series is not', () => {
  const K = 32 * 1024;
  const judged = (samples: number[]): { probability: number; reasons: string[] } => {
    const [s] = scoreSites(
      [
        site(
          samples.map((n) => n * K),
          samples.map((n) => n * 300),
        ),
      ],
      { samplingInterval: K },
    );
    return s!;
  };
  // A cache filling as 1 − e^(−t/40 s), judged from 10 to 60 s (simulated): reported, but with the doubt said.
  const cache = judged([18, 29, 33, 41, 47, 48, 56, 59, 65, 69, 72]);
  assert.ok(cache.probability > 0.9, String(cache.probability));
  assert.ok(
    cache.reasons.some((r) => /samples came earlier than a steady rate would place them \(Laplace test p = 0\.0\d\)/.test(r)),
    cache.reasons.join('\n'),
  );
  const steady = judged([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
  assert.ok(steady.probability > 0.9, String(steady.probability));
  assert.ok(!steady.reasons.some((r) => /Laplace/.test(r)), steady.reasons.join('\n'));
});

test('exact counts: a memo over many keys whose batches check lengthened is slowing, judged by x not by index (CI, many-keys-memo)', () => {
  // The series of the CI failure: 9 measurements a batch apart, then 4 eight batches apart.
  const B = 420;
  const x = [0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 24, 32, 40].map((k) => k * B);
  const memo = measureGrowth(x, [142, 389, 638, 860, 1130, 1352, 1564, 1766, 1979, 3531, 4825, 5859, 6703]);
  assert.ok(memo.thirdsRatio < 0.6, String(memo.thirdsRatio));
  const judged = judgeGrowth(memo, { minGrowth: 12, byThirds: true });
  assert.ok(judged.probability < 0.5, judged.reasons.join('\n'));
  assert.ok(judged.reasons.some((r) => /rate fell step after step/.test(r)));
  // A steady leak measured the same way is still one.
  const leak = judgeGrowth(
    measureGrowth(
      x,
      x.map((v) => 100 + v / 2),
    ),
    { minGrowth: 12, byThirds: true },
  );
  assert.ok(leak.probability > 0.95, leak.reasons.join('\n'));
});

test('overdueJump: a table that stopped doubling is growth that stopped; one that doubles as a leak fills it is not', () => {
  // Measured (blind red-team): a Set over 20,000 random ids under check, its table in bytes.
  const x = [0, 625, 1250, 1875, 2500, 3125, 3750, 4375, 5000, 10000, 15000, 20000, 25000, 65000, 105000, 145000, 185000];
  const stopped = [
    5360, 20720, 41200, 41200, 82160, 82160, 82160, 82160, 164080, 164080, 327920, 327920, 327920, 655600, 655600, 655600, 655600,
  ];
  const e = measureGrowth(x, stopped);
  assert.deepEqual(overdueJump(e), { gap: 55000, tail: 120000 });
  const judged = judgeGrowth(e, { minGrowth: 256, byThirds: true });
  assert.ok(judged.probability < 0.5, String(judged.probability));
  assert.match(judged.reasons.join('; '), /none came in the last 120,000 runs/);
  // Only check's exact series are judged so (byThirds).
  assert.ok(judgeGrowth(e, { minGrowth: 256 }).probability > judged.probability);
  // A leak's table: one entry per run, doubling at each power of two — never overdue.
  const leak = x.map((run) => 20 * 2 ** Math.ceil(Math.log2(run + 2000)));
  assert.equal(overdueJump(measureGrowth(x, leak)), null);
  // Too short a tail to say (the same table 25,000 runs in).
  assert.equal(overdueJump(measureGrowth(x.slice(0, 13), stopped.slice(0, 13))), null);
});

test('sampled sites: objects made with no JavaScript on the stack need 8 samples of growth beyond the JIT’s, not 4 (blind red-team: "(EXTERNAL)" in a clean lru-cache program)', async () => {
  const { runtimeAttribution } = await import('../../src/analysis/attribution.js');
  const K = 1024;
  const external = (samples: number[]): SiteSeries => ({
    ...site(
      samples.map((s) => s * 32 * K),
      samples.map((s) => s * 43),
    ),
    x: samples.map((_, i) => 10_000 + i * 21_000),
    attribution: runtimeAttribution([{ functionName: '(EXTERNAL)', file: '', line: 0, column: 0 }])!,
  });
  // The red-team's series: 0 → 155 KiB in one step, then +1 and +1 sample, kept (p 0.58 before).
  const burst = external([0, 4.85, 4.85, 4.85, 5.9, 5.9, 5.9, 7.3, 7.3]);
  assert.deepEqual(
    scoreSites([burst], { samplingInterval: 32 * K }).map((s) => s.probability),
    [],
  );
  // The same numbers at a JavaScript site are judged as before.
  const [js] = scoreSites([{ ...burst, attribution: site([0], [0]).attribution }], { samplingInterval: 32 * K });
  assert.ok(js && js.probability > 0.5, JSON.stringify(js?.reasons));
  // A native leak that keeps what Node receives earns its samples steadily: still a leak.
  const [kept] = scoreSites([external([0, 2, 4, 5, 7, 9, 10, 12, 14])], { samplingInterval: 32 * K });
  assert.ok(kept && kept.probability > 0.8, JSON.stringify(kept?.reasons));
});

test('a sampler made finer since the capture began judges on more samples, not smaller growth (floorInterval)', () => {
  const K = 1024;
  // An HTTP client's requests in flight at 8 KiB (blind red-team): a sample a step, then flat.
  const kib = [0, 8, 16, 24, 32, 48.6, 56.6, 48.6, 48.6].map((v) => v * K);
  const inFlight = site(
    kib,
    kib.map((b) => Math.round(b / 40)),
  );
  // At a fixed 8 KiB the user chose, 48.6 KiB is 6 samples' worth: judged.
  const [fixed] = scoreSites([inFlight], { samplingInterval: 8 * K });
  assert.ok(fixed && fixed.probability > 0.5, JSON.stringify(fixed?.reasons));
  // Begun at 32 KiB and made finer: under 4 samples at 32 KiB, not judged.
  assert.deepEqual(scoreSites([inFlight], { samplingInterval: 8 * K, floorInterval: 32 * K }), []);
  // A steady leak past that floor still is: three samples a step, 192 KiB in all.
  const steady = kib.map((_, i) => i * 24 * K);
  const leak = site(
    steady,
    steady.map((b) => Math.round(b / 40)),
  );
  assert.ok(scoreSites([leak], { samplingInterval: 8 * K, floorInterval: 32 * K })[0]?.probability > 0.5);
});

test('sampled sites: many samples that came early by a wide margin are a rate that fell, even where the later half passes as noise', () => {
  const K = 1024;
  // Measured (blind red-team): a catalogue cache over 2,000 keys at 50 requests/s, 90 s at
  // 16 KiB, loadProduct's live bytes; reported at p 0.98 with Laplace p 0.0024 as evidence only.
  const x = [10117, 20080, 30079, 40080, 50076, 60083, 70084, 80084, 90112];
  const bytes = [0, 176440, 385528, 467520, 533144, 631656, 713664, 746568, 779376];
  const count = [0, 4900, 9344, 13102, 15191, 17906, 21304, 21628, 23336];
  // The program's own allocation at each measurement (samples taken), steady: the load held.
  const taken = [0, 700, 1388, 2071, 2686, 3351, 4063, 4842, 5535];
  const options = { samplingInterval: 16 * K, floorInterval: 32 * K, allocationClock: taken };
  const [cache] = scoreSites([{ ...site(bytes, count), x }], options);
  assert.ok(cache && cache.probability < 0.5, JSON.stringify([cache?.probability, cache?.reasons]));
  assert.match(cache.reasons.join('; '), /its rate fell — its samples came early: of \d+ samples' worth/);
  assert.match(cache.reasons.join('; '), /while the program as a whole allocated at 1\d\d% of its own/);
  // A program whose whole allocation slowed as much (one slowed by its own leak's GC work):
  // the site kept its share of the work, still a leak. Not known: not read from arrival times.
  const slowed = taken.map((_, i) => Math.round(5535 * (1 - Math.pow(1 - i / 8, 2))));
  for (const allocationClock of [slowed, null]) {
    const [kept] = scoreSites([{ ...site(bytes, count), x }], { ...options, allocationClock });
    assert.ok(kept && kept.probability > 0.5, JSON.stringify([kept?.probability, kept?.reasons]));
  }
  // The same growth at a steady rate stays a leak.
  const steadyBytes = x.map((_, i) => Math.round((779376 * i) / 8));
  const steadyCount = x.map((_, i) => Math.round((23336 * i) / 8));
  const [leak] = scoreSites([{ ...site(steadyBytes, steadyCount), x }], options);
  assert.ok(leak && leak.probability > 0.9, JSON.stringify([leak?.probability, leak?.reasons]));
  assert.doesNotMatch(leak.reasons.join('; '), /came early/);
});
