import type { SiteCounts } from '../../capture/heap/site-counts.js';
import { type Frame, formatFrame } from '../../model/frame.js';
import type { StackTable } from '../../model/stack-table.js';
import {
  type Attribution,
  type AttributionOptions,
  NODE_INTERNALS,
  allocatedByTooling,
  attribute,
  runtimeAttribution,
} from '../attribution.js';

/** One measurement: where it was taken (x) and the live objects per stack. */
export interface SiteMeasurement {
  /** Iterations done (check) or milliseconds since tracking began (run/attach). */
  x: number;
  sites: SiteCounts;
  /**
   * run/attach: milliseconds the program had waited for a CPU by then (runqueue wait, from
   * /proc), so that growth can also be judged against the time it could run (score-sites.ts).
   */
  waitMs?: number;
  /**
   * run/attach: V8's live compiled code and bytecode with their metadata, right after the
   * measurement's GC (score-sites.ts, withoutV8Code).
   */
  v8CodeBytes?: number;
  /**
   * run/attach with handles judged: Node's count of active resources (handles, requests,
   * timers) right after the measurement's GC — known even while the handle agent is paused.
   */
  activeHandles?: number;
  /**
   * run/attach: how many samples V8's sampler had taken by then, dead ones included (the
   * newest live sample's ordinal): the program's allocation so far, in samples — a clock of
   * the work it did (allocationClock).
   */
  samplesTaken?: number;
  /**
   * run/attach: the program's CPU time by then (all its threads, from /proc), so that a
   * program that got less done per CPU-second can be told (score-sites.ts, slowedWorkClock).
   */
  cpuMs?: number;
}

/**
 * The series of one suspect: every stack whose attribution names the same allocation site
 * and the same first user frame is one suspect (a leak reached through two code paths of
 * the same line is one leak; the same package function leaking for two callers is two, each
 * with the line the user can change).
 */
export interface SiteSeries {
  key: string;
  attribution: Attribution;
  x: number[];
  count: number[];
  selfBytes: number[];
  externalBytes: number[];
  /** The stacks folded into this suspect, with their growth in count (first to last). */
  stacks: Map<number, number>;
  /**
   * Sampling only: at each measurement, the ordinals of the live samples of small objects
   * made here (SiteCount.samples), so that they can be followed from one to the next.
   */
  samples?: number[][];
}

export function buildSiteSeries(
  measurements: readonly SiteMeasurement[],
  stacks: StackTable,
  options: AttributionOptions,
): Map<string, SiteSeries> {
  const attributions = new Map<number, Attribution>();
  const attributionOf = (stack: number): Attribution => {
    let a = attributions.get(stack);
    if (!a) {
      const frames = stacks.framesOf(stack);
      // Made by the tooling in the target (the handle agent's records): not the program's.
      if (allocatedByTooling(frames, options))
        a = { site: null, userFrame: null, package: NODE_INTERNALS, evidence: 'allocated by leaktrace itself' };
      else {
        a = attribute(frames, options);
        // No frame of the program or a package: Node's own allocations (see runtimeAttribution).
        if (a.site === null) a = runtimeAttribution(frames) ?? a;
      }
      attributions.set(stack, a);
    }
    return a;
  };
  const series = new Map<string, SiteSeries>();
  const n = measurements.length;
  measurements.forEach((m, i) => {
    for (const [stack, c] of m.sites) {
      if (stack === 0) continue;
      const a = attributionOf(stack);
      if (a.site === null) continue; // no stack, or only leaktrace's own frames, or allocated by leaktrace
      const key = suspectKey(a);
      let s = series.get(key);
      if (!s) {
        s = {
          key,
          attribution: a,
          x: measurements.map((mm) => mm.x),
          count: new Array<number>(n).fill(0),
          selfBytes: new Array<number>(n).fill(0),
          externalBytes: new Array<number>(n).fill(0),
          stacks: new Map(),
        };
        series.set(key, s);
      }
      s.count[i] += c.count;
      s.selfBytes[i] += c.selfBytes;
      s.externalBytes[i] += c.externalBytes;
      if (c.samples) {
        s.samples ??= measurements.map(() => []);
        for (const ordinal of c.samples) s.samples[i].push(ordinal);
      }
      const firstCount = measurements[0].sites.get(stack)?.count ?? 0;
      if (i === n - 1) s.stacks.set(stack, c.count - firstCount);
    }
  });
  return series;
}

/** The stack folded into a suspect that grew the most: the one to show. */
export function dominantStack(s: SiteSeries): number {
  let best = 0;
  let bestGrowth = -Infinity;
  for (const [stack, growth] of s.stacks) {
    if (growth > bestGrowth) {
      best = stack;
      bestGrowth = growth;
    }
  }
  return best;
}

export function framesOfStack(stacks: StackTable, stack: number): Frame[] {
  return stack === 0 ? [] : stacks.framesOf(stack);
}

/** Suspects are keyed by site and first user frame (see SiteSeries). */
export function suspectKey(a: Attribution): string {
  return `${a.site ? formatFrame(a.site) : ''}|${a.userFrame ? formatFrame(a.userFrame) : ''}`;
}
