import { judgeGrowth, measureGrowth } from '../../analysis/growth/growth.js';
import { joinInlinedCallees } from '../../analysis/leaks/inlined-callees.js';
import { MIN_SAMPLES_OF_GROWTH, runClock, scoreSites, v8CodeExplains, v8CodeSeries } from '../../analysis/leaks/score-sites.js';
import { buildSiteSeries, type SiteMeasurement } from '../../analysis/leaks/site-series.js';
import { withoutOneReadSamples } from '../../analysis/leaks/one-read-samples.js';
import { formatFrame } from '../../model/frame.js';
import type { StackTable } from '../../model/stack-table.js';
import { type HandleSeries, MIN_HANDLE_GROWTH } from '../../analysis/leaks/handle-series.js';
import { AGENT_FRAMES } from './remote-handles.js';

/**
 * Watching lightly while nothing grows (`--light-after`), precisely once something does.
 *
 * What `run` and `attach` cost a program is mostly two things: V8's sampler at 32 KiB
 * (~+11 to 13 % CPU per request on the bench's HTTP server) and V8's inlining turned off so
 * that each allocation is recorded under the function that made it (~16 % alone). Both buy
 * the first minutes of a capture: a small leak seen soon, at the right function. A capture
 * that runs for long on a program with nothing growing pays them for nothing, so once the
 * capture has been judged for `--light-after` with no suspect (no site, nor the sampled heap
 * as a whole at the report's threshold), it watches lightly: a sample every 8× the interval,
 * V8's inlining on again (old code deoptimized so that it recompiles with it), and
 * measurements paced to a third of their budget (1 % of the program's CPU by default), and
 * the memory series read LIGHT_SERIES_FACTOR× less often while memory holds still.
 * Measured on the bench's HTTP server (README, bench 7): light at 4× the interval with the
 * full budget still cost ~11 % CPU per request (precise ~22 %). As soon as
 * anything grows there (p ≥ SUSPECT_FLOOR: a tripwire, well below the report's threshold),
 * it goes back to the precise settings and judges from then on. Each switch restarts the
 * sampler (V8 keeps no samples across a stop): a new epoch whose first `warmup` is not
 * judged, as at the start — the sampled objects of every site rebuild from nothing and need
 * the time of a warm-up to reach their level. What a switch loses is said in the notes.
 *
 * The price: a leak too slow to trip the wire in the precise stretch earns samples 8× more
 * slowly after it, and one that starts while light is judged from scratch once it trips it.
 * So the default quiet time is 5 minutes: a capture of that length or less, any short
 * diagnostic run, is precise throughout.
 *
 * Back in precise mode after a false alarm (a cache that grew for a while), the quiet time
 * needed to go light again doubles each time, so a program whose caches keep tripping the
 * wire is not switched back and forth (each switch deoptimizes all its code once).
 */

/** The probability from which growth counts as a suspect for switching (not for reporting). */
export const SUSPECT_FLOOR = 0.2;
/** How much coarser the light sampler is than the precise one. */
export const LIGHT_INTERVAL_FACTOR = 8;
/**
 * How much less often the memory series is read while light. Each series point is a round
 * trip to the target and a few /proc reads, which leaktrace's own process pays on the same
 * CPU as the program: on the bench's HTTP server at 4,000 req/s (bench/light-ab, 30 rounds,
 * 2026-12-06) leaktrace's own process cost 0.79 µs a request with a point every second,
 * 0.55 every 2 s, 0.20 every 5 s — most of what it costs, of the ~34 µs a request takes.
 */
export const LIGHT_SERIES_FACTOR = 5;

/**
 * The period of the memory series: `everyMs`, or LIGHT_SERIES_FACTOR× that while light —
 * unless memory is moving (RSS changed by over a tenth since the point before) or the heap
 * is past half its limit, when the capture rules (growth, near the limit) want every point.
 */
export function seriesPeriod(
  mode: WatchEpoch['mode'],
  everyMs: number,
  last: { rss: number; heapUsed: number; heapLimit: number } | undefined,
  before: { rss: number } | undefined,
): number {
  if (mode !== 'light' || !last || !before) return everyMs;
  const moving = Math.abs(last.rss - before.rss) > 0.1 * before.rss;
  const nearLimit = last.heapUsed > 0.5 * last.heapLimit;
  return moving || nearLimit ? everyMs : everyMs * LIGHT_SERIES_FACTOR;
}

/** Consecutive light measurements that must read a suspect before going precise again. */
const CONFIRMING_READS = 2;
/** Judged measurements an epoch needs before it says anything. */
const MIN_POINTS = 4;

/** One stretch of the capture with one sampler setting and one inlining state. */
export interface WatchEpoch {
  mode: 'precise' | 'light';
  /** When it began (ms since the capture started). */
  fromMs: number;
  /** Measurements before this (ms) are its warm-up, not judged. */
  judgedFromMs: number;
  interval: number;
  /** V8's inlining was off in this epoch (every site is the function that allocated). */
  inliningOff: boolean;
  /** Why it began, for the notes. */
  why: string;
}

export interface GrowthReading {
  probability: number;
  /** The likeliest grower, in words: a site, or the sampled heap as a whole. */
  what: string;
}

/**
 * The likeliest growth among an epoch's judged measurements: each site as the report judges
 * it, and the sampled heap as a whole (a leak spread over many sites, each too small alone).
 * Null with fewer than MIN_POINTS judged measurements.
 */
export function strongestGrowth(
  judged: readonly SiteMeasurement[],
  stacks: StackTable,
  epoch: Pick<WatchEpoch, 'interval' | 'inliningOff'>,
  threshold: number,
  /** The interval the capture began at: growth floors stay those of its samples (score-sites.ts). */
  floorInterval?: number,
  /** The read before the first judged one, when the same sampler run took it (withoutOneReadSamples). */
  before?: SiteMeasurement,
): GrowthReading | null {
  if (judged.length < MIN_POINTS) return null;
  // A tripwire reads growth from what stays alive: samples alive at one read only are
  // floating garbage, most likely of the measurement's incremental GC (one-read-samples.ts).
  const kept = withoutOneReadSamples(judged, epoch.interval, before);
  const series = buildSiteSeries(kept, stacks, { ignorePrefixes: AGENT_FRAMES });
  const v8Code = v8CodeSeries(judged);
  let scored = scoreSites(series.values(), { samplingInterval: epoch.interval, floorInterval, runClock: runClock(judged), v8Code, stacks });
  if (!epoch.inliningOff)
    scored = joinInlinedCallees(scored, series.values(), stacks, { threshold, samplingInterval: epoch.interval, floorInterval, v8Code });
  const top = scored[0];
  const bySite: GrowthReading = top
    ? { probability: top.probability, what: top.series.attribution.site ? formatFrame(top.series.attribution.site) : top.series.key }
    : { probability: 0, what: 'no site' };
  // The program's sites only (not what leaktrace allocated in it).
  const totals = judged.map(() => 0);
  for (const s of series.values()) for (let i = 0; i < totals.length; i++) totals[i] += s.selfBytes[i] + s.externalBytes[i];
  const e = measureGrowth(
    judged.map((m) => m.x),
    totals,
  );
  // As for a site, the whole must outgrow what V8's code could account for: after a switch V8
  // recompiles the program's code.
  const jit = v8Code ? v8CodeExplains(totals, v8Code) : 0;
  const whole = judgeGrowth(e, {
    minGrowth: Math.max(MIN_SAMPLES_OF_GROWTH * epoch.interval, 0.02 * e.first) + jit,
    quantum: epoch.interval,
  });
  // The whole speaks only where it is likelier a leak than any site by the report's own
  // threshold: after a switch, V8 recompiles the program's code and its metadata grows for a
  // while (a garbage-only program tripped the wire at p 0.34 on the whole, 9 s into light).
  return whole.probability >= threshold && whole.probability > bySite.probability
    ? { probability: whole.probability, what: 'the sampled heap as a whole' }
    : bySite;
}

/**
 * The likeliest growth of open handles among an epoch's judged measurements: each traced group
 * (type and creation stack), and Node's own count of active resources — the one figure that
 * still sees handles opened while the agent's tracing is paused (light watching).
 */
export function handleGrowth(judged: readonly SiteMeasurement[], handles: HandleSeries, fromX: number): GrowthReading {
  const byGroup = handles.strongestSince(fromX) ?? { probability: 0, what: 'no handle group' };
  if (judged.length < MIN_POINTS || judged.some((m) => m.activeHandles === undefined)) return byGroup;
  const active = judged.map((m) => m.activeHandles!);
  const j = judgeGrowth(
    measureGrowth(
      judged.map((m) => m.x),
      active,
    ),
    { minGrowth: MIN_HANDLE_GROWTH },
  );
  return j.probability > byGroup.probability
    ? { probability: j.probability, what: `Node's count of active resources (${active[0]} → ${active[active.length - 1]})` }
    : byGroup;
}

export interface LightWatchPlan {
  /** Judged quiet time before going light; null: never (`--light-after never`). */
  lightAfterMs: number | null;
  threshold: number;
  /** The interval the capture began at (strongestGrowth). */
  floorInterval?: number;
}

/** The switch to make after a measurement, if any. */
export type WatchSwitch = { to: 'light' | 'precise'; reading: GrowthReading } | null;

/**
 * Decides, after each measurement, whether to change epochs. Holds the quiet time needed,
 * which doubles after each false alarm.
 */
export class LightWatch {
  private quietNeededMs: number | null;
  /** Consecutive light measurements at which something read as a suspect. */
  private suspectStreak = 0;

  constructor(private readonly plan: LightWatchPlan) {
    this.quietNeededMs = plan.lightAfterMs;
  }

  /**
   * `handles`: the capture's handle series, when handles are judged; `workers`: the likeliest
   * growth in the program's worker threads (worker-sites.ts). Both trip the wire too, and
   * both must be quiet to go light.
   */
  next(
    epoch: WatchEpoch,
    measurements: readonly SiteMeasurement[],
    stacks: StackTable,
    handles: HandleSeries | null = null,
    workers: (() => GrowthReading | null) | null = null,
  ): WatchSwitch {
    if (this.quietNeededMs === null) return null;
    const first = measurements.findIndex((m) => m.x >= epoch.judgedFromMs);
    if (first < 0) return null;
    const judged = measurements.slice(first);
    if (judged.length < MIN_POINTS) return null;
    if (epoch.mode === 'precise' && judged[judged.length - 1].x - judged[0].x < this.quietNeededMs) return null;
    const before = first > 0 && measurements[first - 1].x >= epoch.fromMs ? measurements[first - 1] : undefined;
    const heap = strongestGrowth(judged, stacks, epoch, this.plan.threshold, this.plan.floorInterval, before);
    if (!heap) return null;
    let reading = heap;
    for (const other of [handles ? handleGrowth(judged, handles, epoch.judgedFromMs) : null, workers ? workers() : null])
      if (other && other.probability > reading.probability) reading = other;
    if (epoch.mode === 'precise') return reading.probability < SUSPECT_FLOOR ? { to: 'light', reading } : null;
    // Light: the wire trips on growth that is still there a measurement later. A sampled
    // leaked object never dies, so a leak's reading persists; objects that merely happened to
    // be alive at one read do not (at a light interval one such sample weighs 32 KiB or more:
    // a garbage-only program's timer callback read 0 → 96 KiB → 0 across three reads, three
    // 32-byte objects alive at one read only — floating garbage of the measurement's
    // incremental marking, we believe, not verified — and tripped the wire at p 0.22 in a test).
    if (reading.probability < SUSPECT_FLOOR) {
      this.suspectStreak = 0;
      return null;
    }
    if (++this.suspectStreak < CONFIRMING_READS) return null;
    this.suspectStreak = 0;
    this.quietNeededMs *= 2;
    return { to: 'precise', reading };
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** What a switch's note says: the switch and what it changed. */
export interface SwitchFacts {
  /** When it was made (ms since the capture started). */
  atMs: number;
  /** The epoch it begins. */
  next: Pick<WatchEpoch, 'interval' | 'inliningOff'>;
  /** The judged quiet time before it (to light). */
  quietMs: number;
  /** What it changed besides the sampler: V8's inlining; the handle agent's tracing (paused or resumed). */
  changed: { inlining: boolean; tracing: boolean };
  /** The memory series' own period (--series-every). */
  seriesEveryMs: number;
}

/** The note for a switch. */
export function describeSwitch(s: NonNullable<WatchSwitch>, facts: SwitchFacts): string {
  const { atMs, next, quietMs, seriesEveryMs } = facts;
  const inliningChanged = facts.changed.inlining;
  const tracingChanged = facts.changed.tracing;
  const kib = `${Math.round(next.interval / 1024)} KiB`;
  const at = `${Math.round(atMs / 1000)} s`;
  const p = s.reading.probability.toFixed(2);
  if (s.to === 'light') {
    return (
      `from ${at}, watched lightly (a sample every ${kib}${inliningChanged ? ", V8's inlining on again" : ''}${tracingChanged ? ', handles counted but not traced' : ''}, ` +
      `the memory series every ${formatSeconds(seriesEveryMs * LIGHT_SERIES_FACTOR)} while memory holds still): nothing grew in the ` +
      `${Math.round(quietMs / 1000)} s judged before (likeliest: ${s.reading.what}, p ${p}, under the ${SUSPECT_FLOOR} tripwire); ` +
      `it would go back to precise settings as soon as something grew (--light-after never keeps them)`
    );
  }
  return (
    `from ${at}, back to precise settings (a sample every ${kib}${inliningChanged ? ", V8's inlining off" : ''}${tracingChanged ? ', handles traced again' : ''}): ${s.reading.what} ` +
    `grew while watched lightly (p ${p}); sites are judged on what was allocated from then on, after a warm-up` +
    (tracingChanged ? '; handles opened while watched lightly have no creation stack' : '')
  );
}
