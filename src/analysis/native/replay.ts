import {
  type AllocKind,
  NativeLog,
  type NativeLogEnd,
  type NativeLogHeader,
  NO_STACK,
  OP_FREE,
  OP_UNMAP,
} from '../../model/native/event-log.js';
import { ModuleHistory, ModuleMap } from '../../model/native/module-map.js';
import { BlockIndex } from './block-index.js';
import { type StackSeries, StackSeriesRecorder } from './stack-series.js';

/**
 * Replays one process's native event log from start to end, the way the allocator saw it,
 * and keeps what the views need: the blocks and descriptors still live at the end, totals
 * per stack (allocated, freed, live, peak, temporary), the memory time series, and on
 * request the per-stack totals at chosen instants (diff) and the history of one address
 * (show). One pass, flat typed arrays, no per-event objects.
 *
 * Words: a *block* is one allocation (malloc'd memory or a tracked anonymous mapping); a
 * *stack* is the tracker's 32-bit stack id, unique per distinct list of return addresses.
 * Times are microseconds since the log began.
 */
export interface ReplayOptions {
  /**
   * Instants at which to keep per-stack live totals, for diffs: µs since the start (the state
   * after every event stamped before it), or 'exit' (the state when the program reached exit,
   * before later destructors ran). Returned in the same order.
   */
  marks?: readonly (number | 'exit')[];
  /** Keep the history of the block(s) that contained this address. */
  watch?: number;
  /** Keep per-stack live bytes at each series point (for growth judgement). */
  seriesByStack?: boolean;
}

export interface StackTotals {
  allocCount: Float64Array;
  allocBytes: Float64Array;
  freeCount: Float64Array;
  liveCount: Float64Array;
  liveBytes: Float64Array;
  peakBytes: Float64Array;
  /** Allocations freed by the same thread before it allocated anything else. */
  tempCount: Float64Array;
  fdOpened: Float64Array;
  fdLive: Float64Array;
}

export interface LiveBlocks {
  count: number;
  addr: Float64Array;
  size: Float64Array;
  stack: Uint32Array;
  kind: Uint8Array;
  /** When it was allocated (µs). */
  us: Float64Array;
  /** Its position in the log (record number), for ordering. */
  seq: Float64Array;
}

export interface LiveFd {
  fd: number;
  kind: number;
  stack: number;
  path: string;
  us: number;
}

export interface SeriesPoint {
  /** The point's number (points dropped when the series is thinned keep theirs). */
  id: number;
  us: number;
  liveBytes: number;
  liveBlocks: number;
  fds: number;
}

export interface Mark {
  us: number;
  liveBytes: number;
  liveBlocks: number;
  bytesByStack: Float64Array;
  countByStack: Float64Array;
}

export interface WatchedBlock {
  addr: number;
  size: number;
  stack: number;
  kind: AllocKind;
  allocUs: number;
  /** null while still live at the end. */
  freeUs: number | null;
}

export interface NativeReplay {
  file: string;
  header: NativeLogHeader;
  exe: string | null;
  modules: ModuleHistory;
  end: NativeLogEnd;
  notes: string[];
  /** Allocations the tracker served untracked while starting (before it could record). */
  untracked: { count: number; bytes: number };
  /** When the program reached exit (µs), or null when the log stops before that. */
  exitUs: number | null;
  lastUs: number;
  stackCount: number;
  stackIps(id: number): Float64Array;
  stackTruncated(id: number): boolean;
  /** Which module map was current when the stack was recorded (see ModuleHistory.find). */
  stackGeneration(id: number): number;
  perStack: StackTotals;
  totals: {
    allocations: number;
    allocatedBytes: number;
    frees: number;
    /** Frees of addresses never seen allocated: blocks from before tracking, or inherited at fork. */
    unknownFrees: number;
    liveBlocks: number;
    liveBytes: number;
    peakBytes: number;
    peakUs: number;
    temporary: number;
    mmapLiveBytes: number;
    fdsOpened: number;
    fdsClosed: number;
    fdsLive: number;
  };
  blocks: LiveBlocks;
  fds: LiveFd[];
  series: SeriesPoint[];
  /** Per-stack live bytes at each series point, when asked for. */
  seriesByStack: StackSeries | null;
  /** Per-stack open descriptors at each series point, when asked for. */
  fdSeriesByStack: StackSeries | null;
  marks: Mark[];
  watched: WatchedBlock[];
}

const SERIES_TARGET = 48;

function grown(a: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Float64Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

export function replayLog(log: NativeLog, options: ReplayOptions = {}): NativeReplay {
  const modules = new ModuleHistory();
  const notes: string[] = [];
  let exe: string | null = null;
  const untracked = { count: 0, bytes: 0 };
  let exitUs: number | null = null;
  let now = 0;
  let seq = 0;

  // Stacks.
  let ipPool = new Float64Array(1 << 16);
  let ipUsed = 0;
  let stackFirst = new Float64Array(1024);
  let stackDepth = new Float64Array(1024);
  let stackGen = new Float64Array(1024);
  let stackTrunc = new Float64Array(1024);
  let stackCount = 0;

  // Per-stack totals, grown with the stack count.
  let cap = 1024;
  const per = {
    allocCount: new Float64Array(cap),
    allocBytes: new Float64Array(cap),
    freeCount: new Float64Array(cap),
    liveCount: new Float64Array(cap),
    liveBytes: new Float64Array(cap),
    peakBytes: new Float64Array(cap),
    tempCount: new Float64Array(cap),
    fdOpened: new Float64Array(cap),
    fdLive: new Float64Array(cap),
  };
  const ensureStack = (id: number): void => {
    if (id < cap) return;
    cap = Math.max(id + 1, cap * 2);
    for (const k of Object.keys(per) as (keyof typeof per)[]) per[k] = grown(per[k], cap);
  };

  // Blocks: rows reused through a free list.
  let rows = 1 << 14;
  let bAddr = new Float64Array(rows);
  let bSize = new Float64Array(rows);
  let bStack = new Uint32Array(rows);
  let bKind = new Uint8Array(rows);
  let bUs = new Float64Array(rows);
  let bSeq = new Float64Array(rows);
  let freeRows: number[] = [];
  let rowCount = 0;
  const index = new BlockIndex();
  const mmapRows = new Set<number>();
  const newRow = (): number => {
    const r = freeRows.pop();
    if (r !== undefined) return r;
    if (rowCount === rows) {
      rows *= 2;
      const g = <T extends Float64Array | Uint32Array | Uint8Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(rows);
        b.set(a);
        return b;
      };
      bAddr = g(bAddr);
      bSize = g(bSize);
      bStack = g(bStack);
      bKind = g(bKind);
      bUs = g(bUs);
      bSeq = g(bSeq);
    }
    return rowCount++;
  };

  const totals = {
    allocations: 0,
    allocatedBytes: 0,
    frees: 0,
    unknownFrees: 0,
    liveBlocks: 0,
    liveBytes: 0,
    peakBytes: 0,
    peakUs: 0,
    temporary: 0,
    mmapLiveBytes: 0,
    fdsOpened: 0,
    fdsClosed: 0,
    fdsLive: 0,
  };

  // Temporary allocations: per thread, the last block allocated, until that thread allocates again.
  let tid = 0;
  let lastAlloc = -1; // of the current thread
  const lastAllocByThread = new Map<number, number>(); // of the others

  const fds = new Map<number, LiveFd>();

  // Watching one address (show).
  const watch = options.watch;
  const watched: WatchedBlock[] = [];
  const watchedOpen = new Map<number, WatchedBlock>(); // row → record

  // Series with a doubling interval, thinned to stay near SERIES_TARGET points.
  const series: SeriesPoint[] = [];
  const byStack = options.seriesByStack ? new StackSeriesRecorder() : null;
  const fdByStack = options.seriesByStack ? new StackSeriesRecorder() : null;
  let interval = 10_000;
  let nextSample = 0;
  let pointId = 0;
  const sample = (us: number): void => {
    const id = pointId++;
    series.push({ id, us, liveBytes: totals.liveBytes, liveBlocks: totals.liveBlocks, fds: totals.fdsLive });
    byStack?.record(id, per.liveBytes, stackCount);
    fdByStack?.record(id, per.fdLive, stackCount);
    if (series.length >= SERIES_TARGET * 2) {
      const thinned = series.filter((_, i) => i % 2 === 0);
      series.length = 0;
      series.push(...thinned);
      interval *= 2;
    }
    nextSample = us + interval;
  };

  const wantedMarks = options.marks ?? [];
  const marks: (Mark | undefined)[] = wantedMarks.map(() => undefined);
  const snapshot = (us: number): Mark => ({
    us,
    liveBytes: totals.liveBytes,
    liveBlocks: totals.liveBlocks,
    bytesByStack: per.liveBytes.slice(0, stackCount),
    countByStack: per.liveCount.slice(0, stackCount),
  });
  // Takes the marks due when time reaches `us` (numbers ≤ us), or at exit.
  const takeMarks = (us: number, atExit = false): void => {
    wantedMarks.forEach((m, i) => {
      if (marks[i] !== undefined) return;
      if (m === 'exit' ? atExit : m <= us) marks[i] = snapshot(m === 'exit' ? us : m);
    });
  };

  const addBlock = (kind: AllocKind, stack: number, addr: number, size: number): void => {
    const s = stack === NO_STACK ? -1 : stack;
    const r = newRow();
    const old = index.set(addr, r);
    if (old >= 0) releaseRow(old); // a free we never saw (raw syscall, or another allocator)
    bAddr[r] = addr;
    bSize[r] = size;
    bStack[r] = stack;
    bKind[r] = kind;
    bUs[r] = now;
    bSeq[r] = seq;
    if (kind === 5) {
      mmapRows.add(r);
      totals.mmapLiveBytes += size;
    }
    totals.allocations++;
    totals.allocatedBytes += size;
    totals.liveBlocks++;
    totals.liveBytes += size;
    if (totals.liveBytes > totals.peakBytes) {
      totals.peakBytes = totals.liveBytes;
      totals.peakUs = now;
    }
    if (s >= 0) {
      if (s >= cap) ensureStack(s);
      per.allocCount[s]++;
      per.allocBytes[s] += size;
      per.liveCount[s]++;
      const live = (per.liveBytes[s] += size);
      if (live > per.peakBytes[s]) per.peakBytes[s] = live;
    }
    lastAlloc = addr;
    if (watch !== undefined && watch >= addr && watch < addr + Math.max(size, 1)) {
      const w: WatchedBlock = { addr, size, stack, kind, allocUs: now, freeUs: null };
      watched.push(w);
      watchedOpen.set(r, w);
    }
  };

  const removeRow = (r: number, addr: number): void => {
    index.delete(addr);
    releaseRow(r);
  };

  /** Accounts for a block that is gone (its index entry already removed or replaced). */
  const releaseRow = (r: number): void => {
    const size = bSize[r];
    const s = bStack[r];
    totals.liveBlocks--;
    totals.liveBytes -= size;
    if (bKind[r] === 5) {
      mmapRows.delete(r);
      totals.mmapLiveBytes -= size;
    }
    if (s !== NO_STACK) {
      per.freeCount[s]++;
      per.liveCount[s]--;
      per.liveBytes[s] -= size;
    }
    const w = watchedOpen.get(r);
    if (w) {
      w.freeUs = now;
      watchedOpen.delete(r);
    }
    freeRows.push(r);
  };

  const freeAddr = (addr: number): void => {
    const r = index.delete(addr);
    if (r < 0) {
      totals.unknownFrees++;
      return;
    }
    totals.frees++;
    if (lastAlloc === addr) {
      totals.temporary++;
      if (bStack[r] !== NO_STACK) per.tempCount[bStack[r]]++;
      lastAlloc = -1;
    }
    releaseRow(r);
  };

  // munmap may cover several tracked mappings, or part of one.
  const unmapRange = (addr: number, size: number): void => {
    const end = addr + size;
    for (const r of [...mmapRows]) {
      const a = bAddr[r];
      const e = a + bSize[r];
      if (e <= addr || a >= end) continue;
      if (addr <= a && end >= e) {
        totals.frees++;
        removeRow(r, a);
        continue;
      }
      // Partial: the block keeps what is left of it (one piece, its lowest part first).
      const keepLow = addr > a ? addr - a : 0;
      const keepHigh = end < e ? e - end : 0;
      const removed = bSize[r] - keepLow - keepHigh;
      bSize[r] -= removed;
      totals.liveBytes -= removed;
      totals.mmapLiveBytes -= removed;
      const s = bStack[r];
      if (s !== NO_STACK) per.liveBytes[s] -= removed;
      if (keepLow === 0) {
        index.delete(a);
        bAddr[r] = end;
        index.set(end, r);
      }
    }
  };

  takeMarks(0);
  const end = log.read({
    batch(e) {
      const { op, addr, size, stack } = e;
      for (let i = 0; i < e.count; i++) {
        seq++;
        const o = op[i];
        if (o === OP_FREE) freeAddr(addr[i]);
        else if (o === OP_UNMAP) unmapRange(addr[i], size[i]);
        else addBlock(o as AllocKind, stack[i], addr[i], size[i]);
      }
    },
    stack(id, ips, truncated) {
      if (id >= stackFirst.length) {
        const n = Math.max(id + 1, stackFirst.length * 2);
        stackFirst = grown(stackFirst, n);
        stackDepth = grown(stackDepth, n);
        stackGen = grown(stackGen, n);
        stackTrunc = grown(stackTrunc, n);
      }
      ipPool = grown(ipPool, ipUsed + ips.length);
      stackFirst[id] = ipUsed;
      stackDepth[id] = ips.length;
      stackGen[id] = modules.generation;
      stackTrunc[id] = truncated ? 1 : 0;
      for (const ip of ips) ipPool[ipUsed++] = ip;
      if (id + 1 > stackCount) stackCount = id + 1;
      ensureStack(id);
    },
    remap(oldAddr, oldSize, addr, size, stack) {
      seq++;
      const r = index.get(oldAddr);
      if (r < 0 || bKind[r] !== 5) {
        unmapRange(oldAddr, oldSize);
        return;
      }
      totals.frees++;
      removeRow(r, oldAddr);
      addBlock(5, stack, addr, size);
    },
    fdOpen(kind, stack, fd, path) {
      seq++;
      const old = fds.get(fd);
      if (old) closeFd(old);
      fds.set(fd, { fd, kind, stack, path, us: now });
      totals.fdsOpened++;
      totals.fdsLive++;
      if (stack !== NO_STACK) {
        ensureStack(stack);
        per.fdOpened[stack]++;
        per.fdLive[stack]++;
      }
    },
    fdClose(fd) {
      seq++;
      const f = fds.get(fd);
      if (f) closeFd(f);
    },
    fdCloseRange(first, last) {
      seq++;
      for (const f of [...fds.values()]) if (f.fd >= first && f.fd <= last) closeFd(f);
    },
    time(us) {
      takeMarks(us);
      now = us;
      if (us >= nextSample) sample(us);
    },
    thread(t) {
      if (t === tid) return;
      lastAllocByThread.set(tid, lastAlloc);
      lastAlloc = lastAllocByThread.get(t) ?? -1;
      tid = t;
    },
    maps(text) {
      modules.add(ModuleMap.parse(text));
    },
    exit(us) {
      exitUs = us;
      takeMarks(us, true);
      if (us > now) now = us;
    },
    note(text) {
      notes.push(text);
    },
    exe(path) {
      exe = path;
    },
    untracked(count, bytes) {
      untracked.count = count;
      untracked.bytes = bytes;
    },
  });

  function closeFd(f: LiveFd): void {
    fds.delete(f.fd);
    totals.fdsClosed++;
    totals.fdsLive--;
    if (f.stack !== NO_STACK) per.fdLive[f.stack]--;
  }

  takeMarks(Number.POSITIVE_INFINITY, true);
  if (series.length === 0 || series[series.length - 1].us < now) sample(now);

  // The blocks still live, in allocation order.
  const live: number[] = [];
  index.forEach((_, r) => live.push(r));
  live.sort((a, b) => bSeq[a] - bSeq[b]);
  const blocks: LiveBlocks = {
    count: live.length,
    addr: Float64Array.from(live, (r) => bAddr[r]),
    size: Float64Array.from(live, (r) => bSize[r]),
    stack: Uint32Array.from(live, (r) => bStack[r]),
    kind: Uint8Array.from(live, (r) => bKind[r]),
    us: Float64Array.from(live, (r) => bUs[r]),
    seq: Float64Array.from(live, (r) => bSeq[r]),
  };
  freeRows = [];

  const perStack: StackTotals = {
    allocCount: per.allocCount.slice(0, stackCount),
    allocBytes: per.allocBytes.slice(0, stackCount),
    freeCount: per.freeCount.slice(0, stackCount),
    liveCount: per.liveCount.slice(0, stackCount),
    liveBytes: per.liveBytes.slice(0, stackCount),
    peakBytes: per.peakBytes.slice(0, stackCount),
    tempCount: per.tempCount.slice(0, stackCount),
    fdOpened: per.fdOpened.slice(0, stackCount),
    fdLive: per.fdLive.slice(0, stackCount),
  };
  const pool = ipPool;
  return {
    file: log.file,
    header: log.header,
    exe,
    modules,
    end,
    notes,
    untracked,
    exitUs,
    lastUs: now,
    stackCount,
    stackIps: (id) => pool.subarray(stackFirst[id], stackFirst[id] + stackDepth[id]),
    stackTruncated: (id) => stackTrunc[id] === 1,
    stackGeneration: (id) => stackGen[id],
    perStack,
    totals,
    blocks,
    fds: [...fds.values()].sort((a, b) => a.us - b.us || a.fd - b.fd),
    series,
    seriesByStack: byStack?.finish(stackCount) ?? null,
    fdSeriesByStack: fdByStack?.finish(stackCount) ?? null,
    marks: marks as Mark[],
    watched,
  };
}

export { NativeLog };
