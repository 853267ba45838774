import type { SnapshotMeta } from './meta.js';
import type { ParsedSnapshot } from './parser.js';
import type { StringPool } from './string-pool.js';
import { AllocationTraces } from './allocation-traces.js';

/**
 * A heap snapshot held as V8 wrote it: flat typed arrays of nodes and edges, plus side
 * indexes built CSR-style (count, prefix sum, fill).
 *
 * Words used throughout, as in DevTools:
 * - a node *ordinal* is a node's number, 0..nodeCount-1 (ordinal 0 is the synthetic root);
 * - a node *index* is its position in `nodes` (ordinal × nodeFieldCount);
 * - an *edge index* is a position in `edges` (edge ordinal × edgeFieldCount);
 * - a node *id* is V8's object id (`@123` in DevTools), stable across snapshots of one process.
 * Every derived array says which of these it is keyed by and holds.
 *
 * The model does no I/O and never writes analysis results into itself; analysis functions
 * return new arrays.
 */
export class HeapSnapshot {
  readonly file: string;
  readonly meta: SnapshotMeta;
  readonly nodes: Uint32Array;
  readonly edges: Uint32Array;
  readonly strings: StringPool;
  readonly nodeCount: number;
  readonly edgeCount: number;
  readonly byteLength: number;
  /** By node ordinal (length nodeCount + 1): the edge index of its first outgoing edge. */
  readonly firstEdgeIndex: Uint32Array;
  /** Node type numbers by name (-1 when this V8 does not have that type). */
  readonly nodeType: Readonly<Record<NodeTypeName, number>>;
  /** Edge type numbers by name (-1 when absent). */
  readonly edgeType: Readonly<Record<EdgeTypeName, number>>;
  /** Allocation stacks, when the snapshot was taken with allocation tracking on. */
  readonly traces: AllocationTraces | null;
  /** Closure source positions from the `locations` section, by node ordinal. */
  private readonly locations: Float64Array;

  private idIndex: { ids: Uint32Array; ordinals: Uint32Array } | null = null;
  private retainerIndex: RetainerIndex | null = null;
  private locationIndex: Map<number, number> | null = null;

  constructor(file: string, parsed: ParsedSnapshot) {
    this.file = file;
    this.meta = parsed.meta;
    this.nodes = parsed.nodes;
    this.edges = parsed.edges;
    this.strings = parsed.strings;
    this.byteLength = parsed.byteLength;
    this.nodeCount = parsed.nodes.length / parsed.meta.nodeFieldCount;
    this.edgeCount = parsed.edges.length / parsed.meta.edgeFieldCount;
    this.locations = parsed.locations;
    const nodeTypes = parsed.meta.nodeTypes;
    const edgeTypes = parsed.meta.edgeTypes;
    this.nodeType = Object.fromEntries(NODE_TYPE_NAMES.map((name) => [name, nodeTypes.indexOf(name)])) as Record<NodeTypeName, number>;
    this.edgeType = Object.fromEntries(EDGE_TYPE_NAMES.map((name) => [name, edgeTypes.indexOf(name)])) as Record<EdgeTypeName, number>;
    this.firstEdgeIndex = new Uint32Array(this.nodeCount + 1);
    const { nodeFieldCount, nodeEdgeCountOffset, edgeFieldCount } = parsed.meta;
    let e = 0;
    for (let o = 0; o < this.nodeCount; o++) {
      this.firstEdgeIndex[o] = e;
      e += this.nodes[o * nodeFieldCount + nodeEdgeCountOffset] * edgeFieldCount;
    }
    this.firstEdgeIndex[this.nodeCount] = e;
    this.traces = AllocationTraces.fromParsed(parsed, this.nodeCount);
  }

  // ---- nodes, by ordinal ----

  typeOf(ordinal: number): number {
    return this.nodes[ordinal * this.meta.nodeFieldCount + this.meta.nodeTypeOffset];
  }

  typeName(ordinal: number): string {
    return this.meta.nodeTypes[this.typeOf(ordinal)] ?? 'unknown';
  }

  name(ordinal: number): string {
    return this.strings.get(this.nameIndex(ordinal));
  }

  nameIndex(ordinal: number): number {
    return this.nodes[ordinal * this.meta.nodeFieldCount + this.meta.nodeNameOffset];
  }

  id(ordinal: number): number {
    return this.nodes[ordinal * this.meta.nodeFieldCount + this.meta.nodeIdOffset];
  }

  selfSize(ordinal: number): number {
    return this.nodes[ordinal * this.meta.nodeFieldCount + this.meta.nodeSelfSizeOffset];
  }

  edgeCountOf(ordinal: number): number {
    return this.nodes[ordinal * this.meta.nodeFieldCount + this.meta.nodeEdgeCountOffset];
  }

  /** V8's detachedness (0 unknown, 1 attached, 2 detached), or 0 when not recorded. */
  detachedness(ordinal: number): number {
    const off = this.meta.nodeDetachednessOffset;
    return off < 0 ? 0 : this.nodes[ordinal * this.meta.nodeFieldCount + off];
  }

  /**
   * The name objects are grouped by, as DevTools' Summary view does: an object's or native
   * node's own name (its constructor), `(closure)`, `(string)`, `(array)`, `(system)` for
   * hidden nodes, `(compiled code)`; synthetic nodes keep their names (`(GC roots)`).
   */
  className(ordinal: number): string {
    const t = this.typeOf(ordinal);
    const nt = this.nodeType;
    if (t === nt.object || t === nt.native) return this.name(ordinal);
    if (t === nt.hidden) return '(system)';
    if (t === nt.synthetic) return this.name(ordinal) || '(root)';
    if (t === nt.code) return '(compiled code)';
    if (t === nt.string || t === nt['concatenated string'] || t === nt['sliced string']) return '(string)';
    return `(${this.meta.nodeTypes[t] ?? 'unknown'})`;
  }

  /** True for a function's scope (V8's Context: the variables its closures share). */
  isContext(ordinal: number): boolean {
    return this.typeOf(ordinal) === this.nodeType.object && this.name(ordinal) === 'system / Context';
  }

  /** True for node types whose name is a string's value. */
  isString(ordinal: number): boolean {
    const t = this.typeOf(ordinal);
    const nt = this.nodeType;
    return t === nt.string || t === nt['concatenated string'] || t === nt['sliced string'];
  }

  /** The node ordinal with V8 object id `id`, or -1. */
  ordinalOfId(id: number): number {
    if (!this.idIndex) this.idIndex = buildIdIndex(this);
    const { ids, ordinals } = this.idIndex;
    let lo = 0;
    let hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[mid];
      if (v === id) return ordinals[mid];
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Closure source position (1-based line/column) from the `locations` section, or null. */
  location(ordinal: number): { scriptId: number; line: number; column: number } | null {
    const m = this.meta;
    if (m.locationFieldCount <= 0 || this.locations.length === 0) return null;
    if (!this.locationIndex) {
      this.locationIndex = new Map();
      for (let i = 0; i + m.locationFieldCount <= this.locations.length; i += m.locationFieldCount) {
        this.locationIndex.set(this.locations[i + m.locationObjectIndexOffset] / m.nodeFieldCount, i);
      }
    }
    const at = this.locationIndex.get(ordinal);
    if (at === undefined) return null;
    // V8 writes locations 0-based.
    return {
      scriptId: this.locations[at + 1],
      line: this.locations[at + m.locationLineOffset] + 1,
      column: this.locations[at + m.locationColumnOffset] + 1,
    };
  }

  // ---- edges, by edge index ----

  edgeTypeOf(edgeIndex: number): number {
    return this.edges[edgeIndex + this.meta.edgeTypeOffset];
  }

  edgeTypeName(edgeIndex: number): string {
    return this.meta.edgeTypes[this.edgeTypeOf(edgeIndex)] ?? 'unknown';
  }

  /** The ordinal of the node an edge points to. */
  edgeTarget(edgeIndex: number): number {
    return this.edges[edgeIndex + this.meta.edgeToNodeOffset] / this.meta.nodeFieldCount;
  }

  /** True when an edge's name field is a number (elements, hidden edges) rather than a string. */
  edgeNameIsIndex(edgeIndex: number): boolean {
    const t = this.edgeTypeOf(edgeIndex);
    return t === this.edgeType.element || t === this.edgeType.hidden;
  }

  /** An edge's name: a property name, or `[3]` for an element or hidden edge. */
  edgeName(edgeIndex: number): string {
    const raw = this.edges[edgeIndex + this.meta.edgeNameOffset];
    return this.edgeNameIsIndex(edgeIndex) ? `[${raw}]` : this.strings.get(raw);
  }

  /** Retainers: for each node, the edges that point to it (built on first use). */
  get retainers(): RetainerIndex {
    if (!this.retainerIndex) this.retainerIndex = buildRetainers(this);
    return this.retainerIndex;
  }
}

export const NODE_TYPE_NAMES = [
  'hidden',
  'array',
  'string',
  'object',
  'code',
  'closure',
  'regexp',
  'number',
  'native',
  'synthetic',
  'concatenated string',
  'sliced string',
  'symbol',
  'bigint',
  'object shape',
] as const;
export type NodeTypeName = (typeof NODE_TYPE_NAMES)[number];

export const EDGE_TYPE_NAMES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'] as const;
export type EdgeTypeName = (typeof EDGE_TYPE_NAMES)[number];

/** Incoming edges, CSR: the retainers of ordinal o are positions first[o] .. first[o+1]-1. */
export interface RetainerIndex {
  /** By node ordinal, length nodeCount + 1: start position in the two arrays below. */
  first: Uint32Array;
  /** By position: the retaining node's ordinal. */
  nodes: Uint32Array;
  /** By position: the retaining edge's edge index. */
  edges: Uint32Array;
}

function buildRetainers(s: HeapSnapshot): RetainerIndex {
  const n = s.nodeCount;
  const first = new Uint32Array(n + 1);
  const edges = s.edges;
  const { edgeFieldCount, edgeToNodeOffset, nodeFieldCount } = s.meta;
  for (let e = edgeToNodeOffset; e < edges.length; e += edgeFieldCount) first[edges[e] / nodeFieldCount]++;
  // Prefix sum: first[o] becomes the end of o's range; filling walks it back to the start.
  let sum = 0;
  for (let o = 0; o < n; o++) {
    sum += first[o];
    first[o] = sum;
  }
  first[n] = sum;
  const retNodes = new Uint32Array(sum);
  const retEdges = new Uint32Array(sum);
  const fe = s.firstEdgeIndex;
  for (let from = 0; from < n; from++) {
    for (let e = fe[from]; e < fe[from + 1]; e += edgeFieldCount) {
      const to = edges[e + edgeToNodeOffset] / nodeFieldCount;
      const pos = --first[to];
      retNodes[pos] = from;
      retEdges[pos] = e;
    }
  }
  return { first, nodes: retNodes, edges: retEdges };
}

function buildIdIndex(s: HeapSnapshot): { ids: Uint32Array; ordinals: Uint32Array } {
  const n = s.nodeCount;
  const ids = new Uint32Array(n);
  for (let o = 0; o < n; o++) ids[o] = s.id(o);
  // V8 usually writes ids in increasing order; sort only when it did not.
  let sorted = true;
  for (let o = 1; o < n && sorted; o++) if (ids[o] < ids[o - 1]) sorted = false;
  const ordinals = new Uint32Array(n);
  for (let o = 0; o < n; o++) ordinals[o] = o;
  if (!sorted) {
    ordinals.sort((a, b) => ids[a] - ids[b]);
    const sortedIds = new Uint32Array(n);
    for (let k = 0; k < n; k++) sortedIds[k] = ids[ordinals[k]];
    return { ids: sortedIds, ordinals };
  }
  return { ids, ordinals };
}
