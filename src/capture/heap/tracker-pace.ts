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
}

/**
 * How much the inspector's allocation tracking slowed the program. While it tracks
 * (`HeapProfiler.startTrackingHeapObjects`) V8's inspector takes heap statistics every 50 ms,
 * and each is a full GC and a walk of every object: on a heap of 300,000 objects one took
 * ~200 ms, back to back, and a loop that ran 133,000 times in 3 s without them ran 14 times
 * (measured on Node 20, 22 and 24). The events' spacing says when they outlast their period:
 * the timer (a repeating libuv timer in Node) is then overdue at every turn of the event loop,
 * and the program gets one turn per statistic. A self-driving HTTP server whose heap held
 * 355,000 objects served ~10 requests a second in such a window (statistics 91 ms apart),
 * against ~1,300 before it. Up to 50 ms apart they may still cost much (a 40 ms statistic
 * leaves the program 10 ms in 50): not seen from here, so not said.
 */
export class TrackerPaceMeter {
  private readonly times: number[] = [];
  private readonly started = Date.now();
  private readonly onSeen = (): void => {
    this.times.push(Date.now());
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
    };
  }
}

/**
 * Why the tracking window saw little of the program, in words, or null when the statistics
 * came about as often as V8 sends them. A window with at most one statistic in a second or
 * more: each took longer than the window.
 */
export function slowedByTracker(p: TrackerPace): string | null {
  const slowed = p.meanIntervalMs !== null ? p.meanIntervalMs >= SLOWED_INTERVAL_MS : p.windowMs >= 1000 && p.updates <= 1;
  if (!slowed) return null;
  const each =
    p.meanIntervalMs !== null
      ? `they came ${Math.round(p.meanIntervalMs)} ms apart`
      : `${p.updates === 0 ? 'none' : 'one'} came in ${(p.windowMs / 1000).toFixed(1)} s`;
  return `while V8's inspector tracks allocations it takes heap statistics every ${STATS_PERIOD_MS} ms, each a full GC and a walk of the heap; here ${each}, so each outlasted the ${STATS_PERIOD_MS} ms and the program ran one turn of its event loop per statistic (inferred from their spacing)`;
}
