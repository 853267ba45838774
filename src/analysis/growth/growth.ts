import { binomialCdf, linearFit, mannKendall, normalCdf, poissonCdf } from './statistics.js';

/**
 * Is this series growing, and does it keep growing? The leak finder's judgement for one
 * allocation site, handle stack or native stack — generic over what is measured and over x
 * (iterations of an operation, or milliseconds of wall time).
 *
 * A leak is growth that goes on: many steps up, a significant monotonic trend, and a rate
 * in the later part of the run close to the rate over the whole run. A cache, a pool or a
 * lazily built table grows and then stops: its late rate falls towards zero, and however
 * strong its early trend, it is not called a leak. Each ingredient is kept as evidence.
 */
export interface GrowthEvidence {
  /** Measurements used (after warm-up). */
  points: number;
  /** Steps between consecutive measurements, and how many went up. */
  steps: number;
  stepsUp: number;
  /** Sum of the rises between consecutive measurements, and of the falls (as a positive number). */
  rise: number;
  fall: number;
  /** Mann–Kendall one-sided p-value of "no upward trend". */
  trendP: number;
  /** Growth per unit of x over the whole run (least squares) and the fit's R². */
  slope: number;
  r2: number;
  /** Growth per unit of x over the later half of the run. */
  lateSlope: number;
  /** Growth per unit of x over the earlier half (sharing its last point with the later half). */
  earlySlope: number;
  /**
   * Growth per unit of x over the last third of the x range against the first third (each cut
   * at the nearest measurement); 1 with fewer than 4 points. Halves by index mislead where
   * measurements are unevenly spaced: `check` lengthens its batches 8-fold when growth slows.
   */
  thirdsRatio: number;
  /**
   * One-sided Mann–Kendall p-value of "the growth rate does not fall", over the per-step rates
   * (rise ÷ x elapsed): small when each step grows more slowly than the ones before it, as a
   * cache filling up does; 1 with fewer than 4 steps.
   */
  rateFallP: number;
  /**
   * The series cut at the measurement nearest the middle of its x range: growth before and
   * after the cut, and the share of the x range after it.
   */
  halves: { before: number; after: number; afterShare: number };
  /**
   * The stretch after the last step that rose, to the end: its share of the x range, how
   * much y had grown before it (first to the last rise), its number of steps and its extent in x.
   */
  flatTail: { share: number; grownBefore: number; steps: number; length: number };
  /**
   * The longest stretch between two steps that rose with no rise in it, as a share of the x
   * range (from the measurement the first rise reached to the one before the next rise).
   */
  interiorGap: number;
  /** The series itself (x, y), for the tests that need its steps. */
  x: readonly number[];
  y: readonly number[];
  /** lateSlope / slope, clamped to [0, 1.5]: ~1 for steady growth, ~0 once growth stopped. */
  persistence: number;
  /** The later half: its extent in x and how much y grew over it. */
  lateSpan: number;
  lateGrowth: number;
  /** Last value minus first. */
  totalGrowth: number;
  first: number;
  last: number;
}

export function measureGrowth(x: readonly number[], y: readonly number[]): GrowthEvidence {
  const n = y.length;
  let stepsUp = 0;
  let rise = 0;
  let fall = 0;
  for (let i = 1; i < n; i++) {
    const d = y[i] - y[i - 1];
    if (d > 0) {
      stepsUp++;
      rise += d;
    } else fall -= d;
  }
  const fit = linearFit(x, y);
  const half = Math.floor(n / 2);
  // The later half, sharing its first point with the earlier one, needs at least 3 points.
  const lateFrom = Math.min(half, Math.max(0, n - 3));
  const late = linearFit(x.slice(lateFrom), y.slice(lateFrom));
  const persistence = fit.slope > 0 ? Math.max(0, Math.min(1.5, late.slope / fit.slope)) : 0;
  const early = linearFit(x.slice(0, Math.max(2, half + 1)), y.slice(0, Math.max(2, half + 1)));
  let cut = 1;
  const middle = n > 0 ? (x[0] + x[n - 1]) / 2 : 0;
  for (let i = 1; i < n - 1; i++) if (Math.abs(x[i] - middle) < Math.abs(x[cut] - middle)) cut = i;
  const span = n > 1 ? x[n - 1] - x[0] : 0;
  const halves =
    n >= 3 && span > 0
      ? { before: y[cut] - y[0], after: y[n - 1] - y[cut], afterShare: (x[n - 1] - x[cut]) / span }
      : { before: 0, after: 0, afterShare: 0.5 };
  const nearest = (target: number): number => {
    let best = 0;
    for (let i = 1; i < n; i++) if (Math.abs(x[i] - target) < Math.abs(x[best] - target)) best = i;
    return best;
  };
  let thirdsRatio = 1;
  if (n >= 4 && span > 0) {
    const a = nearest(x[0] + span / 3);
    const b = nearest(x[0] + (2 * span) / 3);
    const firstRate = a > 0 ? (y[a] - y[0]) / (x[a] - x[0]) : 0;
    const lastRate = b < n - 1 ? (y[n - 1] - y[b]) / (x[n - 1] - x[b]) : 0;
    if (a > 0 && b < n - 1 && a <= b && firstRate > 0) thirdsRatio = lastRate / firstRate;
  }
  let lastRise = 0;
  for (let i = 1; i < n; i++) if (y[i] > y[i - 1]) lastRise = i;
  const flatTail =
    n >= 2 && span > 0
      ? { share: (x[n - 1] - x[lastRise]) / span, grownBefore: y[lastRise] - y[0], steps: n - 1 - lastRise, length: x[n - 1] - x[lastRise] }
      : { share: 0, grownBefore: 0, steps: 0, length: 0 };
  let interiorGap = 0;
  let riseAt = -1;
  for (let i = 1; i < n; i++) {
    if (y[i] <= y[i - 1]) continue;
    if (riseAt >= 0 && span > 0) interiorGap = Math.max(interiorGap, (x[i - 1] - x[riseAt]) / span);
    riseAt = i;
  }
  const negatedRates: number[] = [];
  for (let i = 1; i < n; i++) if (x[i] > x[i - 1]) negatedRates.push(-(y[i] - y[i - 1]) / (x[i] - x[i - 1]));
  return {
    points: n,
    steps: Math.max(0, n - 1),
    stepsUp,
    rise,
    fall,
    trendP: mannKendall(y).p,
    slope: fit.slope,
    r2: fit.r2,
    lateSlope: late.slope,
    earlySlope: early.slope,
    thirdsRatio,
    rateFallP: mannKendall(negatedRates).p,
    halves,
    flatTail,
    interiorGap,
    x,
    y,
    persistence,
    lateSpan: n > 0 ? x[n - 1] - x[lateFrom] : 0,
    lateGrowth: n > 0 ? y[n - 1] - y[lateFrom] : 0,
    totalGrowth: n > 0 ? y[n - 1] - y[0] : 0,
    first: y[0] ?? 0,
    last: y[n - 1] ?? 0,
  };
}

export interface LeakJudgement {
  /** 0..1. */
  probability: number;
  /** Why, in words. */
  reasons: string[];
}

/**
 * Turns growth evidence into a probability. Multiplicative, so any one missing ingredient
 * pulls it down: no significant trend, growth that stopped (a cache), or too few steps up.
 *   trend        1 − p of Mann–Kendall
 *   persistence  late rate ≥ 80 % of the overall rate → 1, ≤ 20 % → 0, linear between
 *   steadiness   0.5 + 0.5 × (steps up / steps)
 *   linearity    0.5 + 0.5 × R²
 *   monotony     0.4 + 0.6 × (rises − falls) / (rises + falls): what a leak holds stays held,
 *                so its series hardly ever falls; a churning set (in-flight requests, a
 *                cache's entries replaced) falls about as much as it rises
 *   deceleration 0.5 when the per-step growth rate falls steadily (Mann–Kendall p < 0.05) to
 *                under 60 % of its earlier rate (halves; for exact counts also thirds, by x),
 *                else 1: a cache still filling up
 * `minGrowth` is the least total growth that can matter (e.g. one object per step);
 * below it the probability is 0 whatever the shape.
 *
 * `quantum`, for sampled series, is what one sample adds to y (the sampling interval, in
 * bytes). Samples of a steady leak arrive as a Poisson process, so a later half with few or
 * no new samples is not evidence that growth stopped when few were expected: growth is
 * called stopped only when so little late growth is unlikely (< 10 %) at the overall rate.
 */
export function judgeGrowth(
  e: GrowthEvidence,
  /** `byThirds`: exact counts measured in batches of uneven size (`check`): see below. */
  options: {
    minGrowth: number;
    quantum?: number;
    byThirds?: boolean;
    /**
     * Sampled series: the least flat end, in x's units, taken as growth that stopped (see
     * FLAT_END_SHORTEST_MS). Without it a flat end only withholds the "within noise" excuse.
     */
    flatEndMinX?: number;
    /**
     * Sampled series in run/attach: the program's allocation rate over the last third of the
     * time against the first (its allocation clock's thirdsRatio). Unknown: a rate that fell
     * is never read from the samples' arrival times alone (earlySlowdown).
     */
    workThirdsRatio?: number;
    /**
     * Sampled series of a site followed sample by sample and found to turn over (a backlog):
     * its net growth is new samples less freed ones, so a step without growth is the drain
     * catching up, not a gap in what it makes — the gap test (interiorGapP) does not apply.
     */
    turnsOver?: boolean;
  },
): LeakJudgement {
  const reasons: string[] = [];
  if (e.points < 4) return { probability: 0, reasons: ['fewer than 4 measurements: no judgement possible'] };
  if (e.totalGrowth < options.minGrowth || e.slope <= 0) {
    return { probability: 0, reasons: [`no net growth above the noise floor (${round(e.totalGrowth)} < ${round(options.minGrowth)})`] };
  }
  // Sampled: growth that came in one or two steps is one or two sampling events — a few large
  // objects appearing (seen in CI, twice, on the bounded-cache server: Node's parser data at
  // "(EXTERNAL)", 0 → 110 KiB in one step and +46 KiB in another over 9, judged p 0.505) —
  // too few to show a trend, whatever their bytes. A leak earns samples in most steps.
  if (options.quantum && options.quantum > 0 && e.stepsUp < MIN_SAMPLED_STEPS_UP) {
    return {
      probability: 0,
      reasons: [
        `grew in only ${e.stepsUp} of ${e.steps} steps: too few sampling events to show a trend (at least ${MIN_SAMPLED_STEPS_UP} needed)`,
      ],
    };
  }
  const trend = 1 - e.trendP;
  let persistence = Math.max(0, Math.min(1, (e.persistence - 0.2) / 0.6));
  // Samples of a steady leak arrive as a Poisson process, so given N samples' worth of growth,
  // the share that falls after the middle of the capture is Binomial(N, share of the time):
  // far fewer is a rate that fell — a cache over many keys filling ever more slowly (3,000
  // keys, 2 min: 31 samples before the middle, 8 after), which neither the per-step rates
  // (too noisy) nor the overall rate (pulled down by the later half itself) showed.
  const halvesP = samplesSplitP(e.halves, options.quantum);
  const halvesFell = halvesP !== null && halvesP < HALVES_P;
  // And a later half that added nothing at all after a few samples' worth of growth: seen in
  // CI on the bounded-cache server, 6 samples of Node's parser data in the first 3 steps, then
  // 6 flat steps — excused as noise against the overall rate (which the flat half itself
  // pulls down), p 0.52. All of N steady samples fall before the middle with probability
  // (1 − share)^N: under 5 %, the growth stopped.
  // The same, from the end: no growth at all over the last third or more of the time, after N
  // samples' worth. A steady rate leaves the end that long without a sample with probability
  // (1 − share)^N. Seen in CI on the bounded-cache server: the client loop's 4 samples in the
  // first 3 of 9 steps, then 6 flat, (1/3)^4 = 0.012 — but the middle cut fell inside the
  // rise ((1/2)^4 = 0.06), the flat half passed as noise, p 0.53, a leak.
  const endP = options.flatEndMinX === undefined ? 1 : flatEndP(e.flatTail, options.quantum, FLAT_END_MIN_SHARE, 2, options.flatEndMinX);
  const stoppedAtEnd = endP < FLAT_END_P;
  const stalled =
    stoppedAtEnd || stalledAfterMiddle(e.halves, options.quantum) || flatEndP(e.flatTail, options.quantum, 1 / 3, 1, 0) < FLAT_END_P;
  // Samples that came early by a wide margin, on enough of them to trust it: a rate that fell
  // (see earlySlowdown). Then a later half short of samples is that fall, not noise.
  const early = samplesComeEarly(e, options.quantum);
  const slowedDown = early !== null && earlySlowdown(early, e.thirdsRatio, options.workThirdsRatio);
  let withinNoise: { expected: number; seen: number } | null = null;
  if (options.quantum && options.quantum > 0 && e.persistence < 0.8 && !halvesFell && !stalled && !slowedDown) {
    const expected = (e.slope * e.lateSpan) / options.quantum;
    const seen = Math.max(0, e.lateGrowth / options.quantum);
    if (poissonCdf(Math.round(seen), expected) >= 0.1) {
      withinNoise = { expected, seen };
      persistence = 1;
    }
  }
  const steadiness = 0.5 + 0.5 * (e.steps > 0 ? e.stepsUp / e.steps : 0);
  const linearity = 0.5 + 0.5 * e.r2;
  const monotony = e.rise + e.fall > 0 ? 0.4 + (0.6 * (e.rise - e.fall)) / (e.rise + e.fall) : 1;
  // A cache over many keys fills ever more slowly (each new key is likelier to be one it has
  // seen) and may still be filling when the capture ends: its growth has not stopped, but its
  // rate falls step after step. A leak's rate stays put. A steady fall to under 60 % halves the
  // probability: that shape is a cache's as often as a leak's (or a leak whose load fell).
  // check's exact counts are steady enough to compare the first and last thirds by x, which
  // stays right where check lengthened its batches (a memo over 20,000 keys in CI: 240 new
  // entries per batch at first, 105 at the end; by index halves 64 %, by thirds 55 %).
  // Nowhere else: a third of a minute's samples is too few, and an RSS series (unexplained
  // growth) often slows by thirds while it grows — a worker's leak was missed with it.
  const halvesRatio = e.earlySlope > 0 ? e.lateSlope / e.earlySlope : 1;
  const slowing = options.byThirds ? Math.min(halvesRatio, e.thirdsRatio) : halvesRatio;
  const decelerating = slowedDown || (withinNoise === null && slowing < 0.6 && (e.rateFallP < 0.05 || halvesFell));
  // Otherwise evidence only: where the samples came earlier than a steady rate would place
  // them, a cache still filling is as likely a reading. Not a factor below earlySlowdown's
  // bar: with the ~50 samples of a minute's capture at 32 KiB the test cannot tell a cache
  // filling over a minute from a leak whose load varies (simulated: at p < 0.005 it quieted
  // 15 of 263 reported caches), and a looser threshold would halve steady leaks.
  const earlyP = decelerating ? null : (early?.p ?? null);
  const deceleration = decelerating ? 0.5 : 1;
  // Sampled growth that came in bursts with a long stretch of none between them: seen in CI on
  // the bounded-cache server, Node's parser data at "(EXTERNAL)" 0 → 67 → 110 KiB, six flat
  // steps, then +45 KiB in the last (5 samples' worth, none in 2/3 of the time between two
  // rises): p 0.53, a leak. A steady rate of N samples leaves some gap of that share with
  // probability about (N + 1)(1 − share)^N; under GAP_P the probability is halved (a real slow
  // leak is so unlucky about 1 time in 20, and is then reported less surely, not dropped).
  const gapP = options.turnsOver ? null : interiorGapP(e, options.quantum);
  const gapped = gapP !== null && gapP < GAP_P;
  // check's exact series, grown in jumps (a table doubling as it fills, a pool topping up):
  // the next jump is overdue (overdueJump) — the growth stopped.
  const overdue = options.byThirds ? overdueJump(e) : null;
  // Growth that stopped before the end: a flat end after many samples' worth of growth, which
  // the later half's rate misses when the middle cut falls inside the rise (blind red-team: a
  // page cache over a 5,000-item catalogue, full at ~130 s of a 185 s capture, 36 samples in
  // the first 75 % of the time and none in the last 25 % over two measurements, P 3e-5; its
  // later half still "grew at 91 % of the overall rate": p 0.85, a leak). The principle: growth
  // is a leak only when it keeps going. A steady leak is so unlucky 1 time in 50.
  const probability =
    trend *
    persistence *
    steadiness *
    linearity *
    monotony *
    deceleration *
    (gapped ? 0.5 : 1) *
    (overdue ? 0.5 : 1) *
    (stoppedAtEnd ? 0.5 : 1);
  reasons.push(`grew in ${e.stepsUp} of ${e.steps} steps`);
  if (e.fall > 0.05 * e.rise) reasons.push(`fell by ${pct(e.fall / e.rise)} of what it rose (a leak's live set rarely shrinks)`);
  reasons.push(`Mann–Kendall trend p = ${formatP(e.trendP)}`);
  reasons.push(`linear fit R² = ${e.r2.toFixed(2)}`);
  if (withinNoise)
    reasons.push(
      `the later half added ${withinNoise.seen.toFixed(1)} samples' worth where the overall rate predicts ${withinNoise.expected.toFixed(1)}: within sampling noise, so not taken as growth stopping`,
    );
  else if (e.persistence >= 0.8) reasons.push(`the later half grew at ${pct(e.persistence)} of the overall rate (still growing)`);
  else if (e.persistence <= 0.2)
    reasons.push(`the later half grew at only ${pct(e.persistence)} of the overall rate: growth stopped, as a filling cache or pool does`);
  else reasons.push(`the later half grew at ${pct(e.persistence)} of the overall rate: growth is slowing`);
  if (earlyP !== null && earlyP < 0.05)
    reasons.push(
      `but its samples came earlier than a steady rate would place them (Laplace test p = ${formatP(earlyP)}): a cache still filling up would look like this — a longer capture tells them apart`,
    );
  if (slowedDown)
    reasons.push(
      `its rate fell — its samples came early: of ${early!.n} samples' worth of growth, the mean arrival is ${pct(early!.meanShare)} of the way through the time where a steady rate puts it at 50% (Laplace test p = ${formatP(early!.p)}), and the last third of the time grew at ${pct(e.thirdsRatio)} of the first third's rate while the program as a whole allocated at ${pct(options.workThirdsRatio!)} of its own: the shape of a cache still filling up under a steady load (or of a leak whose share of the work fell by half) — a longer capture tells them apart`,
    );
  else if (decelerating)
    reasons.push(
      e.rateFallP < 0.05
        ? `its rate fell step after step (Mann–Kendall on the step rates p = ${formatP(e.rateFallP)}), to ${pct(slowing)} of its earlier rate: the shape of a cache still filling up, or of a leak whose load fell — a longer capture tells them apart`
        : `its rate fell: ${Math.round(e.halves.after / options.quantum!)} of ${Math.round((e.halves.before + e.halves.after) / options.quantum!)} samples' worth of growth came in the later ${pct(e.halves.afterShare)} of the time (binomial p = ${formatP(halvesP!)} for a steady rate), the later half's rate ${pct(slowing)} of the earlier half's: the shape of a cache still filling up, or of a leak whose load fell — a longer capture tells them apart`,
    );
  if (gapped)
    reasons.push(
      `but it grew in bursts: nothing in ${pct(e.interiorGap)} of the time between two of them, which a steady rate of ${Math.round(e.totalGrowth / options.quantum!)} samples' worth leaves with probability ${formatP(gapP!)} — more like a cache's turnover or occasional large objects than a steady leak; a longer capture tells them apart`,
    );
  if (stoppedAtEnd)
    reasons.push(
      `but nothing was added at its last ${e.flatTail.steps} measurements (the last ${pct(e.flatTail.share)} of the time judged), after ${Math.round(e.flatTail.grownBefore / options.quantum!)} samples' worth of growth: a steady rate leaves so long an end without a sample with probability ${formatP(endP)} — growth that stopped, as a cache or pool that reached its size does (or a load that stopped); a longer capture tells them apart`,
    );
  if (overdue)
    reasons.push(
      `but it grew in jumps (${e.stepsUp} of ${e.steps} steps), at most ${formatX(overdue.gap)} apart, and none came in the last ${formatX(overdue.tail)}: growth that keeps on jumps again within twice its longest gap (a table doubling as it fills waits twice as long for each next doubling), so it stopped — a bounded table or pool that reached its size`,
    );
  return { probability, reasons };
}

/**
 * For a series that rose in jumps: the longest stretch between two rises (from the
 * measurement before the earlier rise to the later rise: an upper bound, as a rise happened
 * somewhere within its step) and the flat stretch since the last rise, when that is longer
 * than twice the gap — null otherwise. A steady leak's jumps come at steady gaps; a table
 * doubling as a leak fills it waits twice as long for each next doubling, never longer; so a
 * tail past twice the longest gap is growth that stopped. (Blind red-team: a Set over 20,000
 * random ids, its table flat for the last 120,000 of 185,500 runs, was judged p 0.53.)
 * Needs at least 3 rises in at most 60 % of the steps, and 2 flat measurements after.
 */
export function overdueJump(e: GrowthEvidence): { gap: number; tail: number } | null {
  const { x, y } = e;
  const n = y.length;
  const threshold = 0.01 * Math.max(0, e.totalGrowth);
  const rises: number[] = [];
  for (let i = 1; i < n; i++) if (y[i] - y[i - 1] > threshold) rises.push(i);
  if (rises.length < 3 || rises.length > 0.6 * (n - 1)) return null;
  const last = rises[rises.length - 1];
  if (n - 1 - last < 2) return null;
  let gap = x[rises[0]] - x[0];
  for (let k = 1; k < rises.length; k++) gap = Math.max(gap, x[rises[k]] - x[rises[k - 1] - 1]);
  const tail = x[n - 1] - x[last];
  return gap > 0 && tail > 2 * gap ? { gap, tail } : null;
}

/** A stretch of x in words: runs for check's series (the only ones judged by overdueJump). */
function formatX(dx: number): string {
  return `${Math.round(dx).toLocaleString('en-US')} runs`;
}

/** Below this, a gap between bursts of growth is unlikely for a steady rate (interiorGapP). */
const GAP_P = 0.05;

/** How likely a steady rate leaves a gap as long as the series' longest between two rises; null without sampling. */
function interiorGapP(e: GrowthEvidence, quantum: number | undefined): number | null {
  if (!quantum || quantum <= 0 || e.interiorGap <= 0) return null;
  const samples = Math.round(e.totalGrowth / quantum);
  if (samples < 2) return null;
  return Math.min(1, (samples + 1) * Math.pow(1 - e.interiorGap, samples));
}

/** A sampled series must grow in at least this many steps to be judged at all. */
const MIN_SAMPLED_STEPS_UP = 3;

/** Below this, a later half with so few of the samples is taken as a rate that fell: strict, as a real leak's rate varies more than Poisson (a sparse leak seen at attach, 15 samples then 7 in 57 % of the time: p 0.01, a leak). */
const HALVES_P = 0.005;
/** Fewer samples' worth of growth than this in all: too few to split. */
const HALVES_MIN_SAMPLES = 8;

/** No growth after the middle, where a steady rate would have added some (P < 5 %). */
function stalledAfterMiddle(h: GrowthEvidence['halves'], quantum: number | undefined): boolean {
  if (!quantum || quantum <= 0) return false;
  const before = Math.round(h.before / quantum);
  return Math.round(h.after / quantum) <= 0 && before > 0 && Math.pow(1 - h.afterShare, before) < 0.05;
}

/** Below this, a flat end is unlikely for a steady rate: the growth stopped (flatEndP). */
const FLAT_END_P = 0.02;
/**
 * A flat end shorter than this share of the time, or than two steps, is not taken as growth
 * that stopped: one step without a sample is what a slow leak often shows.
 */
const FLAT_END_MIN_SHARE = 0.2;
/**
 * Nor one shorter than this, in a live capture (ms): the statistic below is exact only for a
 * steady rate, and a real load pauses for seconds — a leaking server under attach, three
 * samples a second, then none over its last two 1 s measurements (P 0.0006 as if steady).
 */
export const FLAT_END_SHORTEST_MS = 15_000;

/**
 * How likely a steady rate of the samples before it leaves the end of the capture as long
 * without a sample: all N fall before it with probability (1 − share)^N (conservative, as the
 * last sample came somewhere within its step). 1 (no evidence) without sampling, or for an end
 * shorter than `minShare` of the time, `minSteps` steps or `minLength` in x.
 */
function flatEndP(
  tail: GrowthEvidence['flatTail'],
  quantum: number | undefined,
  minShare: number,
  minSteps: number,
  minLength: number,
): number {
  if (!quantum || quantum <= 0 || tail.steps < minSteps || tail.share < minShare || tail.length < minLength) return 1;
  const samples = Math.round(tail.grownBefore / quantum);
  return samples > 0 ? Math.pow(1 - tail.share, samples) : 1;
}

/**
 * The Laplace test for a falling rate of a Poisson process, on the series' samples: each
 * step's new samples placed at the middle of its interval, their mean time against the middle
 * of the span. Small p when samples come early. Null without sampling or with too few samples.
 */
function samplesComeEarly(e: GrowthEvidence, quantum: number | undefined): { p: number; n: number; meanShare: number } | null {
  if (!quantum || quantum <= 0 || e.x.length < 3) return null;
  let n = 0;
  let sum = 0;
  for (let i = 1; i < e.x.length; i++) {
    const d = Math.round((e.y[i] - e.y[i - 1]) / quantum);
    if (d <= 0) continue;
    n += d;
    sum += d * ((e.x[i] + e.x[i - 1]) / 2);
  }
  if (n < HALVES_MIN_SAMPLES) return null;
  const x0 = e.x[0];
  const span = e.x[e.x.length - 1] - x0;
  if (span <= 0) return null;
  const z = (sum / n - x0 - span / 2) / (span * Math.sqrt(1 / (12 * n)));
  return { p: normalCdf(z), n, meanShare: (sum / n - x0) / span };
}

/**
 * A rate that fell, told by the samples' arrival times where the per-step rates are too noisy
 * to: the Laplace test strict (p < EARLY_P), on at least EARLY_MIN_SAMPLES samples, and a
 * large fall (the last third of the time under half the first third's rate). Blind red-team,
 * a cache over 2,000 keys at 50 requests/s (τ = 40 s), 90 s at 16 KiB: 83 samples, Laplace
 * p 0.0024, its later half excused as sampling noise (16.6 samples where 23.4 were expected),
 * p 0.98 — a leak. Not on fewer samples: real leaks are burstier than Poisson (a leaking
 * server seen at attach, 25 samples of which 12 came in the first two of eight steps, is a
 * leak), and a steady leak so unlucky on 40 samples or more is rarer than 1 in 200; nor for a
 * load that fell by less than half. And only against the program's own work: a program slowed
 * by what it leaks (GC over a growing heap; the README's leaky server, whose leak came early at
 * Laplace p 0.007 on 73 samples) allocates less in all, so the site's fall is compared with
 * the fall of the program's allocation rate (the sampler's count of samples taken), and must
 * be under half of it. A cache filling under a steady load falls alone.
 */
function earlySlowdown(early: { p: number; n: number }, thirdsRatio: number, workThirdsRatio: number | undefined): boolean {
  if (workThirdsRatio === undefined || !(workThirdsRatio > 0)) return false;
  return early.p < EARLY_P && early.n >= EARLY_MIN_SAMPLES && thirdsRatio < EARLY_MAX_THIRDS_RATIO * Math.min(1, workThirdsRatio);
}

const EARLY_P = 0.005;
const EARLY_MIN_SAMPLES = 40;
const EARLY_MAX_THIRDS_RATIO = 0.5;

/** The binomial p-value of so little growth after the cut, or null without sampling or samples. */
function samplesSplitP(h: GrowthEvidence['halves'], quantum: number | undefined): number | null {
  if (!quantum || quantum <= 0) return null;
  const after = Math.max(0, Math.round(h.after / quantum));
  const all = Math.max(0, Math.round(h.before / quantum)) + after;
  if (all < HALVES_MIN_SAMPLES) return null;
  return binomialCdf(after, all, h.afterShare);
}

function formatP(p: number): string {
  return p < 0.0001 ? '< 0.0001' : p.toFixed(p < 0.01 ? 4 : 2);
}

function pct(r: number): string {
  return `${Math.round(r * 100)}%`;
}

function round(v: number): string {
  return Math.abs(v) >= 100 ? Math.round(v).toString() : v.toFixed(1);
}
