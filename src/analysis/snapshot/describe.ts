import { SourceMaps } from '../source-maps.js';
import { InputError } from '../../errors.js';
import type { Frame } from '../../model/frame.js';
import type { SnapshotAnalysis } from './analysis.js';
import { type ObjectRow, objectRow, preview } from './list.js';
import { retainerPath } from './shortest-paths.js';

/** One edge as `show` prints it: its name and type, and the node at its other end. */
export interface EdgeView {
  edge: string;
  edgeType: string;
  id: number;
  type: string;
  className: string;
  /** What the target holds, readably: a string's text, a number's value, `Foo @123`. */
  value: string;
  selfSize: number;
  retainedSize: number;
}

export interface ObjectDescription {
  object: ObjectRow & { detachedness: number; location: { line: number; column: number } | null; fullName: string };
  /** Innermost first. Null when the snapshot has no allocation stacks; [] when this object has none. */
  allocationStack: Frame[] | null;
  allocationNote: string;
  /** From the root to the object: the edge taken at each step and the node reached. */
  retainerPath: { edge: string | null; edgeType: string | null; id: number; className: string; name: string }[];
  retainers: EdgeView[];
  retainerCount: number;
  dominator: { id: number; className: string; retainedSize: number } | null;
  contents: EdgeView[];
  contentCount: number;
}

const MAX_STRING = 200;

/**
 * `!heap -p -a` + `dc` for one object: what it is, the stack that allocated it (when the
 * snapshot has one), the shortest path that keeps it alive, its immediate dominator and
 * retained size, and its contents — properties with values, string text, numbers.
 * (A snapshot holds no ArrayBuffer bytes; a live session shows those.)
 */
export function describeObject(a: SnapshotAnalysis, id: number, options: { maxEdges?: number } = {}): ObjectDescription {
  const s = a.snapshot;
  const o = s.ordinalOfId(id);
  if (o < 0) throw new InputError(`${s.file}: no object with id @${id}`);
  const maxEdges = options.maxEdges ?? 100;
  const dom = a.dominators;
  const traces = s.traces;
  const stack = a.stackOf(o);
  // Positions of compiled code moved to the original source where a script has a source map on disk.
  const maps = new SourceMaps();
  const frames = traces ? (stack === 0 ? [] : traces.stacks.framesOf(stack).map((f) => maps.frame(f))) : null;
  const inherited = traces && stack !== 0 && traces.stackOf(o) === 0;
  const allocationNote = !traces
    ? 'no allocation stacks in this snapshot (take it with allocation tracking on: node --track-heap-objects, or leaktrace run --exact)'
    : frames && frames.length === 0
      ? 'no allocation stack: the object was allocated before tracking began'
      : `${inherited ? 'the ArrayBuffer that owns these bytes was allocated here; ' : ''}frames name functions and the line where each is defined (V8 records functions, not statements)`;
  const path = retainerPath(a.paths, o).map((step) => ({
    edge: step.ordinal === 0 ? null : s.edgeName(step.edgeIndex),
    edgeType: step.ordinal === 0 ? null : s.edgeTypeName(step.edgeIndex),
    id: s.id(step.ordinal),
    className: s.className(step.ordinal),
    name: preview(s.name(step.ordinal), 60),
  }));
  const retainers: EdgeView[] = [];
  const r = s.retainers;
  const retainerCount = r.first[o + 1] - r.first[o];
  for (let k = r.first[o]; k < r.first[o + 1] && retainers.length < maxEdges; k++) retainers.push(edgeView(a, r.edges[k], r.nodes[k]));
  const contents: EdgeView[] = [];
  const fe = s.firstEdgeIndex;
  const efc = s.meta.edgeFieldCount;
  for (let e = fe[o]; e < fe[o + 1] && contents.length < maxEdges; e += efc) contents.push(edgeView(a, e, s.edgeTarget(e)));
  const idom = dom.idom[o];
  const location = s.location(o);
  return {
    object: {
      ...objectRow(a, o),
      fullName: s.isString(o) ? preview(s.name(o), MAX_STRING) : s.name(o),
      detachedness: s.detachedness(o),
      location: location ? { line: location.line, column: location.column } : null,
    },
    allocationStack: frames,
    allocationNote,
    retainerPath: path,
    retainers,
    retainerCount,
    dominator:
      o === 0 || dom.reachable[o] === 0 ? null : { id: s.id(idom), className: s.className(idom), retainedSize: dom.retainedSize[idom] },
    contents,
    contentCount: (fe[o + 1] - fe[o]) / efc,
  };
}

/** An edge and the node at its far end (`other` is the target for contents, the source for retainers). */
function edgeView(a: SnapshotAnalysis, e: number, other: number): EdgeView {
  const s = a.snapshot;
  return {
    edge: s.edgeName(e),
    edgeType: s.edgeTypeName(e),
    id: s.id(other),
    type: s.typeName(other),
    className: s.className(other),
    value: valueOf(a, other),
    selfSize: s.selfSize(other),
    retainedSize: a.dominators.retainedSize[other],
  };
}

/** A readable value: string text, a number's value (when the snapshot recorded it), else `Class @id`. */
export function valueOf(a: SnapshotAnalysis, o: number): string {
  const s = a.snapshot;
  if (s.isString(o)) return JSON.stringify(preview(stringValue(a, o, 200), 80));
  if (s.typeOf(o) === s.nodeType.number) {
    // With numeric values exposed, V8 gives number nodes an internal `value` edge to a string.
    const efc = s.meta.edgeFieldCount;
    for (let e = s.firstEdgeIndex[o]; e < s.firstEdgeIndex[o + 1]; e += efc) {
      if (!s.edgeNameIsIndex(e) && s.edgeName(e) === 'value') {
        const t = s.edgeTarget(e);
        if (s.isString(t)) return s.name(t);
      }
    }
    return `(${s.name(o)}, value not recorded)`;
  }
  if (s.typeOf(o) === s.nodeType.closure) return `${s.name(o) || '(anonymous)'}() @${s.id(o)}`;
  return `${s.className(o)} @${s.id(o)}`;
}

/**
 * The text of a string node. V8 names a concatenated string `(concatenated string)` and
 * records its halves as `first` and `second` edges, so the text is rebuilt from the leaves
 * (iteratively: long concatenations nest deeply), up to `max` characters. A sliced string's
 * offset is not recorded, so it reads as its parent's text, marked as such.
 */
export function stringValue(a: SnapshotAnalysis, o: number, max: number): string {
  const s = a.snapshot;
  const cons = s.nodeType['concatenated string'];
  const sliced = s.nodeType['sliced string'];
  let out = '';
  const stack = [o];
  while (stack.length > 0 && out.length < max) {
    const v = stack.pop()!;
    const t = s.typeOf(v);
    if (t === cons || t === sliced) {
      let first = -1;
      let second = -1;
      let parent = -1;
      for (let e = s.firstEdgeIndex[v]; e < s.firstEdgeIndex[v + 1]; e += s.meta.edgeFieldCount) {
        if (s.edgeNameIsIndex(e)) continue;
        const name = s.edgeName(e);
        if (name === 'first') first = s.edgeTarget(e);
        else if (name === 'second') second = s.edgeTarget(e);
        else if (name === 'parent') parent = s.edgeTarget(e);
      }
      if (t === sliced) {
        if (parent >= 0) {
          out += '(slice of) ';
          stack.push(parent);
        }
        continue;
      }
      if (second >= 0) stack.push(second);
      if (first >= 0) stack.push(first);
    } else if (s.isString(v)) {
      out += s.name(v);
    }
  }
  return out.length > max ? out.slice(0, max) : out;
}
