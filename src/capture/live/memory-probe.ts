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

/** Where the probe function lives in the target (a Symbol.for key), installed once per session. */
export const MEMORY_PROBE_KEY = 'leaktrace.memoryProbe';
const PROBE_FN = `globalThis[Symbol.for('${MEMORY_PROBE_KEY}')]`;

/**
 * The probe, installed in the target once: its own view of its memory, as one JSON string;
 * given a limit, it also leaves that where the at-exit snapshot looks. Installed rather than
 * sent whole each time because each Runtime.evaluate compiles its source in the target (and,
 * under protocol-channel.ts, a direct eval of it): sent whole every second, the probe cost the
 * bench's idle server ~1.4 ms of CPU a call, installed ~0.6 ms (measured 2026-12-06, 300 calls).
 * `require` is the command-line API's, there at the install only: captured then.
 */
const INSTALL = `(() => {
  const v8 = require('v8');
  ${PROBE_FN} = (limit) => {
    if (limit !== undefined) globalThis[Symbol.for('${SNAPSHOT_ROOM_KEY}')] = limit;
    const watch = globalThis[Symbol.for('${WATCHDOG_KEY}')];
    if (watch) watch.seen = Date.now(); // leaktrace is still here (target-watchdog.ts)
    const m = process.memoryUsage();
    const spaces = {};
    for (const s of v8.getHeapSpaceStatistics()) spaces[s.space_name] = { used: s.space_used_size, size: s.space_size };
    const handles = typeof process.getActiveResourcesInfo === 'function' ? process.getActiveResourcesInfo().length : undefined;
    return JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, spaces, handles, heapLimit: v8.getHeapStatistics().heap_size_limit });
  };
  return true;
})()`;

/**
 * A series point at most this often also discards the console messages V8 keeps for our
 * session (console-messages.ts): each discard is one more round trip (~0.3 ms of the target's
 * CPU, ~0.5 ms of ours, 300 calls). Sent right behind the discard, the probe's reply came
 * ~43 ms after (300 calls; ~1 ms for one message alone) — the length of Linux's
 * delayed ACK, so most likely Nagle's algorithm on the inspector's socket holding back the
 * second reply; we did not check the socket's options. Measurements and snapshots discard
 * before each, whatever this says; between two series discards the heap may hold the
 * arguments of a few seconds of the program's console calls (at most V8's 1,000 messages).
 */
const CONSOLE_DISCARD_EVERY_MS = 5000;

export interface ProbeResult extends MemorySample {
  /** V8's heap size limit (--max-old-space-size), for the near-the-limit rule. */
  heapLimit: number;
}

/**
 * One point of the memory series: the target's process.memoryUsage(), each V8 heap space,
 * its active resources (handles, requests, timers), and its open descriptors from /proc.
 * No GC is forced here: the series shows memory as the program lives it. One per session.
 */
export class MemoryProbe {
  private installed = false;
  private lastDiscard = -Infinity;

  constructor(
    private readonly session: InspectorSession,
    private readonly pid: number | null,
  ) {}

  /**
   * A point of the series, or null when the target did not answer within 3 s: a target whose
   * main context is gone (it is exiting, waiting for us to detach) never answers
   * Runtime.evaluate, and one blocked in native code answers nothing, the discard included.
   */
  async read(exitSnapshotLimit: ExitSnapshotLimit | null = null): Promise<ProbeResult | null> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      this.readNow(exitSnapshotLimit),
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 3000))),
    ]).finally(() => clearTimeout(timer));
  }

  private async readNow(exitSnapshotLimit: ExitSnapshotLimit | null): Promise<ProbeResult> {
    // The heap as the program has it, not with the console messages V8 keeps for our session;
    // awaited, never sent together with the probe (see CONSOLE_DISCARD_EVERY_MS).
    if (Date.now() - this.lastDiscard >= CONSOLE_DISCARD_EVERY_MS) {
      this.lastDiscard = Date.now();
      await discardConsoleMessages(this.session);
    }
    let reply = await this.call(exitSnapshotLimit);
    // Not there: the first call, or the program replaced it (installed again once).
    if (reply.result.value === undefined && !reply.exceptionDetails) {
      this.installed = false;
      reply = await this.call(exitSnapshotLimit);
    }
    const value = reply.result.value;
    const parsed = value ? (JSON.parse(value) as Omit<ProbeResult, 't'>) : null;
    if (!parsed) throw new Error(`memory probe failed in the target: ${reply.exceptionDetails?.text ?? 'no value'}`);
    let fds: number | undefined;
    try {
      if (this.pid !== null) fds = readdirSync(`/proc/${this.pid}/fd`).length;
    } catch {}
    return { t: Date.now(), ...parsed, fds };
  }

  private call(limit: ExitSnapshotLimit | null): Promise<EvaluateReply> {
    const install = !this.installed;
    this.installed = true;
    const args = limit === null ? '' : JSON.stringify(limit);
    return this.session.post<EvaluateReply>('Runtime.evaluate', {
      expression: install ? `${INSTALL} && ${PROBE_FN}(${args})` : `${PROBE_FN}?.(${args})`,
      // `require` for the install only (INSTALL).
      includeCommandLineAPI: install,
      returnByValue: true,
      silent: true,
    });
  }
}

type EvaluateReply = { result: { value?: string }; exceptionDetails?: { text: string } };

/** Takes the probe out of the target (at a detach: nothing of leaktrace's is left there). */
export async function removeMemoryProbe(session: InspectorSession): Promise<void> {
  await session.post('Runtime.evaluate', { expression: `void delete ${PROBE_FN}`, silent: true }).catch(() => undefined);
}
