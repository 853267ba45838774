/**
 * How often `run` and `attach` measure. Each measurement forces a full GC in the target (an
 * ordinary one of ours, target-gc.ts, and the profile read forces another: the inspector
 * starts the sampling profiler with kSamplingForceGC). A forced full GC costs a busy program far more than its
 * pause: V8 then deoptimizes the optimized functions that embedded an object the GC freed, and
 * the program runs slower until they are optimized again. Measured on the bench's HTTP server
 * at 8,000 req/s: about 0.25 s of CPU per forced GC, and ~170 functions deoptimized ("weak
 * objects"), on Node 20, 22 and 24 alike. Measuring every 5 s is the largest part of what an
 * early capture costs, so the default schedule spends fewer measurements as the capture ages.
 */

/** The period grows to this fraction of the capture's age... */
const STRETCH_FRACTION = 0.1;
/** ...but never beyond this. */
const MAX_STRETCHED_MS = 60_000;

export interface MeasureSchedule {
  /** The period when the capture starts (and always, without `stretch`). */
  baseMs: number;
  /**
   * Let the period grow with the capture's age: a tenth of it, from `baseMs` up to 60 s. A
   * one-minute capture is measured every 5 s, a ten-minute one every minute; measurements
   * still accumulate (about ten more per tenfold of age), and a slow leak needs time to show,
   * not more points. Off when the user chose a period.
   */
  stretch: boolean;
}

/** Milliseconds from a measurement taken `elapsedMs` into the capture to the next one. */
export function measurePeriod(schedule: MeasureSchedule, elapsedMs: number): number {
  if (!schedule.stretch) return schedule.baseMs;
  return Math.max(schedule.baseMs, Math.min(MAX_STRETCHED_MS, elapsedMs * STRETCH_FRACTION));
}

/** For the report's notes: what the schedule was. */
export function describeSchedule(schedule: MeasureSchedule, lastPeriodMs: number): string {
  const base = `${schedule.baseMs / 1000} s`;
  if (!schedule.stretch || lastPeriodMs <= schedule.baseMs)
    return `measured every ${base} (each measurement forces a full GC in the target)`;
  return `measured every ${base} at first, every ${Math.round(lastPeriodMs / 1000)} s by the end (the period grows with the capture's age, because each measurement forces a full GC that costs the target; --measure-every fixes it)`;
}
