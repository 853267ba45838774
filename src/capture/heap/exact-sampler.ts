import type { Progress } from '../../cli/output/progress.js';
import { SnapshotAnalysis } from '../../analysis/snapshot/analysis.js';
import type { StackTable } from '../../model/stack-table.js';
import type { InspectorSession } from '../inspector/session.js';
import { addTo, type SiteCounts } from './site-counts.js';
import { streamSnapshot } from './snapshot-stream.js';

/**
 * Exact per-site counts: allocation tracking on (every object records the stack that
 * allocated it), and at each measurement a heap snapshot after a full GC, counted by
 * allocation stack. No sampling noise; costs a snapshot per measurement (fine for the small
 * heaps of a test, too slow for a multi-GB server — use sampling there).
 */
export class ExactSiteSampler {
  readonly mode = 'exact' as const;
  /** The last measurement's snapshot, kept for retainer paths of suspects. */
  last: SnapshotAnalysis | null = null;

  constructor(
    private readonly session: InspectorSession,
    private readonly stacks: StackTable,
  ) {}

  async start(): Promise<void> {
    await this.session.post('HeapProfiler.enable');
    await this.session.post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
  }

  /** Forces GC, snapshots, counts live objects by allocation stack. */
  async measure(options: { file?: string; onProgress?: (p: Progress) => void } = {}): Promise<SiteCounts> {
    this.last = null; // let the previous graph go before the GC
    await collectGarbage(this.session);
    const snapshot = await streamSnapshot(this.session, { parse: true, file: options.file, onProgress: options.onProgress });
    const analysis = new SnapshotAnalysis(snapshot!);
    this.last = analysis;
    return countBySite(analysis, this.stacks);
  }

  async stop(): Promise<void> {
    this.last = null;
    await this.session.post('HeapProfiler.stopTrackingHeapObjects', { reportProgress: false }).catch(() => undefined);
  }
}

/**
 * Two of the inspector's memory-reducing collections, since the first may leave objects that
 * only die once finalizers ran. For `check`, whose target is its own child: a live program
 * pays for them long after (ARCHITECTURE, "Cost"), so run/attach use target-gc.ts instead.
 */
export async function collectGarbage(session: InspectorSession): Promise<void> {
  for (let i = 0; i < 2; i++) await session.post('HeapProfiler.collectGarbage');
}

/**
 * Live objects of a tracked snapshot grouped by allocation stack, re-interned into the
 * session's StackTable (each snapshot numbers its trace tree itself; frames are the common
 * ground). Reachable objects only: what a GC could free is not a leak. ArrayBuffer contents
 * count as external bytes of the stack that allocated their ArrayBuffer.
 */
export function countBySite(a: SnapshotAnalysis, stacks: StackTable): SiteCounts {
  const s = a.snapshot;
  const counts: SiteCounts = new Map();
  const traces = s.traces;
  if (!traces) return counts;
  const toSession = new Map<number, number>();
  const sessionStack = (snapshotStack: number): number => {
    let id = toSession.get(snapshotStack);
    if (id === undefined) {
      id = stacks.internInnerFirst(traces.stacks.framesOf(snapshotStack));
      toSession.set(snapshotStack, id);
    }
    return id;
  };
  const reachable = a.dominators.reachable;
  const native = s.nodeType.native;
  for (let o = 1; o < s.nodeCount; o++) {
    if (!reachable[o]) continue;
    const own = traces.stackOf(o);
    if (own !== 0) {
      addTo(counts, sessionStack(own), 1, s.selfSize(o), 0);
      continue;
    }
    if (s.typeOf(o) === native) {
      const owner = a.backingStoreOwner(o);
      const ownerStack = owner >= 0 && reachable[owner] ? traces.stackOf(owner) : 0;
      if (ownerStack !== 0) addTo(counts, sessionStack(ownerStack), 0, 0, s.selfSize(o));
    }
  }
  return counts;
}
