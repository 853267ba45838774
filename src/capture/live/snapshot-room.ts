import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { formatBytes } from '../../cli/output/format.js';

/**
 * Whether a heap snapshot fits in the target's memory, and what one cost it.
 *
 * V8 builds a snapshot's whole graph in the program's own memory (C++ allocations, outside its
 * JavaScript heap) before it writes a byte, and the C library keeps most of what it frees
 * afterwards for reuse: the program's RSS rises and stays there. Measured on Node 20 (peak RSS
 * added by one snapshot, against the heap used): a koa service with a 10 MB heap +55 MB (5.5×,
 * ~55 MB still there a minute later); objects with closures 15 MB → +237 MB (16×), 134 MB →
 * +2.2 GB, 402 MB → +6.4 GB; strings 132 MB → +1.3 GB (10×); small arrays 23 MB → +481 MB (21×);
 * an empty program +29 MB. Per node of the snapshot it is steadier, 335–750 B (the koa heap:
 * 120k nodes; the closures: 339k), but the node count is not known before a snapshot. So a snapshot of a 1 GB service can need tens of GB: in a container
 * with a memory limit, the kernel's OOM killer would end the very program we were asked to
 * watch. leaktrace takes no snapshot whose estimated cost exceeds what is free — in the target's
 * cgroup and on the machine — or, when given, the user's `--max-snapshot-memory`, and says so.
 */

/** Estimated snapshot cost per byte of heap used: the worst ratio measured above, rounded up. */
export const SNAPSHOT_COST_PER_HEAP_BYTE = 20;
/** The least it cost per byte of heap used (the koa service): below this, no count can help. */
export const SNAPSHOT_LEAST_COST_PER_HEAP_BYTE = 5;
/** What a snapshot of a nearly empty heap added (the generator's own tables). */
export const SNAPSHOT_COST_BASE = 32 * 1024 * 1024;
/** Estimated cost per object of the heap, when they are counted: the worst measured, rounded up. */
export const SNAPSHOT_COST_PER_OBJECT = 1024;

/** The estimate from the heap's size, or, steadier, from its count of objects when known. */
export function estimateSnapshotCost(heapUsed: number, objects?: number): number {
  // (Per object, the base is included: the empty program's 29 MB was ~750 B for each of its 39k.)
  return objects !== undefined ? SNAPSHOT_COST_PER_OBJECT * objects : SNAPSHOT_COST_BASE + SNAPSHOT_COST_PER_HEAP_BYTE * heapUsed;
}

export interface MemoryRoom {
  /** Bytes the target may still take before it meets a limit. */
  bytes: number;
  /** Which limit that is, in words: "its cgroup (limit 512 MB)" or "the machine". */
  where: string;
}

/** Where /proc and the cgroup mounts are (tests point these at a folder of their own). */
export interface SystemRoots {
  proc: string;
  cgroup: string;
}
const SYSTEM: SystemRoots = { proc: '/proc', cgroup: '/sys/fs/cgroup' };

/**
 * How much memory the process `pid` can still take: the least of what the machine has
 * available (MemAvailable) and, for each cgroup on its path up to the root that sets a memory
 * limit, the limit minus what the group uses (page cache that can be dropped not counted, as
 * `docker stats` does). Null when none of it can be read.
 */
export function readMemoryRoom(pid: number, roots: SystemRoots = SYSTEM): MemoryRoom | null {
  const rooms: MemoryRoom[] = [];
  const available = /^MemAvailable:\s+(\d+) kB/m.exec(readText(`${roots.proc}/meminfo`) ?? '');
  if (available) rooms.push({ bytes: Number(available[1]) * 1024, where: 'the machine' });
  for (const group of cgroupPaths(readText(`${roots.proc}/${pid}/cgroup`) ?? '')) {
    for (let dir = group.path; ; dir = posix.dirname(dir)) {
      const room = group.v2
        ? cgroupV2Room(`${roots.cgroup}${dir === '/' ? '' : dir}`)
        : cgroupV1Room(`${roots.cgroup}/memory${dir === '/' ? '' : dir}`);
      if (room) rooms.push(room);
      if (dir === '/') break;
    }
  }
  if (rooms.length === 0) return null;
  return rooms.reduce((least, r) => (r.bytes < least.bytes ? r : least));
}

/** The memory cgroup of a /proc/PID/cgroup: v1's `N:memory:/path` line, else v2's `0::/path`. */
function cgroupPaths(text: string): { path: string; v2: boolean }[] {
  const out: { path: string; v2: boolean }[] = [];
  for (const line of text.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(\/.*)$/.exec(line.trim()) ?? [];
    if (path === undefined) continue;
    if (controllers === '') out.push({ path, v2: true });
    else if (controllers!.split(',').includes('memory')) out.push({ path, v2: false });
  }
  // A v1 memory controller, when there is one, is the one that limits (v2 then has none).
  const v1 = out.filter((g) => !g.v2);
  return v1.length > 0 ? v1 : out;
}

function cgroupV2Room(dir: string): MemoryRoom | null {
  const max = readText(`${dir}/memory.max`)?.trim();
  const current = Number(readText(`${dir}/memory.current`));
  if (max === undefined || max === 'max' || !Number.isFinite(Number(max)) || !Number.isFinite(current)) return null;
  const reclaimable = statField(readText(`${dir}/memory.stat`), 'inactive_file');
  return { bytes: Math.max(0, Number(max) - (current - reclaimable)), where: `its cgroup (limit ${formatBytes(Number(max))})` };
}

function cgroupV1Room(dir: string): MemoryRoom | null {
  const limit = Number(readText(`${dir}/memory.limit_in_bytes`));
  const usage = Number(readText(`${dir}/memory.usage_in_bytes`));
  // "No limit" is the largest page-aligned int64, or near it.
  if (!Number.isFinite(limit) || !Number.isFinite(usage) || limit >= 2 ** 62) return null;
  const reclaimable = statField(readText(`${dir}/memory.stat`), 'total_inactive_file');
  return { bytes: Math.max(0, limit - (usage - reclaimable)), where: `its cgroup (limit ${formatBytes(limit)})` };
}

function statField(text: string | undefined, name: string): number {
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text ?? '');
  return m ? Number(m[1]) : 0;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The resident set of `pid` from /proc (bytes), or null. */
export function readRss(pid: number, roots: SystemRoots = SYSTEM): number | null {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readText(`${roots.proc}/${pid}/status`) ?? '');
  return m ? Number(m[1]) * 1024 : null;
}

export interface SnapshotRoomVerdict {
  fits: boolean;
  /**
   * Judged by the heap's size, it does not fit, but it might by the count of its objects (the
   * least ratio measured would fit): worth counting them (the holders window does, from the
   * allocation tracker it starts anyway).
   */
  mightFit: boolean;
  estimate: number;
  /** The heap's objects, when the estimate was made from their count. */
  objects?: number;
  /** The tightest limit that applied (the user's cap or what is free), or null if none is known. */
  room: MemoryRoom | null;
}

/**
 * Whether a snapshot of a heap of `heapUsed` bytes fits in the room for it (snapshotRoomFor).
 * A target elsewhere, with no cap: nothing to go by, the snapshot is taken.
 */
export function judgeSnapshotRoom(
  heapUsed: number,
  pid: number | null,
  cap: number | null,
  options: { objects?: number; roots?: SystemRoots } = {},
): SnapshotRoomVerdict {
  const estimate = estimateSnapshotCost(heapUsed, options.objects);
  const room = snapshotRoomFor(pid, cap, options.roots);
  const fits = room === null || estimate <= room.bytes;
  const mightFit =
    !fits && options.objects === undefined && SNAPSHOT_COST_BASE + SNAPSHOT_LEAST_COST_PER_HEAP_BYTE * heapUsed <= room!.bytes;
  return { fits, mightFit, estimate, room, ...(options.objects !== undefined ? { objects: options.objects } : {}) };
}

/** Why a snapshot was not taken, in words, for the notes and the leaks' evidence. */
export function describeSkippedSnapshot(what: string, heapUsed: number, verdict: SnapshotRoomVerdict): string {
  const room = verdict.room!;
  const limit =
    room.where === '--max-snapshot-memory'
      ? `more than --max-snapshot-memory allows (${formatBytes(room.bytes)})`
      : `and ${room.where} has ${formatBytes(room.bytes)} free`;
  return (
    `no ${what}: a heap snapshot of the target's ${formatBytes(heapUsed)} heap` +
    (verdict.objects !== undefined ? ` (${verdict.objects} objects)` : '') +
    ` could need ~${formatBytes(verdict.estimate)} of its memory (V8 builds the whole graph in the program's memory; ` +
    (verdict.objects !== undefined ? 'up to ~750 B per object measured' : `up to ${SNAPSHOT_COST_PER_HEAP_BYTE}× the heap measured`) +
    `), ${limit}, ` +
    `so it was not taken rather than risk the program being killed for want of memory` +
    (room.where === '--max-snapshot-memory' ? '' : '; --max-snapshot-memory SIZE sets the limit instead')
  );
}

/**
 * The room a snapshot of `pid` may take: the user's cap when given (the user knows better:
 * swap, a limit about to be raised, an estimate too cautious for this heap), else what is free
 * for it when it runs on this machine; null when nothing is known.
 */
export function snapshotRoomFor(pid: number | null, cap: number | null, roots: SystemRoots = SYSTEM): MemoryRoom | null {
  if (cap !== null) return { bytes: cap, where: '--max-snapshot-memory' };
  return pid === null ? null : readMemoryRoom(pid, roots);
}

/**
 * The largest heap whose snapshot fits in `room` by its size (the inverse of
 * estimateSnapshotCost), for the program that checks it itself before its at-exit snapshot
 * (preload.cts), so that the estimate is written once, here.
 */
export function largestHeapThatFits(room: MemoryRoom): number {
  return Math.max(0, Math.floor((room.bytes - SNAPSHOT_COST_BASE) / SNAPSHOT_COST_PER_HEAP_BYTE));
}
