import type { Dominators } from './dominators.js';

/**
 * Walks the dominator tree depth-first and reports, for a grouping of nodes, the retained
 * size of each group without double counting: a member dominated by another member of the
 * same group adds nothing (its bytes are already in its dominating member's retained size).
 * This is how DevTools computes a constructor's retained size in its Summary view.
 *
 * `groupOf` maps node ordinal → group number, or NO_GROUP to leave a node out.
 */
export const NO_GROUP = 0xffffffff;

export function groupRetainedSizes(dom: Dominators, groupOf: Uint32Array, groupCount: number): Float64Array {
  const children = dominatorChildren(dom);
  const out = new Float64Array(groupCount);
  const open = new Uint32Array(groupCount);
  const n = dom.idom.length;
  // Explicit stack; an entry is `ordinal` on the way down and `~ordinal` (negative) on the way up.
  const stack = new Int32Array(2 * n + 2);
  let sp = 0;
  stack[sp++] = 0;
  while (sp > 0) {
    const entry = stack[--sp];
    if (entry < 0) {
      const g = groupOf[~entry];
      if (g !== NO_GROUP) open[g]--;
      continue;
    }
    const g = groupOf[entry];
    if (g !== NO_GROUP) {
      if (open[g] === 0) out[g] += dom.retainedSize[entry];
      open[g]++;
    }
    stack[sp++] = ~entry;
    for (let c = children.first[entry]; c < children.first[entry + 1]; c++) stack[sp++] = children.list[c];
  }
  return out;
}

/** Children lists of the dominator tree (reachable nodes only), CSR by node ordinal. */
export function dominatorChildren(dom: Dominators): { first: Uint32Array; list: Uint32Array } {
  const n = dom.idom.length;
  const first = new Uint32Array(n + 1);
  for (const o of dom.preorder) if (o !== 0) first[dom.idom[o]]++;
  let sum = 0;
  for (let o = 0; o < n; o++) {
    sum += first[o];
    first[o] = sum;
  }
  first[n] = sum;
  const list = new Uint32Array(sum);
  for (const o of dom.preorder) if (o !== 0) list[--first[dom.idom[o]]] = o;
  return { first, list };
}
