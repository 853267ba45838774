import type { OutstandingHandle, StackOrigin } from '../../capture/agent/agent-types.js';
import type { Frame } from '../../model/frame.js';
import { StackTable } from '../../model/stack-table.js';
import { type AttributionOptions, attribute, type PackageName } from '../attribution.js';

/**
 * Outstanding handles grouped the way `!htrace` users read them: one row per (type, creation
 * stack) with a count, the site and the first frame of the user's own code, and how many of
 * them keep the process alive. Stacks from different processes and threads are compared by
 * their frames (each agent numbers its own), interned into one StackTable.
 */
export interface HandleGroup {
  type: string;
  count: number;
  /** Handles of the group that hold the event loop open (the "why won't it exit" answer). */
  keepingAlive: number;
  /** Open but unref'd: alive, yet not what keeps the process running. */
  unrefd: number;
  site: Frame | null;
  userFrame: Frame | null;
  package: PackageName;
  /** Innermost first. */
  stack: Frame[];
  origin: StackOrigin;
  /** How the stack was found and what the site means, in words. */
  evidence: string;
  threads: number[];
  pids: number[];
  /** A few examples of what the handles are about (addresses, paths, delays). */
  details: string[];
  oldestCreatedAt: number;
  asyncIds: number[];
  /**
   * With `withMembers`: every handle of the group, as process, thread and async id (a timer
   * chain's first, for each of its Timeouts: OutstandingHandle.lineage), so that
   * the leak finder can follow them from one measurement to the next (turnover.ts).
   */
  members?: string[];
}

export type FramesOf = (handle: OutstandingHandle) => readonly Frame[];

export function groupHandles(
  handles: readonly OutstandingHandle[],
  framesOf: FramesOf,
  options?: AttributionOptions,
  withMembers = false,
): HandleGroup[] {
  const table = new StackTable();
  const groups = new Map<string, HandleGroup>();
  for (const h of handles) {
    const frames = framesOf(h);
    const stackKey = table.internInnerFirst(frames);
    const key = `${h.type}\u0000${stackKey}`;
    let g = groups.get(key);
    if (!g) {
      const a = attribute(frames, options);
      let evidence = a.evidence;
      if (h.origin !== 'created' && h.originNote) evidence = `${h.originNote}; ${evidence}`;
      g = {
        type: h.type,
        count: 0,
        keepingAlive: 0,
        unrefd: 0,
        site: a.site,
        userFrame: a.userFrame,
        package: a.package,
        stack: frames.slice(),
        origin: h.origin,
        evidence,
        threads: [],
        pids: [],
        details: [],
        oldestCreatedAt: h.createdAt,
        asyncIds: [],
        ...(withMembers ? { members: [] } : {}),
      };
      groups.set(key, g);
    }
    g.count++;
    if (h.keepsAlive) g.keepingAlive++;
    if (h.refed === false && h.type !== 'fd' && h.type !== 'FILEHANDLE' && h.type !== 'ZLIB') g.unrefd++;
    if (!g.threads.includes(h.threadId)) g.threads.push(h.threadId);
    if (!g.pids.includes(h.pid)) g.pids.push(h.pid);
    if (h.detail && g.details.length < 3 && !g.details.includes(h.detail)) g.details.push(h.detail);
    if (h.createdAt < g.oldestCreatedAt) g.oldestCreatedAt = h.createdAt;
    if (g.asyncIds.length < 20) g.asyncIds.push(h.asyncId);
    // A timer chain is one member across its Timeouts (OutstandingHandle.lineage).
    g.members?.push(`${h.pid}:${h.threadId}:${h.lineage ?? h.asyncId}`);
  }
  return [...groups.values()].sort((a, b) => b.keepingAlive - a.keepingAlive || b.count - a.count || a.type.localeCompare(b.type));
}
