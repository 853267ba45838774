import { formatBytes, formatCount } from '../../cli/output/format.js';
import { scriptPath } from '../attribution.js';
import type { Leak } from '../leak-report.js';
import type { StackTable } from '../../model/stack-table.js';
import { FLAT_END_SHORTEST_MS, type GrowthEvidence, type LeakJudgement, judgeGrowth, measureGrowth } from '../growth/growth.js';
import { dominantStack, framesOfStack, type SiteMeasurement, type SiteSeries } from './site-series.js';
import { type Frame, formatFrame, sameFrame } from '../../model/frame.js';
import { EXACT_INTERVAL } from '../../capture/heap/sampling-sampler.js';
import { SAMPLE_WORDS, followSamples, growingBacklog, keptFactor, withBacklog, withTurnover } from './turnover.js';

/** Suspects at or above this probability, under the report's threshold, are listed as below it. */
export const LISTED_BELOW = 0.2;

/**
 * Listed under the threshold: a suspect worth a look, or one that looked like a leak until
 * its samples were followed (turnover.ts) — said, so that a user who sees a site grow knows
 * why it was cleared.
 */
export function listedBelowThreshold(s: ScoredSite): boolean {
  return s.probability >= LISTED_BELOW || (s.beforeTurnover ?? 0) >= LISTED_BELOW;
}

/** Samples' worth of growth below which a sampled site's growth is quantization noise. */
export const MIN_SAMPLES_OF_GROWTH = 4;

/**
 * The least growth a sampled site is judged on, however fine the interval. V8 charges the code
 * it compiles for a hot function (with its deoptimization data and feedback) to whatever
 * JavaScript runs when the code is installed, and that weighs tens of KiB, arriving in a few
 * steps as the program warms up. The code floor (v8CodeExplains) takes it out where V8's code
 * figures show it, but where other sites grew in the same steps each is given only its share of
 * the new code: at a 4 KiB interval fresh-clone CI twice judged such growth a leak (a timer
 * callback +22 KiB in 9 s at p 0.70; the `setTimeout` line of a loop, +21.6 KiB in 16 s in
 * three steps, while a window of requests grew beside it under rising load).
 */
export const MIN_SAMPLED_GROWTH = 32 * 1024;

/** The least growth judged at a site sampled from `floorInterval` (MIN_SAMPLES_OF_GROWTH samples, MIN_SAMPLED_GROWTH at least). */
export function leastGrowthJudged(floorInterval: number): number {
  return Math.max(MIN_SAMPLES_OF_GROWTH * floorInterval, MIN_SAMPLED_GROWTH);
}
/**
 * The same for objects made with no JavaScript on the stack ("(EXTERNAL)", "(V8 API)"), beyond
 * what V8's JIT may account for. Few samples of those are as often the runtime's own
 * housekeeping, appearing in a burst and staying (compiled code finalized between tasks,
 * parser buffers), as a leak: blind red-team, a clean lru-cache program on Node 22, "(EXTERNAL)"
 * 0 → 155 KiB in one step, then +1 and +1 sample (7 samples' worth, 2 of them V8's code),
 * reported at p 0.58 in 1 run of 2. A program that keeps what Node receives keeps bytes by the
 * interval's worth: its leak passes this many within a minute or two.
 */
export const MIN_SAMPLES_OF_NATIVE_GROWTH = 8;

export interface ScoredSite {
  series: SiteSeries;
  probability: number;
  count: GrowthEvidence;
  bytes: GrowthEvidence;
  /** Which series carried the judgement. */
  judgedOn: 'count' | 'bytes';
  reasons: string[];
  /** Where following its samples lowered the probability (turnover.ts): what it was before. */
  beforeTurnover?: number;
}

/**
 * Scores every suspect on two series — live objects and live bytes (V8 heap + external) —
 * and keeps the stronger judgement: most leaks add objects, but some only grow one object
 * (an array's backing store, a string rebuilt larger), and those show in bytes alone.
 */
export function scoreSites(
  all: Iterable<SiteSeries>,
  options: {
    samplingInterval: number;
    /**
     * The interval the capture began at, when its sampler was made finer since (run and attach
     * do so for a quiet program, sampling-rate.ts): the floors of growth below stay those of
     * this interval. A finer sampler judges growth on more samples, not smaller growth: at 8
     * KiB an HTTP client's requests in flight, 0 → 48.6 KiB one sample a step then flat (10
     * samples, all alive), were judged p 0.70 in a 90 s capture, quiet over 240 s (blind
     * red-team). Below a floor of 4 samples at 32 KiB, no leak was reported before either.
     */
    floorInterval?: number;
    /**
     * run/attach: the samples the program had taken at each measurement (allocationClock): a
     * site's rate that fell is called a cache filling only where the program's own
     * allocation did not fall with it (growth.ts, earlySlowdown).
     */
    allocationClock?: readonly number[] | null;
    /** run/attach, when the program was starved of CPU (runClock): growth is judged on it too. */
    runClock?: RunClock | null;
    /** run/attach, when the program got less done per CPU-second (slowedWorkClock): growth is judged on it too. */
    workClock?: WorkClock | null;
    /**
     * V8's live compiled code and bytecode at each measurement (v8CodeSeries), when known: a
     * site must grow by more than V8's code can explain (v8CodeExplains).
     */
    v8Code?: readonly number[] | null;
    /** The stacks the series refer to: with them, a container is judged with its contents (containersWithContents). */
    stacks?: StackTable;
  },
): ScoredSite[] {
  const out: ScoredSite[] = [];
  // An interval this small samples (nearly) every object: counts are exact, not estimates.
  const exactCounts = options.samplingInterval <= EXACT_INTERVAL;
  // With sampling, a site's live bytes move in steps of about one interval (one sampled
  // object stands for an interval's worth of allocation). Growth of one or two samples is
  // what churn looks like (an in-flight request sampled, then another), and a monotone run
  // of such steps fools a trend test: demand several samples' worth of growth.
  const floorInterval = Math.max(options.samplingInterval, options.floorInterval ?? 0);
  const sampleFloor = exactCounts ? 0 : leastGrowthJudged(floorInterval);
  const clock = options.runClock;
  const v8Code = options.v8Code ?? null;
  const sites = [...all];
  const allGrew = v8Code ? growthPerStep(sites) : undefined;
  for (const s of sites) {
    // Use the measurements after the first (the baseline after warm-up is the reference).
    const bytes = s.selfBytes.map((b, i) => b + s.externalBytes[i]);
    const countEvidence = measureGrowth(s.x, s.count);
    const bytesEvidence = measureGrowth(s.x, bytes);
    const steps = Math.max(1, s.x.length - 1);
    // Noise floors: exact counts need one object per step on average; sampled estimates need
    // more (several samples' worth) before a trend means anything.
    const minCount = exactCounts ? steps : steps * 4;
    // And bytes that grow by less than 2 % of what the site already held, with no more
    // objects, are size noise of live objects (a bounded LRU's entries changing length:
    // +0.4 KiB on 49 KiB measured), not a leak.
    const minBytes = Math.max(exactCounts ? 256 : 4096, steps * 32, 0.02 * bytesEvidence.first, sampleFloor);
    // The count series is an estimate built from the same samples: it may only speak for
    // the site once the bytes show that enough samples grew.
    if (bytesEvidence.totalGrowth < sampleFloor) continue;
    // Growth V8's JIT may account for is no evidence: the site must have grown by more than
    // that, by the noise floor, for its series to be judged at all.
    const jit = v8Code && v8Code.length === s.x.length ? v8CodeExplains(bytes, v8Code, allGrew) : 0;
    if (jit > 0 && bytesEvidence.totalGrowth - jit < minBytes) continue;
    if (!exactCounts && s.attribution.noJavaScript && bytesEvidence.totalGrowth - jit < MIN_SAMPLES_OF_NATIVE_GROWTH * floorInterval)
      continue;
    // One sample adds an interval's worth of bytes, and about interval ÷ (bytes per object)
    // objects to the count estimate.
    const bytesPerObject = bytesEvidence.last > 0 && countEvidence.last > 0 ? bytesEvidence.last / countEvidence.last : 0;
    // How the program's allocation rate moved, last third against first (1: steady).
    const work =
      options.allocationClock && options.allocationClock.length === s.x.length
        ? measureGrowth(s.x, options.allocationClock).thirdsRatio
        : undefined;
    const judge = (
      count: GrowthEvidence,
      byteSeries: GrowthEvidence,
      workThirdsRatio = work,
      turnsOver = false,
    ): { chosen: LeakJudgement; useCount: boolean } => {
      const byCount = judgeGrowth(count, {
        minGrowth: minCount,
        quantum: exactCounts || bytesPerObject === 0 ? undefined : options.samplingInterval / bytesPerObject,
        byThirds: exactCounts,
        flatEndMinX: FLAT_END_SHORTEST_MS,
        workThirdsRatio,
        turnsOver,
      });
      const byBytes = judgeGrowth(byteSeries, {
        minGrowth: minBytes,
        quantum: exactCounts ? undefined : options.samplingInterval,
        byThirds: exactCounts,
        flatEndMinX: FLAT_END_SHORTEST_MS,
        workThirdsRatio,
        turnsOver,
      });
      const useCount = byCount.probability >= byBytes.probability;
      return { chosen: useCount ? byCount : byBytes, useCount };
    };
    let { chosen, useCount } = judge(countEvidence, bytesEvidence);
    // Judged again on another clock of the program's (x at each measurement), the likelier
    // verdict is kept, with `why`.
    const onClock = (x: readonly number[], why: string, workThirdsRatio?: number): void => {
      if (x.length !== s.x.length) return;
      const other = judge(measureGrowth(x, s.count), measureGrowth(x, bytes), workThirdsRatio);
      if (other.chosen.probability < chosen.probability + MIN_CLOCK_GAIN) return;
      useCount = other.useCount;
      chosen = { probability: other.chosen.probability, reasons: [...other.chosen.reasons, why] };
    };
    // A program that waited for a CPU in part of the capture (another process's load) did less
    // work then, and a leak that grows with its work slowed with it: the shape of a cache still
    // filling, and judged so. Judged again against the time it could run, the likelier verdict
    // is kept. Not against its CPU time: a memo cache whose misses cost CPU adds entries at a
    // steady rate per CPU-second while it fills.
    if (clock)
      onClock(
        clock.x,
        `judged against the time the program could run: it waited for a CPU ${Math.round(clock.waitedShare * 100)} % of the judged time (another process's load), and its growth per second of running is steadier than per second of wall time`,
      );
    // A program that got less done per CPU-second as the capture went on (its GCs over a heap
    // its leak grew, measurements that cost it more, work that grows with what it keeps)
    // allocated less and less, and a leak that grows with its work slowed with it: in wall time
    // the shape of a cache filling up (red-team: a leak of 1.3 GB in 90 s, 181 → 959 MiB over
    // the measurements, its later half at 18 % of the overall rate: "growth stopped", p 0).
    // Judged again against the program's own allocation, the likelier verdict is kept. A cache
    // filling under a steady load is not excused by it: its misses get rarer per byte the
    // program allocates, whatever the program's speed.
    // (On that clock the program's work is steady by construction: workThirdsRatio 1.)
    const workClock = options.workClock;
    if (workClock)
      onClock(
        workClock.x,
        `judged against the program's own allocation (its work): the program got less done per second of its CPU as the capture went on — in the last third of its CPU time it allocated at ${Math.round(workClock.perCpuThirdsRatio * 100)} % of the first third's rate (GC over a growing heap, or the measurements' cost) — and this site's growth per byte the program allocated is steadier than per second`,
        1,
      );
    if (chosen.probability <= 0) continue;
    // Followed sample by sample: does the site keep what it gained, as a leak does (turnover.ts)?
    const turnover = exactCounts ? null : followSamples(s, options.samplingInterval);
    let beforeTurnover: number | undefined;
    // A turnover whose objects live longer and longer at a steady rate of new ones is a queue
    // that does not drain: not cleared (growingBacklog).
    const backlog = turnover && keptFactor(turnover) < 1 && s.samples ? growingBacklog(s.x, s.samples) : null;
    if (turnover && backlog) {
      // A queue's growth is what it gains less what drains: a step without net growth is the
      // drain catching up, not a pause in what the site makes (its new samples came at a steady
      // rate: the backlog's test). Judged again without the test for gaps between bursts, the
      // likelier verdict kept (a run of ignored-backpressure.cjs: one flat step of 13, "it grew
      // in bursts", p 0.475 while the queue grew all along).
      const drained = judge(countEvidence, bytesEvidence, work, true);
      if (drained.chosen.probability > chosen.probability) ({ chosen, useCount } = drained);
      chosen = withBacklog(chosen, turnover, backlog, SAMPLE_WORDS);
    } else if (turnover) ({ before: beforeTurnover, ...chosen } = withTurnover(chosen, turnover, SAMPLE_WORDS));
    // Said only where it took a sample's worth or more: less is within the sampling's noise.
    if (jit >= options.samplingInterval) {
      chosen = {
        probability: chosen.probability,
        reasons: [
          ...chosen.reasons,
          `V8's compiled code and bytecode grew alongside, and could account for ${formatBytes(jit)} of its growth (V8 charges what it compiles to the function running at the time); it grew ${formatBytes(bytesEvidence.totalGrowth - jit)} more than that`,
        ],
      };
    }
    out.push({
      series: s,
      probability: chosen.probability,
      count: countEvidence,
      bytes: bytesEvidence,
      judgedOn: useCount ? 'count' : 'bytes',
      reasons: chosen.reasons,
      ...(beforeTurnover !== undefined ? { beforeTurnover } : {}),
    });
  }
  if (options.stacks) containersWithContents(out, options.stacks);
  return out.sort((a, b) => b.probability - a.probability || b.bytes.slope - a.bytes.slope);
}

/**
 * A site whose objects do not grow in number while their bytes do is the same few objects
 * resized: a Map's or Set's hash table, an array's backing store, doubling as what they hold
 * grows. Its growth is its contents': where the contents are objects of their own, made under
 * the container's site (a site on whose stack the container's site is a frame), and judged
 * less likely a leak — a cache of 20,000 keys still filling, its entries' growth slowing — the
 * container's probability is theirs. (Blind red-team: a Map over 20,000 random keys, 72 % full
 * after 25,500 runs, was reported in 3 of 3 checks at p 0.66 for its table alone, "+0.00
 * objects per iteration", while its entries were judged at 0.495.) A package's container is
 * filled by the user's code: its contents may be made there, at the user frame it is reached
 * from, not under the package's function (blind red-team 2026-12-06: lru-cache's table at
 * p 0.735, "no more objects", its 20,000-key cache's entries made by the operation at 0.474).
 * A container of small integers or of objects made elsewhere has no such contents site and is
 * judged alone.
 */
function containersWithContents(scored: ScoredSite[], stacks: StackTable): void {
  const framesOf = new Map<ScoredSite, Frame[]>();
  const frames = (t: ScoredSite): Frame[] => {
    let f = framesOf.get(t);
    if (!f) framesOf.set(t, (f = framesOfStack(stacks, dominantStack(t.series))));
    return f;
  };
  for (const s of scored) {
    const site = s.series.attribution.site;
    if (site === null || s.judgedOn !== 'bytes') continue;
    // The same objects, resized: their number does not grow (a fraction of one object, or 5 %),
    // or far less than their bytes (each resize may leave another table live for a while:
    // lru-cache's, 58 → 68 objects while its bytes went ×7).
    const countFlat = s.count.totalGrowth <= Math.max(1, 0.05 * s.count.first);
    const countGrew = s.count.totalGrowth / Math.max(1, s.count.first);
    const bytesGrew = s.bytes.totalGrowth / Math.max(1, s.bytes.first);
    if (!countFlat && countGrew > 0.25 * bytesGrew) continue;
    // Contents that visibly grew (a suspect's reading, p ≥ 0.2) yet are judged less likely a
    // leak: flat or noisy sites cannot account for a container's growth.
    // Made under it, or — for a package's container (an LRU's hash table, resized in its `set`)
    // — at the user's frame the container is reached from: the values the user's code stores
    // into it are made by that code, not under the package's function.
    const user = s.series.attribution.userFrame;
    const storedByUser = (t: ScoredSite): boolean =>
      user !== null &&
      site.file !== user.file &&
      t.series.attribution.userFrame !== null &&
      sameFunction(t.series.attribution.userFrame, user);
    const madeUnder = (t: ScoredSite): boolean => frames(t).some((f) => sameFrame(f, site));
    const contents = scored.filter((t) => t !== s && t.probability >= 0.2 && t.count.totalGrowth > 0 && (madeUnder(t) || storedByUser(t)));
    if (contents.length === 0) continue;
    const likeliest = contents.reduce((a, b) => (b.probability > a.probability ? b : a));
    if (likeliest.probability >= s.probability) continue;
    const c = likeliest.series.attribution.site;
    s.reasons = [
      ...s.reasons,
      `but its objects ${countFlat ? 'did not grow in number' : 'grew far less in number than in bytes'} (${formatCount(s.count.first)} → ${formatCount(s.count.last)}, resized from ${formatBytes(s.bytes.first)} to ${formatBytes(s.bytes.last)}): a table or array growing with what it holds, and what it holds here — objects made ${madeUnder(likeliest) ? 'under it' : 'by the function of your code that fills it'} at ${c ? formatFrame(c) : 'another site'}, ${formatCount(likeliest.count.first)} → ${formatCount(likeliest.count.last)} — is judged at p ${likeliest.probability.toFixed(2)}: a container is judged with its contents`,
    ];
    s.probability = likeliest.probability;
  }
}

/** The same function of the same script (a frame at its call and one at its first line are both it). */
function sameFunction(a: Frame, b: Frame): boolean {
  return a.file === b.file && a.functionName === b.functionName;
}

/**
 * How much of a site's growth V8's JIT could account for. V8's sampling heap profiler charges
 * every allocation to the JavaScript running at the time, and that includes what V8 itself
 * makes while a function runs: the code it compiles and installs (with its relocation info and
 * deoptimization data), bytecode compiled on first call, feedback vectors. Those live on, and
 * as a program warms up they grow in steps under whatever function was hot (a garbage-only
 * program's timer callback "grew" 21 KiB in 9 s this way, judged a leak at p 0.70; a 12 s heap
 * snapshot with allocation stacks found ~30 KiB of compiled code and its metadata charged to it).
 *
 * Code can only be charged to a site in a step where there is new code: the bound is, step by
 * step, the site's share of the growth of V8's live code and bytecode — all of it, up to the
 * site's growth, where the site grew alone; in proportion to its growth where several sites
 * grew (`allGrew`, growthPerStep), as each byte of code is charged to one function only. A
 * bound, not an estimate — which function the code was charged to is not known — so it is used
 * as a floor (a site must outgrow it), never subtracted from the series: subtracted, a steady
 * leak in a program recompiling after an attach's deoptimization lost a third of its steps and
 * read as growth in bursts. Code that V8 flushes and recompiles over and over adds to the
 * bound only in the steps it grows, so a leak that keeps growing outgrows it.
 */
export function v8CodeExplains(bytes: readonly number[], v8Code: readonly number[], allGrew?: readonly number[]): number {
  let explained = 0;
  for (let i = 1; i < bytes.length; i++) {
    const grew = bytes[i] - bytes[i - 1];
    if (grew <= 0) continue;
    const code = Math.max(0, v8Code[i] - v8Code[i - 1]);
    // One step's new code is charged once: shared among the sites that grew in that step, in
    // proportion to their growth (blind red-team: an axios interceptor leak split over four
    // sites, with code growing 35-80 KB a step, had up to all of each site's growth "explained"
    // by the same code, and went unseen in 90 s).
    const together = Math.max(grew, allGrew?.[i] ?? grew);
    explained += grew * Math.min(1, code / together);
  }
  return explained;
}

/** Each step's growth summed over the sites that grew in it (v8CodeExplains's `allGrew`). */
export function growthPerStep(all: readonly SiteSeries[]): number[] {
  const n = all[0]?.x.length ?? 0;
  const grew = new Array<number>(n).fill(0);
  for (const s of all) {
    if (s.x.length !== n) continue;
    for (let i = 1; i < n; i++) {
      const d = s.selfBytes[i] + s.externalBytes[i] - s.selfBytes[i - 1] - s.externalBytes[i - 1];
      if (d > 0) grew[i] += d;
    }
  }
  return grew;
}

/**
 * V8's code at each judged measurement, or null where any measurement lacks it (the figure
 * could not be read in the target): the adjustment needs every step.
 */
export function v8CodeSeries(judged: readonly SiteMeasurement[]): number[] | null {
  if (judged.length < 2 || judged.some((m) => m.v8CodeBytes === undefined)) return null;
  return judged.map((m) => m.v8CodeBytes!);
}

/**
 * How much likelier a leak a site must be on the run clock for that verdict to be taken: a
 * hair's difference (0.9998 against 0.9999, seen on a CPU-bound leak waiting 9 % of the time)
 * is noise, and its reason would only clutter the evidence.
 */
const MIN_CLOCK_GAIN = 0.05;

/**
 * The samples the program had taken at each judged measurement — its allocation, a clock of
 * its work — or null where any measurement lacks it, or where it did not advance.
 */
export function allocationClock(judged: readonly SiteMeasurement[]): number[] | null {
  const n = judged.length;
  if (n < 2 || judged.some((m) => m.samplesTaken === undefined)) return null;
  return judged[n - 1].samplesTaken! > judged[0].samplesTaken! ? judged.map((m) => m.samplesTaken!) : null;
}

/** The program's allocation as a clock, in milliseconds at its average rate over the judged span. */
export interface WorkClock {
  x: number[];
  /** Its allocation per CPU-second in the last third of its CPU time over the judged span, against the first third's. */
  perCpuThirdsRatio: number;
}

/** Under this, allocation per CPU-second fell: the program slowed (slowedWorkClock). */
const SLOWED_PER_CPU = 0.6;
/** The least CPU, in cores over the judged span, of a program judged on its work clock. */
const MIN_BUSY_SHARE = 0.2;

/**
 * The program's allocation as a clock of its work (the samples its sampler took), where the
 * program got less done per CPU-second as the capture went on — its allocation per CPU-second
 * in the last third of the time under 60 % of the first third's — or null (then wall time is
 * its clock as well as any). Not where only its allocation per second fell: a load that fell
 * is no reason, and a cache whose misses cost both CPU and allocation fills at a steady rate
 * per CPU-second (runClock's comment). Null without CPU readings (a target on another machine).
 */
export function slowedWorkClock(judged: readonly SiteMeasurement[]): WorkClock | null {
  const n = judged.length;
  if (n < 4 || judged.some((m) => m.samplesTaken === undefined || m.cpuMs === undefined)) return null;
  const x = judged.map((m) => m.x);
  // The newest live sample's ordinal can go back when that sample dies: the most seen so far.
  let most = 0;
  const taken = judged.map((m) => (most = Math.max(most, m.samplesTaken!)));
  const cpu = judged.map((m) => m.cpuMs!);
  const span = x[n - 1] - x[0];
  const work = taken[n - 1] - taken[0];
  // Only a busy program (a fifth of a core or more over the span): an idle one's CPU moves in
  // ticks of 10 ms, too coarse to divide by, and its slowing is no cost of its own.
  if (span <= 0 || work <= 0 || cpu[n - 1] - cpu[0] < MIN_BUSY_SHARE * span) return null;
  // Allocation against CPU time: its rate in the last third of the CPU spent, against the first's
  // (a finite ratio: the CPU readings advance over each third of a busy program's span).
  const perCpuThirdsRatio = measureGrowth(cpu, taken).thirdsRatio;
  if (!Number.isFinite(perCpuThirdsRatio) || !(perCpuThirdsRatio < SLOWED_PER_CPU)) return null;
  return { x: taken.map((t) => x[0] + ((t - taken[0]) * span) / work), perCpuThirdsRatio };
}

/** The time a program could run, at each measurement: wall time less its waits for a CPU. */
export interface RunClock {
  x: number[];
  /** The share of the judged span it spent waiting. */
  waitedShare: number;
}

/**
 * The run clock of judged measurements (each with its runqueue wait), or null when /proc did
 * not tell or the program waited under 5 % of the span: then the two clocks agree.
 */
export function runClock(judged: readonly SiteMeasurement[]): RunClock | null {
  const n = judged.length;
  if (n < 2 || judged[n - 1].x <= judged[0].x || judged.some((m) => m.waitMs === undefined)) return null;
  const waitedShare = (judged[n - 1].waitMs! - judged[0].waitMs!) / (judged[n - 1].x - judged[0].x);
  return waitedShare >= 0.05 ? { x: judged.map((m) => m.x - m.waitMs!), waitedShare } : null;
}

/** A scored suspect as the report's Leak, with its evidence in words and numbers. */
export function toLeak(scored: ScoredSite, stacks: StackTable, unit: 'iteration' | 'minute', hidePrefixes: readonly string[] = []): Leak {
  const s = scored.series;
  const a = s.attribution;
  // leaktrace's own frames (the harness calling the operation) are not shown.
  const frames = framesOfStack(stacks, dominantStack(s)).filter((f) => !hidePrefixes.some((p) => scriptPath(f.file).startsWith(p)));
  const bytes = s.selfBytes.map((b, i) => b + s.externalBytes[i]);
  const external = s.externalBytes[s.externalBytes.length - 1] - s.externalBytes[0];
  const self = s.selfBytes[s.selfBytes.length - 1] - s.selfBytes[0];
  const kind = external > self ? 'external' : 'heap';
  // x is iterations (check) or ms (run): slopes per iteration, or scaled to per minute.
  const scale = unit === 'minute' ? 60_000 : 1;
  const rate = { bytes: scored.bytes.slope * scale, count: scored.count.slope * scale };
  const series = scored.judgedOn === 'count' ? s.count : bytes;
  const shown = series.map((v) => (scored.judgedOn === 'count' ? formatCount(v) : formatBytes(v))).join(' → ');
  const per = unit === 'minute' ? 'per minute' : 'per iteration';
  const evidence = [
    `live ${scored.judgedOn === 'count' ? 'objects' : 'bytes'} allocated here, after a full GC at each of ${s.x.length} measurements: ${shown}`,
    ...scored.reasons,
    `${rate.count < 0.005 ? `no more objects (${rate.count <= -0.005 ? `${rate.count.toFixed(2)}: ` : ''}the same ones, resized) and` : `${rate.count >= 0 ? '+' : ''}${rate.count.toFixed(rate.count < 10 ? 2 : 0)} objects and`} ${formatBytes(rate.bytes)} ${per}${kind === 'external' ? ` (mostly ArrayBuffer/Buffer contents outside the V8 heap: ${formatBytes(external)} of growth)` : ''}`,
    `attribution: ${a.evidence}`,
  ].join('; ');
  return {
    kind,
    site: a.site,
    userFrame: a.userFrame,
    package: a.package,
    resource: null,
    probability: Math.round(scored.probability * 1000) / 1000,
    perIteration: unit === 'iteration' ? rate : null,
    perMinute: unit === 'minute' ? rate : null,
    stack: frames,
    evidence,
    series: { x: s.x, bytes, count: s.count },
  };
}
