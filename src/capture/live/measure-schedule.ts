import { readProcFile } from '../proc/proc-file.js';
import { CLOCK_TICKS_PER_SECOND, procStatFields } from '../proc/proc-stat.js';

/**
 * How often `run` and `attach` measure.
 *
 * Each measurement costs the target two full GCs (target-gc.ts: marked incrementally, as V8's
 * own are), the profile read (V8 builds the whole profile in the target) and, with the handle
 * agent, a handle read. Until 2026-12-04 both GCs were atomic, and after an atomic full GC V8
 * deoptimizes the optimized functions that had embedded an object the GC freed ("weak
 * objects"): on the bench's HTTP server ~40 functions and 100–250 ms of CPU per measurement.
 * Marked incrementally, a measurement still costs that server ~50 ms of CPU at 8,000 req/s
 * (ARCHITECTURE, "Cost": GC pauses of a few ms, and the deopts the profile read's GC still
 * causes). What it costs depends on the program (its heap, its hot code, how many sites its
 * profile holds), hence the pacing.
 *
 * So by default the period is paced by what measurements are seen to cost: the target's CPU
 * time (from /proc, all its threads, the compiler's included) in the 2 s after each
 * measurement, beyond its rate before it, is that measurement's cost; the next one comes when
 * the highest of the recent costs comes to at most `budget` of the target's CPU time at its
 * current rate, re-evaluated as the load changes. A quiet program, whose measurements cost next to nothing, is measured every
 * `baseMs`; the bench server at 8,000 req/s every ~45 s, once the sensitivity cap (below) has
 * given it its first 8 points. Where /proc cannot be read the period stretches with the
 * capture's age instead.
 */

/** How long after a measurement its cost is counted (the bench server's settled within 0.5 s). */
export const COST_WINDOW_MS = 2000;
/** Never longer between measurements, whatever they cost: a leak needs points to be judged. */
export const MAX_PERIOD_MS = 60_000;
/** While a capture watches lightly (light-watch.ts), measurements get this share of the budget. */
export const LIGHT_BUDGET_SCALE = 1 / 3;
/**
 * The budget is a share of the target's CPU, but of at least this much of one core: a nearly
 * idle program is measured every `baseMs` (a 10 ms measurement every 5 s is 0.2 % of a core).
 */
const MIN_RATE = 0.05;
/** Costs kept for the next period (the highest is used: see `period`). */
const COSTS_KEPT = 4;
/** Without /proc: the period grows to this fraction of the capture's age. */
const STRETCH_FRACTION = 0.1;
/**
 * However costly, a capture of known length is measured at least 8 times after its warm-up (a
 * short capture asked for a verdict), and an open-ended one at least every quarter of its age
 * until it has 8 measurements (about three per doubling of its age: the bench server's 8 came
 * by ~50 s), so that an early verdict is possible; from then on, only the budget and the 60 s
 * ceiling space them, and the cost stays within the budget for the rest of a long capture.
 */
const SENSITIVITY_FRACTION = 0.25;
const MIN_JUDGED_POINTS = 8;

export interface MeasureSchedule {
  /**
   * The shortest paced period (a capture with a short --duration may go below it to have its
   * points), and the period when the user chose one (`budget` null).
   */
  baseMs: number;
  /**
   * Pace measurements so that their measured cost stays under this share of the target's
   * CPU time (0.03: 3 %). Null: every `baseMs`, whatever it costs (--measure-every).
   */
  budget: number | null;
}

/**
 * A process's CPU time so far in milliseconds (user + system, all threads), or null where
 * /proc cannot tell (not Linux, the process gone, a process not on this machine).
 */
export function readCpuMs(pid: number | null): number | null {
  const fields = pid === null ? null : procStatFields(pid);
  if (!fields) return null;
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime: fields 14 and 15
  return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : null;
}

/**
 * Milliseconds the process's main thread (where its JavaScript runs) has spent ready to run
 * but waiting for a CPU, from `/proc/<pid>/schedstat` (its second field, in ns); null where
 * /proc cannot tell. Time another process's load took from the program.
 */
export function readRunqueueWaitMs(pid: number | null): number | null {
  if (pid === null) return null;
  const schedstat = readProcFile(`/proc/${pid}/schedstat`);
  const waitNs = schedstat === null ? NaN : Number(schedstat.split(' ')[1]);
  return Number.isFinite(waitNs) ? waitNs / 1e6 : null;
}

interface CpuReading {
  t: number;
  cpuMs: number;
}

/** The target's CPU rate (ms of CPU per ms) between two readings, or null over less than `minMs`. */
function rateBetween(a: CpuReading | null | undefined, b: CpuReading | null | undefined, minMs: number): number | null {
  return a && b && b.t - a.t >= minMs ? (b.cpuMs - a.cpuMs) / (b.t - a.t) : null;
}

/**
 * Decides when the next measurement comes. The capture loop calls `reading()` at each memory
 * series point, `measuring()` as a measurement starts, and `settle()` once `COST_WINDOW_MS`
 * has passed since, which returns the period from that measurement's start to the next one.
 */
export class MeasurePacer {
  private readonly readings: CpuReading[] = [];
  private current: { start: CpuReading; rate: number | null } | null = null;
  private lastRate: number | null = null;
  private lastWindowEnd = -Infinity;
  /** The last few costs, for the next period. */
  private readonly costs: number[] = [];
  /** The first and latest CPU readings: the target's CPU time over the capture, for the report. */
  private firstReading: CpuReading | null = null;
  private lastReading: CpuReading | null = null;
  /** Set when the sensitivity cap, not the budget, chose the last period. */
  private capped = false;
  /** The last period counted the target as using MIN_RATE of a core, more than it did. */
  private floored = false;
  /** The share of the budget measurements get now: less while the capture watches lightly (light-watch.ts). */
  private budgetScale = 1;
  private lightBudgetUsed = false;
  // For the report: measurements, those costed and their summed cost.
  private measurements = 0;
  private costed = 0;
  private costMs = 0;

  constructor(
    readonly schedule: MeasureSchedule,
    private readonly readCpu: () => number | null,
    private readonly started: number,
    /** The capture's planned length and warm-up, when known: the period leaves room for enough points. */
    private readonly plan: { durationMs?: number; warmupMs: number } = { warmupMs: 0 },
  ) {}

  /** A CPU reading for the rate before the next measurement (outside any cost window). */
  reading(t: number): void {
    const cpuMs = this.readCpu();
    if (cpuMs === null) return;
    this.firstReading ??= { t, cpuMs };
    this.lastReading = { t, cpuMs };
    if (this.current || t < this.lastWindowEnd) return;
    this.readings.push({ t, cpuMs });
    while (this.readings.length > 2 && this.readings[0]!.t < t - 5000) this.readings.shift();
  }

  /** Measurements get `scale` × the budget from the next period on (light watching: a third). */
  scaleBudget(scale: number): void {
    this.budgetScale = scale;
    if (scale !== 1) this.lightBudgetUsed = true;
  }

  /** A measurement starts now. */
  measuring(t: number): void {
    this.measurements++;
    const cpuMs = this.readCpu();
    if (cpuMs === null) {
      this.current = null;
      return;
    }
    // The target's rate just before: from the readings since the last cost window ended.
    const rate = rateBetween(this.readings[0], { t, cpuMs }, 500);
    if (rate !== null) this.lastRate = rate;
    this.current = { start: { t, cpuMs }, rate: rate ?? this.lastRate };
    this.readings.length = 0;
  }

  /**
   * The cost window of the measurement that started last has passed (call at or after
   * `start + COST_WINDOW_MS`): the period from that start to the next measurement.
   */
  settle(t: number): number {
    const cur = this.current;
    this.current = null;
    this.lastWindowEnd = t;
    const cpuMs = cur ? this.readCpu() : null;
    const costed = cur !== null && cpuMs !== null && cur.rate !== null;
    if (costed) {
      const cost = Math.max(0, cpuMs - cur.start.cpuMs - cur.rate! * (t - cur.start.t));
      this.costMs += cost;
      this.costed++;
      this.costs.push(cost);
      if (this.costs.length > COSTS_KEPT) this.costs.shift();
    }
    if (this.schedule.budget === null) return this.schedule.baseMs;
    if (!costed) return this.stretched(t);
    return this.period(t, cur.rate!);
  }

  /**
   * Between measurements, at each series point: the period from the last measurement's start
   * recomputed with the target's latest rate, so that when the load drops the next
   * measurement waits accordingly (measured on the bench: periods set during a burst at full
   * load kept measuring every ~7 s once it ended, +40 % CPU per request). Null while
   * measurements are not paced or no cost has been seen yet.
   */
  reschedule(): number | null {
    if (this.schedule.budget === null || this.costs.length === 0 || this.current) return null;
    const rate = rateBetween(this.readings[0], this.readings[this.readings.length - 1], 500);
    return rate === null ? null : this.period(this.lastWindowEnd, rate);
  }

  /**
   * The period for the costs seen and the target's rate `rate` (ms of CPU per ms), as of the
   * last cost window's end `t` (the age the sensitivity cap is a fraction of). The cost taken
   * is the highest of the last few: a target already using all the CPU it can get shows a
   * measurement's cost as lost work, not as extra CPU, and measures ~0 (the mean of the last
   * few then shortened the period, a unit test shows it); a load that rises within a cost
   * window is over-measured instead, which errs towards fewer measurements.
   */
  private period(t: number, rate: number): number {
    const cost = Math.max(...this.costs);
    const period = Math.max(
      this.schedule.baseMs,
      COST_WINDOW_MS,
      cost / (this.schedule.budget! * this.budgetScale * Math.max(MIN_RATE, rate)),
    );
    const cap = this.sensitivityCap(t);
    this.capped = period > cap;
    this.floored = rate < MIN_RATE;
    return Math.round(Math.min(period, cap));
  }

  /** The longest period that still leaves the judge enough measurements (at most 60 s). */
  private sensitivityCap(t: number): number {
    const { durationMs, warmupMs } = this.plan;
    const cap =
      durationMs !== undefined
        ? Math.max(COST_WINDOW_MS, (durationMs - warmupMs) / MIN_JUDGED_POINTS)
        : this.measurements >= MIN_JUDGED_POINTS
          ? MAX_PERIOD_MS
          : Math.max(this.schedule.baseMs, (t - this.started) * SENSITIVITY_FRACTION);
    return Math.min(MAX_PERIOD_MS, cap);
  }

  /** Where CPU time cannot be read: a tenth of the capture's age, from `baseMs` to 60 s. */
  private stretched(t: number): number {
    return Math.max(this.schedule.baseMs, Math.min(MAX_PERIOD_MS, (t - this.started) * STRETCH_FRACTION));
  }

  /** For the report's notes: how measurements were spaced and what they cost the target. */
  describe(lastPeriodMs: number): string {
    const { budget, baseMs } = this.schedule;
    const base = `${baseMs / 1000} s`;
    const { costed, costMs } = this;
    const targetCpu = this.firstReading && this.lastReading ? this.lastReading.cpuMs - this.firstReading.cpuMs : 0;
    // The share counts every measurement at the mean cost of those whose cost was seen.
    const share = costed > 0 && targetCpu > 0 ? ((costMs / costed) * this.measurements * 100) / targetCpu : null;
    const cost =
      share !== null
        ? `; each cost the target ~${Math.round(costMs / costed)} ms of CPU (measured from /proc), ~${share.toFixed(share < 1 ? 2 : 1)} % of its CPU time over the capture`
        : '';
    // A cost is read as the target's CPU in the window after a measurement beyond its rate
    // before; with measurements that close, the rate before holds the last one's cost too, and
    // the difference means nothing (it read ~0 ms for 2 s on the bundled example).
    if (budget === null && baseMs <= COST_WINDOW_MS)
      return `measured every ${base} (each measurement makes two full GCs in the target); their cost is not shown: at this period each one's falls inside the window the next is costed against (--measure-every over ${COST_WINDOW_MS / 1000} s, or the default pacing, costs them)`;
    if (budget === null) return `measured every ${base} (each measurement makes two full GCs in the target)${cost}`;
    // Paced only from the first measurement whose cost was seen.
    if (costed === 0)
      return `measured every ${base} at first, every ${Math.round(lastPeriodMs / 1000)} s by the end (the target's CPU time could not be read, so the period grew with the capture's age; --measure-every fixes it)`;
    // Capped at some point: a measurement came sooner than the budget allowed at the cost then
    // seen, though over the whole capture the share may have stayed within it.
    const atTimes = share !== null && share <= budget * 100 ? 'at times ' : '';
    const why = this.capped
      ? `${atTimes}more often than a budget of ${budget * 100} % of the target's CPU allows, so as to have enough points to judge (at least every quarter of the capture's age until ${MIN_JUDGED_POINTS} measurements, or ${MIN_JUDGED_POINTS} after the warm-up of a capture with --duration)`
      : `paced so that measurements take at most ${budget * 100} % of the target's CPU${this.lightBudgetUsed ? ` (${Math.round(budget * LIGHT_BUDGET_SCALE * 1000) / 10} % while watched lightly)` : ''}` +
        // A nearly idle target is paced as if it used MIN_RATE of a core: its own share is then
        // larger (a red-team read "at most 3 %" beside "~15.6 % of its CPU time").
        (this.floored ? `, counting it as using at least ${MIN_RATE * 100} % of a core — it used less, so its share is larger` : '');
    return `measured every ${Math.round(lastPeriodMs / 1000)} s by the end, ${why}: each makes two full GCs and reads the profile${cost}; --measure-budget or --measure-every change it`;
  }
}
