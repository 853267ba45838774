import type { HeapSnapshot } from '../../model/snapshot/heap-snapshot.js';

/**
 * Which edges keep an object alive, for dominators and retainer paths.
 * - Weak edges never do.
 * - Shortcut edges are V8's summaries of longer paths; DevTools treats them as real only
 *   from the root (where they mark user roots), and so do we.
 * Returns a predicate over (retaining node ordinal, edge index).
 */
export function essentialEdgePredicate(s: HeapSnapshot): (from: number, edgeIndex: number) => boolean {
  const weak = s.edgeType.weak;
  const shortcut = s.edgeType.shortcut;
  const edges = s.edges;
  const typeOffset = s.meta.edgeTypeOffset;
  return (from, edgeIndex) => {
    const t = edges[edgeIndex + typeOffset];
    return t !== weak && (t !== shortcut || from === 0);
  };
}
