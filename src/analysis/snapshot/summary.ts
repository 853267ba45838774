import type { SnapshotAnalysis } from './analysis.js';
import { type StatRow, statBy } from './stat.js';

export interface SnapshotSummary {
  file: string;
  fileSize: number;
  nodeCount: number;
  edgeCount: number;
  stringCount: number;
  /** Sum of every node's self size. */
  totalSize: number;
  /** Self sizes by node type, largest first. */
  byType: { type: string; count: number; size: number; share: number }[];
  /** Where the bytes live: the V8 heap, or outside it (native nodes). */
  memory: {
    /** Objects on the V8 heap (every node that is not `native`). */
    jsHeap: number;
    /** ArrayBuffer/Buffer contents (native `system / JSArrayBufferData` nodes): external memory. */
    arrayBufferBackingStores: number;
    /** Other native nodes (embedder objects V8 was told about). */
    otherNative: number;
    /** Compiled code, part of jsHeap. */
    code: number;
    /** Strings of all kinds, part of jsHeap. */
    strings: number;
  };
  /** Garbage V8 had not collected: reachable only through weak edges, or not at all. */
  unreachable: { count: number; size: number };
  topConstructors: StatRow[];
  allocationTraces: { present: boolean; stacks: number; objectsWithStack: number };
}

const BACKING_STORE = 'system / JSArrayBufferData';

/** `!heap -s` + `!eeheap` for a V8 snapshot. */
export function summarize(a: SnapshotAnalysis, options: { top?: number } = {}): SnapshotSummary {
  const s = a.snapshot;
  const typeCount = s.meta.nodeTypes.length;
  const countByType = new Float64Array(typeCount);
  const sizeByType = new Float64Array(typeCount);
  let totalSize = 0;
  let backingStores = 0;
  let objectsWithStack = 0;
  const nt = s.nodeType;
  for (let o = 0; o < s.nodeCount; o++) {
    const t = s.typeOf(o);
    const size = s.selfSize(o);
    countByType[t]++;
    sizeByType[t] += size;
    totalSize += size;
    if (t === nt.native && size > 0 && s.name(o) === BACKING_STORE) backingStores += size;
    if (s.traces && s.traces.stackOf(o) !== 0) objectsWithStack++;
  }
  const sizeOf = (t: number): number => (t >= 0 ? sizeByType[t] : 0);
  const native = sizeOf(nt.native);
  const byType = s.meta.nodeTypes
    .map((type, t) => ({ type, count: countByType[t], size: sizeByType[t], share: totalSize > 0 ? sizeByType[t] / totalSize : 0 }))
    .filter((r) => r.count > 0)
    .sort((x, y) => y.size - x.size);
  const dom = a.dominators;
  return {
    file: s.file,
    fileSize: s.byteLength,
    nodeCount: s.nodeCount,
    edgeCount: s.edgeCount,
    stringCount: s.strings.count,
    totalSize,
    byType,
    memory: {
      jsHeap: totalSize - native,
      arrayBufferBackingStores: backingStores,
      otherNative: native - backingStores,
      code: sizeOf(nt.code),
      strings: sizeOf(nt.string) + sizeOf(nt['concatenated string']) + sizeOf(nt['sliced string']),
    },
    unreachable: { count: dom.unreachableCount, size: dom.unreachableSize },
    topConstructors: statBy(a, 'constructor', { top: options.top ?? 15 }).rows,
    allocationTraces: { present: s.traces !== null, stacks: s.traces?.stacks.size ?? 0, objectsWithStack },
  };
}
