import { formatFrame } from '../../model/frame.js';
import type { SnapshotAnalysis } from './analysis.js';
import { UNREACHABLE } from './shortest-paths.js';

/** `!heap -flt`: which objects to list. Every given condition must hold. */
export interface ObjectFilter {
  /** Exact class name (constructor), as `stat --by constructor` shows it. */
  constructorName?: string;
  /** Node type: object, string, array, closure, native, code, ... */
  type?: string;
  minSize?: number;
  /** Exact self size. */
  size?: number;
  /** Substring of the allocation site (`fn (file:line:col)`); needs allocation stacks. */
  site?: string;
  /** Include unreachable objects (garbage V8 had not collected yet). */
  includeUnreachable?: boolean;
}

export interface ObjectRow {
  id: number;
  ordinal: number;
  type: string;
  className: string;
  /** String value preview for strings, else the node's name when it differs from the class. */
  name: string;
  selfSize: number;
  retainedSize: number;
  /** Hops from the root; null when unreachable. */
  distance: number | null;
  /** Allocation site when the snapshot has stacks. */
  site: string | null;
}

export interface ListResult {
  matched: number;
  totalSelfSize: number;
  rows: ObjectRow[];
}

/** The objects matching a filter, largest retained size first, at most `limit` of them. */
export function listObjects(a: SnapshotAnalysis, filter: ObjectFilter, options: { limit?: number } = {}): ListResult {
  const s = a.snapshot;
  const dom = a.dominators;
  const typeNumber = filter.type !== undefined ? s.meta.nodeTypes.indexOf(filter.type) : -2;
  const matches: number[] = [];
  let totalSelfSize = 0;
  for (let o = 1; o < s.nodeCount; o++) {
    if (!filter.includeUnreachable && dom.reachable[o] === 0) continue;
    if (typeNumber !== -2 && s.typeOf(o) !== typeNumber) continue;
    const size = s.selfSize(o);
    if (filter.minSize !== undefined && size < filter.minSize) continue;
    if (filter.size !== undefined && size !== filter.size) continue;
    if (filter.constructorName !== undefined && s.className(o) !== filter.constructorName) continue;
    if (filter.site !== undefined) {
      const site = a.attributionOf(o)?.site;
      if (!site || !formatFrame(site).includes(filter.site)) continue;
    }
    matches.push(o);
    totalSelfSize += size;
  }
  matches.sort((x, y) => dom.retainedSize[y] - dom.retainedSize[x]);
  const limit = options.limit ?? 50;
  return { matched: matches.length, totalSelfSize, rows: matches.slice(0, limit).map((o) => objectRow(a, o)) };
}

export function objectRow(a: SnapshotAnalysis, o: number): ObjectRow {
  const s = a.snapshot;
  const className = s.className(o);
  const rawName = s.name(o);
  const site = a.attributionOf(o)?.site;
  const distance = a.paths.distance[o];
  return {
    id: s.id(o),
    ordinal: o,
    type: s.typeName(o),
    className,
    name: s.isString(o) ? preview(rawName, 60) : rawName !== className ? preview(rawName, 60) : '',
    selfSize: s.selfSize(o),
    retainedSize: a.dominators.retainedSize[o],
    distance: distance === UNREACHABLE ? null : distance,
    site: site ? formatFrame(site) : null,
  };
}

/** A string cut to `max` characters with an ellipsis, control characters made visible. */
export function preview(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
  const oneLine = text.replace(/[\u0000-\u001f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : '?'));
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
