import { InputError } from '../../errors.js';
import { type Frame, formatFrame } from '../../model/frame.js';
import { SourceMaps } from '../source-maps.js';
import type { SnapshotAnalysis } from './analysis.js';
import { groupRetainedSizes, NO_GROUP } from './dominator-tree.js';

export const STAT_GROUPINGS = ['type', 'constructor', 'size', 'site', 'package'] as const;
export type StatBy = (typeof STAT_GROUPINGS)[number];

export interface StatRow {
  key: string;
  count: number;
  selfSize: number;
  /** Bytes freed if every object of the group were freed (members inside members counted once). */
  retainedSize: number;
  /** Share of the total self size of the objects counted. */
  share: number;
  /** For `site`: the frame; for other groupings absent. */
  site?: Frame | null;
}

export interface StatResult {
  by: StatBy;
  rows: StatRow[];
  /** Groups before `top` was applied. */
  groupCount: number;
  totalCount: number;
  totalSelfSize: number;
  /** Objects left out because they are unreachable (garbage not yet collected). */
  unreachableCount: number;
  /** For site/package: objects that have no allocation stack (allocated before tracking began). */
  withoutStack?: number;
}

export const NO_STACK = '(no allocation stack: allocated before tracking began)';

/**
 * Heap statistics grouped like `!heap -stat -grp`: count, total self size, retained size and
 * share of the total, per group, sorted (retained size first; total bytes for `size`).
 * Grouping by site or package needs allocation stacks in the snapshot and says so otherwise.
 */
export function statBy(a: SnapshotAnalysis, by: StatBy, options: { top?: number } = {}): StatResult {
  const maps = new SourceMaps();
  const s = a.snapshot;
  if ((by === 'site' || by === 'package') && !s.traces) {
    throw new InputError(
      `${s.file}: has no allocation stacks, so it cannot be grouped by ${by}; take the snapshot with allocation tracking on (node --track-heap-objects, or leaktrace run --exact)`,
    );
  }
  const dom = a.dominators;
  const keys: string[] = [];
  const sites: (Frame | null)[] = [];
  const keyIndex = new Map<string, number>();
  const groupOf = new Uint32Array(s.nodeCount).fill(NO_GROUP);
  const stackGroup = new Map<number, number>();
  let withoutStack = 0;
  const groupFor = (key: string, site: Frame | null = null): number => {
    let g = keyIndex.get(key);
    if (g === undefined) {
      g = keys.length;
      keys.push(key);
      sites.push(site);
      keyIndex.set(key, g);
    }
    return g;
  };
  let unreachableCount = 0;
  for (let o = 1; o < s.nodeCount; o++) {
    if (dom.reachable[o] === 0) {
      unreachableCount++;
      continue;
    }
    switch (by) {
      case 'type':
        groupOf[o] = groupFor(s.typeName(o));
        break;
      case 'constructor':
        groupOf[o] = groupFor(s.className(o));
        break;
      case 'size':
        groupOf[o] = groupFor(String(s.selfSize(o)));
        break;
      case 'site':
      case 'package': {
        const stack = a.stackOf(o);
        if (stack === 0) withoutStack++;
        let g = stackGroup.get(stack);
        if (g === undefined) {
          const attribution = a.attributionOf(o)!;
          if (stack === 0) g = groupFor(NO_STACK);
          else if (by === 'site') {
            // In the original source where the script has a source map on disk (compiled TypeScript, a bundle).
            const site = attribution.site ? maps.frame(attribution.site) : null;
            g = groupFor(site ? formatFrame(site) : '(Node/V8 internals only)', site);
          } else g = groupFor(packageLabel(attribution.package));
          stackGroup.set(stack, g);
        }
        groupOf[o] = g;
        break;
      }
    }
  }
  const count = new Float64Array(keys.length);
  const self = new Float64Array(keys.length);
  let totalSelfSize = 0;
  let totalCount = 0;
  for (let o = 1; o < s.nodeCount; o++) {
    const g = groupOf[o];
    if (g === NO_GROUP) continue;
    const size = s.selfSize(o);
    count[g]++;
    self[g] += size;
    totalSelfSize += size;
    totalCount++;
  }
  const retained = groupRetainedSizes(dom, groupOf, keys.length);
  const rows: StatRow[] = keys.map((key, g) => ({
    key,
    count: count[g],
    selfSize: self[g],
    retainedSize: retained[g],
    share: totalSelfSize > 0 ? self[g] / totalSelfSize : 0,
    ...(by === 'site' ? { site: sites[g] } : {}),
  }));
  if (by === 'size') rows.sort((x, y) => y.selfSize - x.selfSize || Number(y.key) - Number(x.key));
  else rows.sort((x, y) => y.retainedSize - x.retainedSize || y.selfSize - x.selfSize);
  const top = options.top ?? rows.length;
  return {
    by,
    rows: rows.slice(0, top),
    groupCount: rows.length,
    totalCount,
    totalSelfSize,
    unreachableCount,
    ...(by === 'site' || by === 'package' ? { withoutStack } : {}),
  };
}

/** How a package attribution reads in a table. */
export function packageLabel(pkg: string | null): string {
  if (pkg === null) return '(your code)';
  if (pkg === 'node:') return 'node: (Node internals)';
  return pkg;
}
