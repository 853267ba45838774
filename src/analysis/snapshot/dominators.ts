import type { HeapSnapshot } from '../../model/snapshot/heap-snapshot.js';
import { essentialEdgePredicate } from './essential-edges.js';

export interface Dominators {
  /** By node ordinal: the ordinal of its immediate dominator (the root's is itself, 0). */
  idom: Uint32Array;
  /** By node ordinal: bytes freed if the node were freed (self size + what it dominates). */
  retainedSize: Float64Array;
  /** Node ordinals in depth-first preorder from the root (reachable nodes only). */
  preorder: Uint32Array;
  /** By node ordinal: 1 when reachable from the root through edges that keep objects alive. */
  reachable: Uint8Array;
  /** Nodes only reachable through weak edges, or not at all: garbage V8 had not collected. */
  unreachableCount: number;
  unreachableSize: number;
}

/**
 * Immediate dominators by Lengauer and Tarjan ("A fast algorithm for finding dominators in a
 * flowgraph", TOPLAS 1979), the simple version with path compression, O(m log n).
 *
 * Everything is iterative: real heaps have paths millions of objects deep (long linked
 * lists), where recursion overflows the stack. memlab's earlier fixed-point iteration could
 * spin for hours on big snapshots; this is a bounded number of passes.
 *
 * Weak edges (and non-root shortcuts) are ignored: they do not keep objects alive. Nodes not
 * reachable through the remaining edges are counted as unreachable, given the root as their
 * dominator (so they appear in no one's retained size but the root's), and reported.
 */
export function computeDominators(s: HeapSnapshot): Dominators {
  const n = s.nodeCount;
  const essential = essentialEdgePredicate(s);
  const { edgeFieldCount, edgeToNodeOffset, nodeFieldCount } = s.meta;
  const edges = s.edges;
  const firstEdge = s.firstEdgeIndex;

  // All arrays below are keyed by DFS number (1-based; 0 means "none"), except dfnum.
  const dfnum = new Uint32Array(n); // by ordinal
  const vertex = new Uint32Array(n + 1); // dfs number -> ordinal
  const parent = new Uint32Array(n + 1);
  const semi = new Uint32Array(n + 1);
  const ancestor = new Uint32Array(n + 1);
  const label = new Uint32Array(n + 1);
  const idomNum = new Uint32Array(n + 1);
  const bucketHead = new Uint32Array(n + 1);
  const bucketNext = new Uint32Array(n + 1);

  // 1. Depth-first numbering, with an explicit stack of (node, next edge to look at).
  let count = 0;
  {
    const stackNode = new Uint32Array(n);
    const stackEdge = new Uint32Array(n);
    let sp = 0;
    dfnum[0] = ++count;
    vertex[count] = 0;
    stackNode[sp] = 0;
    stackEdge[sp] = firstEdge[0];
    sp++;
    while (sp > 0) {
      const v = stackNode[sp - 1];
      const end = firstEdge[v + 1];
      let e = stackEdge[sp - 1];
      let pushed = false;
      while (e < end) {
        const edge = e;
        e += edgeFieldCount;
        if (!essential(v, edge)) continue;
        const w = edges[edge + edgeToNodeOffset] / nodeFieldCount;
        if (dfnum[w] !== 0) continue;
        dfnum[w] = ++count;
        vertex[count] = w;
        parent[count] = dfnum[v];
        stackEdge[sp - 1] = e;
        stackNode[sp] = w;
        stackEdge[sp] = firstEdge[w];
        sp++;
        pushed = true;
        break;
      }
      if (!pushed) sp--;
    }
  }
  for (let i = 1; i <= count; i++) {
    semi[i] = i;
    label[i] = i;
  }

  // 2. Semidominators and implicit immediate dominators, in reverse preorder.
  const preds = essentialPredecessors(s, dfnum, essential);
  const compressStack = new Uint32Array(count + 1);
  const evaluate = (v: number): number => {
    if (ancestor[v] === 0) return v;
    // Iterative path compression: collect the chain, then fold it from the top down.
    let sp = 0;
    let x = v;
    while (ancestor[ancestor[x]] !== 0) {
      compressStack[sp++] = x;
      x = ancestor[x];
    }
    while (sp > 0) {
      const y = compressStack[--sp];
      const a = ancestor[y];
      if (semi[label[a]] < semi[label[y]]) label[y] = label[a];
      ancestor[y] = ancestor[a];
    }
    return label[v];
  };
  for (let w = count; w >= 2; w--) {
    for (let r = preds.first[w]; r < preds.first[w + 1]; r++) {
      const u = evaluate(preds.list[r]);
      if (semi[u] < semi[w]) semi[w] = semi[u];
    }
    const sw = semi[w];
    bucketNext[w] = bucketHead[sw];
    bucketHead[sw] = w;
    const p = parent[w];
    ancestor[w] = p; // link
    for (let v = bucketHead[p]; v !== 0; v = bucketNext[v]) {
      const u = evaluate(v);
      idomNum[v] = semi[u] < semi[v] ? u : p;
    }
    bucketHead[p] = 0;
  }
  // 3. Explicit immediate dominators, in preorder.
  for (let w = 2; w <= count; w++) if (idomNum[w] !== semi[w]) idomNum[w] = idomNum[idomNum[w]];
  idomNum[1] = 1;

  // Back to ordinals, and retained sizes bottom-up (a dominator precedes what it dominates
  // in preorder, so one reverse pass adds every subtree into its dominator).
  const idom = new Uint32Array(n); // unreachable nodes keep 0: the root
  const reachable = new Uint8Array(n);
  const preorder = new Uint32Array(count);
  const retainedSize = new Float64Array(n);
  for (let o = 0; o < n; o++) retainedSize[o] = s.selfSize(o);
  for (let i = 1; i <= count; i++) {
    const o = vertex[i];
    preorder[i - 1] = o;
    reachable[o] = 1;
    idom[o] = vertex[idomNum[i]];
  }
  let unreachableCount = 0;
  let unreachableSize = 0;
  for (let o = 0; o < n; o++) {
    if (reachable[o] === 0) {
      unreachableCount++;
      unreachableSize += retainedSize[o];
    }
  }
  for (let i = count; i >= 2; i--) {
    const o = vertex[i];
    retainedSize[idom[o]] += retainedSize[o];
  }
  retainedSize[0] += unreachableSize;
  return { idom, retainedSize, preorder, reachable, unreachableCount, unreachableSize };
}

/**
 * Predecessors of every reachable node through edges that keep objects alive, as DFS numbers,
 * CSR by DFS number. Built here rather than taken from the snapshot's full retainer index:
 * it holds only what the algorithm reads (no edge indexes, no unreachable or weak
 * retainers) and is dropped when the dominators are done — a big snapshot's peak memory is
 * set by this phase.
 */
function essentialPredecessors(
  s: HeapSnapshot,
  dfnum: Uint32Array,
  essential: (from: number, edgeIndex: number) => boolean,
): { first: Uint32Array; list: Uint32Array } {
  const n = s.nodeCount;
  const { edgeFieldCount, edgeToNodeOffset, nodeFieldCount } = s.meta;
  const edges = s.edges;
  const firstEdge = s.firstEdgeIndex;
  const first = new Uint32Array(n + 2);
  for (let from = 0; from < n; from++) {
    if (dfnum[from] === 0) continue;
    for (let e = firstEdge[from]; e < firstEdge[from + 1]; e += edgeFieldCount) {
      if (essential(from, e)) first[dfnum[edges[e + edgeToNodeOffset] / nodeFieldCount]]++;
    }
  }
  let sum = 0;
  for (let w = 0; w <= n + 1; w++) {
    sum += first[w];
    first[w] = sum;
  }
  const list = new Uint32Array(sum);
  for (let from = 0; from < n; from++) {
    const v = dfnum[from];
    if (v === 0) continue;
    for (let e = firstEdge[from]; e < firstEdge[from + 1]; e += edgeFieldCount) {
      if (essential(from, e)) list[--first[dfnum[edges[e + edgeToNodeOffset] / nodeFieldCount]]] = v;
    }
  }
  return { first, list };
}
