import type { ParsedSnapshot } from './parser.js';

/** Where a structural problem is: the n-th number of a numeric section. */
export interface StructureProblem {
  section: 'nodes' | 'edges';
  /** Index of the offending number within the section's array. */
  index: number;
  detail: string;
}

/**
 * Checks what the parser could not check while streaming: array lengths against the header
 * and the field layout, type numbers against the declared types, string indexes against the
 * string table, edge targets against the node array, edge counts against the edges.
 * Returns the first problem, or null. A new V8 that adds a node type declares it in meta, so
 * only numbers outside the declared lists are errors.
 */
export function findStructureProblem(p: ParsedSnapshot): StructureProblem | null {
  const m = p.meta;
  const nodes = p.nodes;
  const edges = p.edges;
  const stringCount = p.strings.count;
  if (nodes.length % m.nodeFieldCount !== 0) {
    return {
      section: 'nodes',
      index: nodes.length - 1,
      detail: `${nodes.length} numbers is not a whole number of ${m.nodeFieldCount}-field nodes`,
    };
  }
  if (edges.length % m.edgeFieldCount !== 0) {
    return {
      section: 'edges',
      index: edges.length - 1,
      detail: `${edges.length} numbers is not a whole number of ${m.edgeFieldCount}-field edges`,
    };
  }
  const nodeCount = nodes.length / m.nodeFieldCount;
  const edgeCount = edges.length / m.edgeFieldCount;
  if (m.nodeCountHint >= 0 && m.nodeCountHint !== nodeCount) {
    return {
      section: 'nodes',
      index: Math.max(0, nodes.length - 1),
      detail: `the header says ${m.nodeCountHint} nodes, the array holds ${nodeCount}`,
    };
  }
  if (m.edgeCountHint >= 0 && m.edgeCountHint !== edgeCount) {
    return {
      section: 'edges',
      index: Math.max(0, edges.length - 1),
      detail: `the header says ${m.edgeCountHint} edges, the array holds ${edgeCount}`,
    };
  }
  if (nodeCount === 0) return { section: 'nodes', index: 0, detail: 'the snapshot has no nodes' };
  const typeCount = m.nodeTypes.length;
  let edgeSum = 0;
  for (let i = 0; i < nodes.length; i += m.nodeFieldCount) {
    const t = nodes[i + m.nodeTypeOffset];
    if (t >= typeCount)
      return {
        section: 'nodes',
        index: i + m.nodeTypeOffset,
        detail: `node #${i / m.nodeFieldCount} has unknown type ${t} (the snapshot declares ${typeCount})`,
      };
    const name = nodes[i + m.nodeNameOffset];
    if (name >= stringCount)
      return {
        section: 'nodes',
        index: i + m.nodeNameOffset,
        detail: `node #${i / m.nodeFieldCount} names string ${name}, but there are ${stringCount}`,
      };
    edgeSum += nodes[i + m.nodeEdgeCountOffset];
  }
  if (edgeSum !== edgeCount) {
    return {
      section: 'nodes',
      index: m.nodeEdgeCountOffset,
      detail: `the nodes' edge counts add up to ${edgeSum}, but there are ${edgeCount} edges`,
    };
  }
  const edgeTypeCount = m.edgeTypes.length;
  const elementType = m.edgeTypes.indexOf('element');
  const hiddenType = m.edgeTypes.indexOf('hidden');
  for (let i = 0; i < edges.length; i += m.edgeFieldCount) {
    const t = edges[i + m.edgeTypeOffset];
    if (t >= edgeTypeCount)
      return { section: 'edges', index: i + m.edgeTypeOffset, detail: `edge #${i / m.edgeFieldCount} has unknown type ${t}` };
    const to = edges[i + m.edgeToNodeOffset];
    if (to % m.nodeFieldCount !== 0 || to >= nodes.length) {
      return {
        section: 'edges',
        index: i + m.edgeToNodeOffset,
        detail: `edge #${i / m.edgeFieldCount} points to ${to}, which is not a node`,
      };
    }
    if (t !== elementType && t !== hiddenType && edges[i + m.edgeNameOffset] >= stringCount) {
      return {
        section: 'edges',
        index: i + m.edgeNameOffset,
        detail: `edge #${i / m.edgeFieldCount} names string ${edges[i + m.edgeNameOffset]}, but there are ${stringCount}`,
      };
    }
  }
  return null;
}
