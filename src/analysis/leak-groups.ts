import type { Frame } from '../model/frame.js';
import type { Leak } from './leak-report.js';

/**
 * Leaks grouped by the line of the user's code they are reached from.
 *
 * One mistake in the user's code often shows as many leaking sites: a logger made per request
 * keeps its streams, formats and buffers, each allocated at its own site in its own package
 * (winston, 19 sites, all reached from one call). The report lists every site, as the
 * evidence is per site; this grouping says how many places in the user's code there are to
 * fix, and how much each one costs.
 *
 * The key is the user frame's file and line (not its column: two calls on one line are one
 * line to change). Leaks with no frame of the user's code on their stack form one
 * group with `userFrame: null`. Leaks with no site and no stack at all — growth that nothing
 * sampled explains (`unexplained-growth.ts`) — are reached from nowhere known and are left out.
 */
export interface LeakGroup {
  /** The frame of the user's code (the first leak's, column included); null: none on the stacks. */
  userFrame: Frame | null;
  /** Indexes into the report's `leaks`, most likely first. */
  leaks: number[];
  /** The packages of the group's sites, in the order of its leaks (null: the user's own code). */
  packages: (string | null)[];
  /** Summed growth of the group's heap, external and native leaks, in bytes per `per`. */
  bytes: number;
  /** Summed handles opened and kept per `per` (handle leaks). */
  handles: number;
  per: 'iteration' | 'minute';
  /** The highest probability among the group's leaks. */
  probability: number;
}

export function groupByUserLine(leaks: readonly Leak[]): LeakGroup[] {
  const groups = new Map<string, LeakGroup>();
  leaks.forEach((leak, index) => {
    if (leak.site === null && leak.stack.length === 0) return;
    const f = leak.userFrame;
    // Not the function's name: a handle's stack (Error.stack) and the heap profiler name the
    // same function differently ("Timeout.connect", "connect").
    const key = f ? `${f.file}\0${f.line}` : '';
    const rate = leak.perIteration ?? leak.perMinute ?? null;
    let g = groups.get(key);
    if (!g) {
      g = { userFrame: f, leaks: [], packages: [], bytes: 0, handles: 0, per: leak.perIteration ? 'iteration' : 'minute', probability: 0 };
      groups.set(key, g);
    }
    g.leaks.push(index);
    if (!g.packages.includes(leak.package)) g.packages.push(leak.package);
    if (leak.kind === 'handle') g.handles += rate?.count ?? 0;
    else g.bytes += rate?.bytes ?? 0;
    g.probability = Math.max(g.probability, leak.probability);
  });
  // Leaks arrive most likely first, so groups are in the order of their most likely leak;
  // the group of leaks with none of the user's code on their stacks goes last.
  return [...groups.values()].sort((a, b) => (a.userFrame === null ? 1 : 0) - (b.userFrame === null ? 1 : 0));
}
