import type { SamplingProfile } from '../heap/sampling-sampler.js';
import type { InspectorSession } from '../inspector/session.js';

/**
 * How finely `run` and `attach` sample allocations, chosen from what the sampler costs the
 * target: by default it may go finer, with `--sampling-interval auto` coarser too.
 *
 * V8's sampling heap profiler costs the target per sample: a walk of the JavaScript stack (up
 * to 128 frames through the inspector), a weak handle, an insert into its tree. Measured
 * (Node 20): ~3.6 µs a sample on a 20-frame stack in isolation (1.9 µs on 5 frames); on the
 * bench's HTTP server, which takes ~12,500 to 15,700 samples per second of its CPU at 32 KiB, the
 * sampler cost +11 to +13 % CPU per request at 32 KiB and +2 % at 128 KiB — ~7 to 8 µs a
 * sample once its effects on the GC are counted. So a program that allocates fast pays
 * several percent for a 32 KiB sampler, a quiet one next to nothing.
 *
 * The capture starts at 32 KiB: a leak's samples arrive at (its bytes per second) / interval,
 * so a small leak shows soonest at a fine interval. At the warm-up's end, the samples the
 * program took per second of its CPU are counted (a marker object of known size, certain to
 * be sampled, gives the sampler's count so far through its ordinal), and:
 * - by default, where a finer interval would still cost at most SAMPLER_BUDGET of the
 *   program's CPU, sampling restarts at 16 or 8 KiB: a quiet program — most programs under
 *   test, a service at light load — earns a small leak's samples 2 to 4 times faster, and the
 *   judge sees a cache's filling slow down sooner (blind red-team: a catalogue cache still
 *   filling at 90 s was reported in 2 of 3 captures at 32 KiB; at 8 or 16 KiB it is quiet
 *   in every capture, with score-sites' floor and growth.ts's earlySlowdown).
 *   A program that makes a lot of garbage stays at 32 KiB: it allocates ~0.5 GB per second
 *   of its CPU (14,000 samples at 32 KiB, est. 8.5 %), and a finer sampler would cost it more
 *   than the small leak it might find sooner is worth to most users (`--sampling-interval 16k`
 *   chooses that: a 3.8 KiB/s leak in 30 MB/s of garbage, missed in 1 of 3 90 s captures at
 *   32 KiB, was found at 16 KiB at p 0.99);
 * - with `auto`, also where the estimated cost is over the budget, sampling restarts at a
 *   coarser interval: 64 or at most 128 KiB. Never coarser: each doubling halves how fast a
 *   small leak earns samples.
 * Never finer than 8 KiB: the sampler keeps a weak handle per live sample, and the profile
 * read at each measurement carries them all. What a restart loses (the samples of objects
 * allocated before it) is said in the report.
 *
 * Why coarsening is not the default: the sampler's share of a program's CPU does not depend
 * on its load (samples per CPU-second are allocation per unit of work), so nearly every HTTP
 * server would be coarsened (the bench server: ~12,500 samples per CPU-second, est. 7.5 %),
 * and so would a program that makes a lot of garbage — where a slow leak is hardest to see.
 * Measured: a program making ~100 MB/s of garbage and keeping ~13 KB/s, run 40 s with
 * defaults, was reported at p = 0.98 at 32 KiB and not at all once coarsened to 128 KiB.
 * Finding the leak comes first; `auto` is for a long capture of a busy service where the cost
 * matters more.
 */
export const DEFAULT_SAMPLING_INTERVAL = 32 * 1024;
/** The coarsest interval the adaptation goes to: 4× fewer samples than the default. */
export const MAX_ADAPTED_INTERVAL = 128 * 1024;
/** The finest interval the adaptation goes to: 4× more samples than the default. */
export const MIN_ADAPTED_INTERVAL = 8 * 1024;
/** The sampler's estimated cost, as a share of the target's CPU: coarsened above it, made finer only within it. */
export const SAMPLER_BUDGET = 0.02;
/**
 * Below this share of one core's time the sampler's cost counts as nothing, whatever its share
 * of the program's CPU: a quiet program (a few KB/s on well under 1 % of a core) spends ~2 ms
 * of CPU a second; 2 % of that is 0.04 ms, and whether 8 KiB fitted swung with how much CPU
 * its timers happened to use (0.7 % at 32 KiB in one CI run, 16 KiB kept; a few hundred
 * samples per CPU-second, 8 KiB, in others). At 8 KiB its sampler costs an estimated ~0.1 ms
 * a second (its ~18 samples at SAMPLE_COST_US, not measured).
 */
export const SAMPLER_WALL_FLOOR = 0.001;
/** The estimated CPU cost of one sample (µs), from the measurements above. */
export const SAMPLE_COST_US = 6;

/** Which ways the interval may move at the warm-up's end: the default's `finer`, `auto`'s `both`. */
export type SamplingAdaptation = 'finer' | 'both';

export interface SamplingDecision {
  /** The interval to sample at from now (the current one when no change is needed). */
  interval: number;
  /** What was measured: samples the target took per second of its CPU at `from`. */
  samplesPerCpuSecond: number;
  /** The sampler's estimated share of the target's CPU at `from`, and at `interval`. */
  estimatedShare: number;
  estimatedShareAfter: number;
  /** The sampler's estimated share of one core's time (wall clock) at `interval`, when the wall time was given. */
  wallShareAfter?: number;
  from: number;
}

/**
 * The interval to continue at, from `samples` taken at `interval` while the target used
 * `cpuMs` of CPU. Over budget (`both` only): doubled until the estimated cost fits, up to
 * MAX_ADAPTED_INTERVAL. Within it: halved while the cost at the finer interval still fits,
 * down to MIN_ADAPTED_INTERVAL. Without CPU time seen, unchanged. With `wallMs` (the time the
 * samples were taken in), a cost under SAMPLER_WALL_FLOOR of one core's time fits whatever its
 * share of the program's CPU.
 */
export function chooseSamplingInterval(
  interval: number,
  samples: number,
  cpuMs: number,
  adaptation: SamplingAdaptation = 'both',
  wallMs?: number,
): SamplingDecision {
  const samplesPerCpuSecond = cpuMs > 0 ? samples / (cpuMs / 1000) : 0;
  const share = (at: number): number => (samplesPerCpuSecond * (interval / at) * SAMPLE_COST_US) / 1e6;
  const wallShare = (at: number): number | undefined =>
    wallMs !== undefined && wallMs > 0 ? ((samples / (wallMs / 1000)) * (interval / at) * SAMPLE_COST_US) / 1e6 : undefined;
  const fits = (at: number): boolean => share(at) <= SAMPLER_BUDGET || (wallShare(at) ?? Infinity) <= SAMPLER_WALL_FLOOR;
  let next = interval;
  if (cpuMs > 0 && !fits(interval)) {
    if (adaptation === 'both') while (!fits(next) && next * 2 <= MAX_ADAPTED_INTERVAL) next *= 2;
  } else if (cpuMs > 0) {
    while (next / 2 >= MIN_ADAPTED_INTERVAL && fits(next / 2)) next /= 2;
  }
  return {
    interval: next,
    samplesPerCpuSecond,
    estimatedShare: share(interval),
    estimatedShareAfter: share(next),
    wallShareAfter: wallShare(next),
    from: interval,
  };
}

/** Whether the cost at `d.interval` is under the floor of one core's time (SAMPLER_WALL_FLOOR). */
function underWallFloor(d: SamplingDecision): boolean {
  return d.wallShareAfter !== undefined && d.wallShareAfter <= SAMPLER_WALL_FLOOR;
}

/** Where the cost at `d.interval` fits: the budget, or the floor of one core's time. */
function withinWhat(d: SamplingDecision): string {
  if (d.estimatedShareAfter <= SAMPLER_BUDGET) return `within the ${SAMPLER_BUDGET * 100} % budget`;
  return `over the ${SAMPLER_BUDGET * 100} % budget of its CPU but ~${((d.wallShareAfter ?? 0) * 100).toFixed(2)} % of one core's time, under the ${SAMPLER_WALL_FLOOR * 100} % that counts as nothing`;
}

const MARKER_KEY = `Symbol.for('leaktrace.sampleMarker')`;

/**
 * The marker's length: an array of `interval + 1` slots is 8 × interval + 24 bytes on the
 * heap, 8 times the mean distance between samples, so the sampler's next sample point falls
 * inside it with probability 1 − e^−8 (it was sampled in 200 of 200 tries on Node 20, 22
 * and 24). The odd length gives it a size no ordinary array of the program is likely to have.
 */
function markerLength(interval: number): number {
  return interval + 1;
}

/** Allocates the marker in the target and holds it until `dropSampleMarker`. */
export async function placeSampleMarker(session: InspectorSession, interval: number): Promise<void> {
  await session.post('Runtime.evaluate', {
    expression: `(() => { globalThis[${MARKER_KEY}] = new Array(${markerLength(interval)}).fill(0); return true; })()`,
    returnByValue: true,
    silent: true,
  });
}

export async function dropSampleMarker(session: InspectorSession): Promise<void> {
  await session
    .post('Runtime.evaluate', { expression: `delete globalThis[${MARKER_KEY}]`, returnByValue: true, silent: true })
    .catch(() => undefined);
}

/**
 * How many samples the sampler had taken when the marker was made: its ordinal (V8 numbers
 * samples in the order taken, dead ones included). Without the marker in the profile, the
 * newest live sample's ordinal, which can only be lower (the samples after it died): null
 * when the profile holds no sample at all.
 */
export function samplesTaken(profile: SamplingProfile, interval: number): number | null {
  const samples = profile.samples ?? [];
  // A FixedArray: a map and a length word, then one 8-byte slot per element; reported unscaled
  // (an object of 8 intervals stands for one object).
  const markerBytes = 16 + 8 * markerLength(interval);
  let newest: number | null = null;
  for (const s of samples) {
    if (s.size === markerBytes) return s.ordinal;
    if (newest === null || s.ordinal > newest) newest = s.ordinal;
  }
  return newest;
}

/** The interval kept at the warm-up's end: why, so that the choice can be checked. */
export function describeSamplingKept(d: SamplingDecision | null, why?: string, adaptation: SamplingAdaptation = 'both'): string {
  const kib = (b: number): string => `${Math.round(b / 1024)} KiB`;
  const who = adaptation === 'both' ? '--sampling-interval auto kept' : 'sampled every';
  if (!d) return `${who} ${kib(DEFAULT_SAMPLING_INTERVAL)} throughout: ${why}`;
  const cost =
    `the program took ${Math.round(d.samplesPerCpuSecond).toLocaleString('en-US')} samples per second of its CPU, ` +
    `an estimated ${(d.estimatedShare * 100).toFixed(1)} % of its CPU at ~${SAMPLE_COST_US} µs a sample`;
  if (d.estimatedShare > SAMPLER_BUDGET && !underWallFloor(d))
    return `${who} ${kib(d.from)} throughout: ${cost}, over the ${SAMPLER_BUDGET * 100} % budget (--sampling-interval auto coarsens it)`;
  return d.from <= MIN_ADAPTED_INTERVAL
    ? `${who} ${kib(d.from)} throughout: ${cost}`
    : `${who} ${kib(d.from)} throughout: ${cost}; a finer one would cost over the ${SAMPLER_BUDGET * 100} % budget`;
}

export function describeSamplingChange(d: SamplingDecision, atMs: number): string {
  const kib = (b: number): string => `${Math.round(b / 1024)} KiB`;
  const finer = d.interval < d.from;
  return (
    `sampled every ${kib(d.interval)} from ${Math.round(atMs / 1000)} s, not ${kib(d.from)}: the program took ` +
    `${Math.round(d.samplesPerCpuSecond).toLocaleString('en-US')} samples per second of its CPU at ${kib(d.from)}, ` +
    `an estimated ${(d.estimatedShare * 100).toFixed(1)} % of its CPU at ~${SAMPLE_COST_US} µs a sample ` +
    `(~${(d.estimatedShareAfter * 100).toFixed(1)} % now${finer ? `, ${withinWhat(d)}` : ''}); allocation sites count only objects allocated since then, ` +
    (finer
      ? `and a small leak earns samples ${d.from / d.interval}× faster`
      : `and a small leak earns samples ${d.interval / d.from}× more slowly`) +
    ` (--sampling-interval fixes the interval)`
  );
}
