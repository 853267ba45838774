import { formatFrame } from '../../model/frame.js';
import type { HeapSnapshot } from '../../model/snapshot/heap-snapshot.js';
import type { SnapshotAnalysis } from './analysis.js';
import { NO_GROUP } from './dominator-tree.js';
import { retainerPath } from './shortest-paths.js';

export interface CandidateCluster {
  /** How the members were grouped: their retainer path shape, or their allocation site. */
  key: string;
  /** Objects in the cluster that no other candidate dominates. */
  count: number;
  /** Retained size in the final snapshot, each byte counted once. */
  retainedSize: number;
  selfSize: number;
  /** Most frequent class among members. */
  className: string;
  /** Allocation site of the largest member, when the final snapshot has stacks. */
  site: string | null;
  /** The largest member's shortest retainer path in the final snapshot, root first. */
  samplePath: string[];
  sampleIds: number[];
}

export interface LeakCandidates {
  baseline: string;
  target: string;
  final: string;
  /** Objects allocated between baseline and target and still alive in final. */
  candidateCount: number;
  /** Of those, the ones no other candidate dominates (the tops of leaked structures). */
  topLevelCount: number;
  retainedSize: number;
  byRetainerPath: CandidateCluster[];
  /** Null when the final snapshot has no allocation stacks. */
  bySite: CandidateCluster[] | null;
}

/** V8's own bookkeeping, never a user's leak by itself. */
const INTERNAL_TYPES = new Set(['hidden', 'code', 'synthetic', 'object shape']);

/**
 * The three-snapshot technique: objects allocated between the baseline and the target
 * snapshot that are still alive in the final one are leak candidates. No user-written filter
 * is needed (memlab's default rules are for browsers and find nothing in Node): V8's
 * internal nodes are skipped, members of a leaked structure are folded into the object
 * that dominates them, and what remains is clustered by the shape of its retainer path and
 * by allocation site, largest retained size first.
 */
export function leakCandidates(baseline: SnapshotAnalysis, target: SnapshotAnalysis, final: SnapshotAnalysis): LeakCandidates {
  const A = baseline.snapshot;
  const B = target.snapshot;
  const C = final.snapshot;
  const dom = final.dominators;
  const isCandidate = new Uint32Array(C.nodeCount).fill(NO_GROUP);
  const internal = new Uint8Array(C.meta.nodeTypes.length);
  C.meta.nodeTypes.forEach((t, i) => (internal[i] = INTERNAL_TYPES.has(t) ? 1 : 0));
  let candidateCount = 0;
  const native = C.nodeType.native;
  for (let o = 1; o < C.nodeCount; o++) {
    if (!dom.reachable[o] || internal[C.typeOf(o)]) continue;
    // Node's own C++ objects (`Node / ...`) get fresh ids in every snapshot: never candidates.
    if (C.typeOf(o) === native && C.name(o).startsWith('Node / ')) continue;
    const id = C.id(o);
    if (A.ordinalOfId(id) >= 0 || B.ordinalOfId(id) < 0) continue;
    isCandidate[o] = 0;
    candidateCount++;
  }
  const topLevel = topLevelMembers(final, isCandidate);
  let retainedSize = 0;
  for (const o of topLevel) retainedSize += dom.retainedSize[o];
  const byPath = cluster(final, topLevel, (o) => pathSignature(final, o));
  const bySite = C.traces
    ? cluster(final, topLevel, (o) => {
        const site = final.attributionOf(o)?.site;
        return site ? formatFrame(site) : '(no allocation stack)';
      })
    : null;
  return {
    baseline: A.file,
    target: B.file,
    final: C.file,
    candidateCount,
    topLevelCount: topLevel.length,
    retainedSize,
    byRetainerPath: byPath,
    bySite,
  };
}

function topLevelMembers(a: SnapshotAnalysis, marks: Uint32Array): number[] {
  const dom = a.dominators;
  const out: number[] = [];
  // Walk up each member's dominator chain; remember for every node passed whether a member
  // sits above it, so each chain is walked once in total.
  const state = new Uint8Array(marks.length); // 0 unknown, 1 has candidate ancestor, 2 has none
  const chain: number[] = [];
  for (let o = 1; o < marks.length; o++) {
    if (marks[o] === NO_GROUP) continue;
    let p = dom.idom[o];
    let found = false;
    chain.length = 0;
    while (p !== 0) {
      if (marks[p] !== NO_GROUP || state[p] === 1) {
        found = true;
        break;
      }
      if (state[p] === 2) break;
      chain.push(p);
      p = dom.idom[p];
    }
    for (const c of chain) state[c] = found ? 1 : 2;
    if (!found) out.push(o);
  }
  return out;
}

function cluster(a: SnapshotAnalysis, members: number[], keyOf: (o: number) => string): CandidateCluster[] {
  const s = a.snapshot;
  const dom = a.dominators;
  const groups = new Map<string, number[]>();
  for (const o of members) {
    const k = keyOf(o);
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push(o);
  }
  const clusters: CandidateCluster[] = [];
  for (const [key, list] of groups) {
    list.sort((x, y) => dom.retainedSize[y] - dom.retainedSize[x]);
    const classes = new Map<string, number>();
    let retained = 0;
    let self = 0;
    for (const o of list) {
      retained += dom.retainedSize[o];
      self += s.selfSize(o);
      const c = s.className(o);
      classes.set(c, (classes.get(c) ?? 0) + 1);
    }
    const className = [...classes.entries()].sort((x, y) => y[1] - x[1])[0][0];
    const largest = list[0];
    const site = a.attributionOf(largest)?.site;
    clusters.push({
      key,
      count: list.length,
      retainedSize: retained,
      selfSize: self,
      className,
      site: site ? formatFrame(site) : null,
      samplePath: formatPath(a, largest),
      sampleIds: list.slice(0, 5).map((o) => s.id(o)),
    });
  }
  return clusters.sort((x, y) => y.retainedSize - x.retainedSize);
}

/**
 * The shape of an object's retainer path: the last few steps as `edge→Class`, with element
 * indexes folded to `[]`, so the thousand entries of one leaking array share one key.
 */
function pathSignature(a: SnapshotAnalysis, o: number): string {
  const s = a.snapshot;
  const steps = retainerPath(a.paths, o);
  if (steps.length === 0) return '(unreachable)';
  const parts = steps.slice(1).map((st) => `${edgeLabel(s, st.edgeIndex, true)}→${s.className(st.ordinal)}`);
  return parts.slice(-6).join(' ');
}

/**
 * A run of at least this many identical hops (same edge name, element indexes folded, same
 * class) is shown as its first hop, a count, and its last hop: a linked list (an EventTarget's
 * listeners, a hand-made queue) holds its newest entries through thousands of `.next` hops,
 * and the hops before the list — what owns it — are the part worth reading.
 */
export const FOLDED_RUN = 4;

/**
 * A path as lines, root first: `(root)`, then `.edge → Class @id` for each step, with runs of
 * FOLDED_RUN or more identical hops folded to `(N more .next → Listener)` between the first
 * and the last of them.
 */
export function formatPath(a: SnapshotAnalysis, o: number): string[] {
  const s = a.snapshot;
  const steps = retainerPath(a.paths, o);
  const line = (i: number): string =>
    i === 0
      ? `${s.className(steps[0].ordinal)} @${s.id(steps[0].ordinal)}`
      : `${edgeLabel(s, steps[i].edgeIndex, false)} → ${s.className(steps[i].ordinal)} @${s.id(steps[i].ordinal)}`;
  const hop = (i: number): string => `${edgeLabel(s, steps[i].edgeIndex, true)} → ${s.className(steps[i].ordinal)}`;
  const out: string[] = [];
  for (let i = 0; i < steps.length;) {
    let j = i;
    if (i > 0) while (j + 1 < steps.length && hop(j + 1) === hop(i)) j++;
    if (j - i + 1 >= FOLDED_RUN) out.push(line(i), `(${(j - i - 1).toLocaleString('en-US')} more ${hop(i)})`, line(j));
    else for (let k = i; k <= j; k++) out.push(line(k));
    i = j + 1;
  }
  return out;
}

function edgeLabel(s: HeapSnapshot, e: number, fold: boolean): string {
  if (s.edgeNameIsIndex(e)) return fold ? '[]' : s.edgeName(e);
  const t = s.edgeTypeName(e);
  const name = s.edgeName(e);
  return t === 'property' ? `.${name}` : t === 'context' ? `(context) ${name}` : `(${t}) ${name}`;
}
