import type { SnapshotAnalysis } from './analysis.js';
import { groupRetainedSizes, NO_GROUP } from './dominator-tree.js';

export interface DiffRow {
  className: string;
  newCount: number;
  deletedCount: number;
  countDelta: number;
  allocatedSize: number;
  freedSize: number;
  sizeDelta: number;
  /** Retained size, in the second snapshot, of the new objects of this class (counted once). */
  newRetainedSize: number;
}

export interface SnapshotDiff {
  before: string;
  after: string;
  newObjects: number;
  deletedObjects: number;
  survivingObjects: number;
  sizeDelta: number;
  /** Classes with any change, largest growth first. */
  rows: DiffRow[];
}

/**
 * Objects matched by V8 object id across two snapshots of the same process: new (only in the
 * second), deleted (only in the first) and surviving, per class — DevTools' Comparison view,
 * plus the retained size of what is new, which self sizes alone hide (a small new Map
 * holding a million entries). Unreachable nodes (uncollected garbage) are left out of both.
 */
export function diffSnapshots(before: SnapshotAnalysis, after: SnapshotAnalysis): SnapshotDiff {
  const a = before.snapshot;
  const b = after.snapshot;
  const rows = new Map<string, DiffRow>();
  const row = (className: string): DiffRow => {
    let r = rows.get(className);
    if (!r) {
      r = { className, newCount: 0, deletedCount: 0, countDelta: 0, allocatedSize: 0, freedSize: 0, sizeDelta: 0, newRetainedSize: 0 };
      rows.set(className, r);
    }
    return r;
  };
  const classIndex = new Map<string, number>();
  const classNames: string[] = [];
  const newGroup = new Uint32Array(b.nodeCount).fill(NO_GROUP);
  let newObjects = 0;
  let surviving = 0;
  let deleted = 0;
  const bReachable = after.dominators.reachable;
  for (let o = 1; o < b.nodeCount; o++) {
    if (!bReachable[o]) continue;
    if (a.ordinalOfId(b.id(o)) >= 0) {
      surviving++;
      continue;
    }
    newObjects++;
    const cls = b.className(o);
    const r = row(cls);
    r.newCount++;
    r.allocatedSize += b.selfSize(o);
    let g = classIndex.get(cls);
    if (g === undefined) {
      g = classNames.length;
      classNames.push(cls);
      classIndex.set(cls, g);
    }
    newGroup[o] = g;
  }
  const aReachable = before.dominators.reachable;
  for (let o = 1; o < a.nodeCount; o++) {
    if (!aReachable[o] || b.ordinalOfId(a.id(o)) >= 0) continue;
    deleted++;
    const r = row(a.className(o));
    r.deletedCount++;
    r.freedSize += a.selfSize(o);
  }
  const retained = groupRetainedSizes(after.dominators, newGroup, classNames.length);
  classNames.forEach((cls, g) => (row(cls).newRetainedSize = retained[g]));
  let sizeDelta = 0;
  for (const r of rows.values()) {
    r.countDelta = r.newCount - r.deletedCount;
    r.sizeDelta = r.allocatedSize - r.freedSize;
    sizeDelta += r.sizeDelta;
  }
  const sorted = [...rows.values()].sort((x, y) => y.sizeDelta - x.sizeDelta || y.newRetainedSize - x.newRetainedSize);
  return {
    before: a.file,
    after: b.file,
    newObjects,
    deletedObjects: deleted,
    survivingObjects: surviving,
    sizeDelta,
    rows: sorted,
  };
}
