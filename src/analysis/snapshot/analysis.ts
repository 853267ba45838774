import type { Progress } from '../../cli/output/progress.js';
import type { HeapSnapshot } from '../../model/snapshot/heap-snapshot.js';
import { type Attribution, attribute } from '../attribution.js';
import { computeDominators, type Dominators } from './dominators.js';
import { computeShortestPaths, type ShortestPaths } from './shortest-paths.js';

/**
 * The results of the expensive passes over one snapshot, computed on first use and kept
 * beside the snapshot (never written into it): dominators and retained sizes, shortest
 * retainer paths, and attributions of allocation stacks.
 */
export class SnapshotAnalysis {
  readonly snapshot: HeapSnapshot;
  private dom: Dominators | null = null;
  private sp: ShortestPaths | null = null;
  private readonly attributions = new Map<number, Attribution>();
  private owners: Map<number, number> | null = null;
  private readonly onProgress?: (p: Progress) => void;

  constructor(snapshot: HeapSnapshot, options: { onProgress?: (p: Progress) => void } = {}) {
    this.snapshot = snapshot;
    this.onProgress = options.onProgress;
  }

  get dominators(): Dominators {
    if (!this.dom) {
      this.onProgress?.({ phase: 'computing dominators', done: 0, total: 0 });
      this.dom = computeDominators(this.snapshot);
    }
    return this.dom;
  }

  get paths(): ShortestPaths {
    if (!this.sp) {
      this.onProgress?.({ phase: 'computing retainer paths', done: 0, total: 0 });
      this.sp = computeShortestPaths(this.snapshot);
    }
    return this.sp;
  }

  /**
   * The allocation stack id of a node, 0 when unknown. An ArrayBuffer's contents (a native
   * `system / JSArrayBufferData` node, outside the V8 heap) carry no stack of their own; they
   * take the stack of the ArrayBuffer that owns them through its `backing_store` edge, so
   * external memory is attributed to the code that allocated the buffer.
   */
  stackOf(ordinal: number): number {
    const traces = this.snapshot.traces;
    if (!traces) return 0;
    const own = traces.stackOf(ordinal);
    if (own !== 0) return own;
    const owner = this.backingStoreOwner(ordinal);
    return owner < 0 ? 0 : traces.stackOf(owner);
  }

  /** For an ArrayBuffer's contents node, the ArrayBuffer's ordinal; else -1. */
  backingStoreOwner(ordinal: number): number {
    if (!this.owners) this.owners = findBackingStoreOwners(this.snapshot);
    return this.owners.get(ordinal) ?? -1;
  }

  /** Attribution of a node's allocation stack (memoized per stack); null without traces. */
  attributionOf(ordinal: number): Attribution | null {
    const traces = this.snapshot.traces;
    if (!traces) return null;
    const stack = this.stackOf(ordinal);
    let a = this.attributions.get(stack);
    if (!a) {
      a = attribute(stack === 0 ? [] : traces.stacks.framesOf(stack));
      this.attributions.set(stack, a);
    }
    return a;
  }
}

/** Contents node → owning ArrayBuffer, from one pass over the edges named `backing_store`. */
function findBackingStoreOwners(s: HeapSnapshot): Map<number, number> {
  const owners = new Map<number, number>();
  let name = -1;
  for (let i = 0; i < s.strings.count && name < 0; i++)
    if (s.strings.byteLength(i) === 13 && s.strings.get(i) === 'backing_store') name = i;
  if (name < 0) return owners;
  const { edgeFieldCount, edgeNameOffset } = s.meta;
  const internal = s.edgeType.internal;
  for (let from = 0; from < s.nodeCount; from++) {
    for (let e = s.firstEdgeIndex[from]; e < s.firstEdgeIndex[from + 1]; e += edgeFieldCount) {
      if (s.edges[e + edgeNameOffset] === name && s.edgeTypeOf(e) === internal) owners.set(s.edgeTarget(e), from);
    }
  }
  return owners;
}
