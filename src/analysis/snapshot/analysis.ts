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

  /** Attribution of a node's allocation stack (memoized per stack); null without traces. */
  attributionOf(ordinal: number): Attribution | null {
    const traces = this.snapshot.traces;
    if (!traces) return null;
    const stack = traces.stackOf(ordinal);
    let a = this.attributions.get(stack);
    if (!a) {
      a = attribute(stack === 0 ? [] : traces.stacks.framesOf(stack));
      this.attributions.set(stack, a);
    }
    return a;
  }
}
