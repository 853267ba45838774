import { readdirSync } from 'node:fs';
import type { MemorySample } from '../../capture-folder/layout.js';
import { discardConsoleMessages } from '../inspector/console-messages.js';
import type { InspectorSession } from '../inspector/session.js';
import type { MemoryRoom } from './snapshot-room.js';
import { WATCHDOG_KEY } from './target-watchdog.js';

/**
 * Where the program's at-exit snapshot (preload.cts) finds the largest heap whose snapshot
 * fits in it, as last told by leaktrace (snapshot-room.ts): the program checks it itself.
 */
export const SNAPSHOT_ROOM_KEY = 'leaktrace.snapshotRoom';

/** What the program is told for its at-exit snapshot: `largestHeap` bytes of heap used, given `room`. */
export interface ExitSnapshotLimit {
  largestHeap: number;
  room: MemoryRoom;
}

/**
 * Evaluated in the target: its own view of its memory, as one JSON string; with `limit`, it
 * also leaves that where the at-exit snapshot looks (sent only when it changed: each new
 * source is compiled again in the target).
 */
const probe = (limit: ExitSnapshotLimit | null): string => `(() => {
  ${limit === null ? '' : `globalThis[Symbol.for('${SNAPSHOT_ROOM_KEY}')] = ${JSON.stringify(limit)};`}
  const watch = globalThis[Symbol.for('${WATCHDOG_KEY}')];
  if (watch) watch.seen = Date.now(); // leaktrace is still here (target-watchdog.ts)
  const m = process.memoryUsage();
  const v8 = require('v8');
  const spaces = {};
  for (const s of v8.getHeapSpaceStatistics()) spaces[s.space_name] = { used: s.space_used_size, size: s.space_size };
  const handles = typeof process.getActiveResourcesInfo === 'function' ? process.getActiveResourcesInfo().length : undefined;
  return JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, spaces, handles, heapLimit: v8.getHeapStatistics().heap_size_limit });
})()`;

export interface ProbeResult extends MemorySample {
  /** V8's heap size limit (--max-old-space-size), for the near-the-limit rule. */
  heapLimit: number;
}

/**
 * One point of the memory series: the target's process.memoryUsage(), each V8 heap space,
 * its active resources (handles, requests, timers), and its open descriptors from /proc.
 * No GC is forced here: the series shows memory as the program lives it.
 */
export async function probeMemory(
  session: InspectorSession,
  pid: number | null,
  exitSnapshotLimit: ExitSnapshotLimit | null = null,
): Promise<ProbeResult | null> {
  // The heap as the program has it, not with the console messages V8 keeps for our session.
  void discardConsoleMessages(session);
  // A target whose main context is gone (it is exiting, waiting for us to detach) never
  // answers Runtime.evaluate: give up after a while instead of waiting forever.
  let timer: NodeJS.Timeout | undefined;
  const reply = await Promise.race([
    session.post<{ result: { value?: string }; exceptionDetails?: { text: string } }>('Runtime.evaluate', {
      expression: probe(exitSnapshotLimit),
      includeCommandLineAPI: true,
      returnByValue: true,
      silent: true,
    }),
    new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 3000))),
  ]).finally(() => clearTimeout(timer));
  if (reply === null) return null;
  const value = reply.result.value;
  const parsed = value ? (JSON.parse(value) as Omit<ProbeResult, 't'>) : null;
  if (!parsed) throw new Error(`memory probe failed in the target: ${reply.exceptionDetails?.text ?? 'no value'}`);
  let fds: number | undefined;
  try {
    if (pid !== null) fds = readdirSync(`/proc/${pid}/fd`).length;
  } catch {}
  return { t: Date.now(), ...parsed, fds };
}
