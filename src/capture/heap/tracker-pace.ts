import type { InspectorSession } from '../inspector/session.js';

/** V8's inspector sends heap statistics this often while it tracks heap objects. */
const STATS_PERIOD_MS = 50;
/**
 * Mean time between statistics from which each is taken to have outlasted the period: the
 * timer is then due again at every turn of the program's event loop.
 */
const SLOWED_INTERVAL_MS = 1.5 * STATS_PERIOD_MS;

export interface TrackerPace {
  /** Statistics received (`HeapProfiler.lastSeenObjectId` events). */
  updates: number;
  /** Mean ms between them (null with fewer than two). */
  meanIntervalMs: number | null;
  /** How long the meter listened. */
  windowMs: number;
  /**
   * The heap object id V8 had reached at its first statistic (null: none came). V8 numbers
   * every live object when tracking starts, and each new one when it first sees it, so an
   * object with a higher id was first seen after that: made in the window, most likely.
   */
  firstSeenId: number | null;
}

/**
 * Whether the inspector's allocation tracking stalled the program. While it tracks
 * (`HeapProfiler.startTrackingHeapObjects`) V8's inspector takes heap statistics on a repeating
 * timer, each a full GC and a walk of every object. On Node 20 (V8 11.3) the timer is a fixed
 * 50 ms: on a heap of 300,000 objects a statistic took ~200 ms, the timer was overdue at every
 * turn of the event loop, and a loop that ran 133,000 times in 3 s under node's own
 * --track-heap-objects ran 14 times; a self-driving HTTP server with 355,000 objects served ~10
 * requests a second, against ~1,300 before (statistics 91 ms apart). Node 22 and 24 (V8 12
 * and later) space the statistics at three times what each took, so the program keeps about
 * two thirds of its time (the same loop: 2–3 statistics, 31,000 and 26,000 iterations): no
 * stall to report there. The events' spacing tells when the fixed timer was outlasted; under
 * 50 ms a statistic may still cost much (40 ms of every 50), which is not seen from here.
 */
export class TrackerPaceMeter {
  private readonly times: number[] = [];
  private readonly started = Date.now();
  private firstSeenId: number | null = null;
  private readonly onSeen = (params: unknown): void => {
    this.times.push(Date.now());
    const id = (params as { lastSeenObjectId?: unknown } | undefined)?.lastSeenObjectId;
    if (this.firstSeenId === null && typeof id === 'number') this.firstSeenId = id;
  };

  constructor(private readonly session: InspectorSession) {
    session.on('HeapProfiler.lastSeenObjectId', this.onSeen);
  }

  stop(): TrackerPace {
    this.session.off('HeapProfiler.lastSeenObjectId', this.onSeen);
    const t = this.times;
    return {
      updates: t.length,
      meanIntervalMs: t.length >= 2 ? (t[t.length - 1] - t[0]) / (t.length - 1) : null,
      windowMs: Date.now() - this.started,
      firstSeenId: this.firstSeenId,
    };
  }
}

/**
 * Why the tracking window saw little of the program, in words, or null when the statistics
 * came about as often as V8 sends them, or the target's Node spaces them itself. A window with
 * at most one statistic in a second or more: each took longer than the window.
 */
export function slowedByTracker(p: TrackerPace, nodeMajor: number | null): string | null {
  // Only Node 20 and 21 (V8 11) are known to keep the fixed 50 ms timer; unknown: not said.
  if (nodeMajor === null || nodeMajor >= 22) return null;
  const slowed = p.meanIntervalMs !== null ? p.meanIntervalMs >= SLOWED_INTERVAL_MS : p.windowMs >= 1000 && p.updates <= 1;
  if (!slowed) return null;
  const each =
    p.meanIntervalMs !== null
      ? `they came ${Math.round(p.meanIntervalMs)} ms apart`
      : `${p.updates === 0 ? 'none' : 'one'} came in ${(p.windowMs / 1000).toFixed(1)} s`;
  return `while V8's inspector tracks allocations it takes heap statistics every ${STATS_PERIOD_MS} ms (Node ${nodeMajor}), each a full GC and a walk of the heap; here ${each}, so each outlasted the ${STATS_PERIOD_MS} ms and the program ran one turn of its event loop per statistic (inferred from their spacing)`;
}
