import { basename } from 'node:path';
import { FD_KIND_NAMES, NO_STACK } from '../../model/native/event-log.js';
import type { NativeAnalysis } from './native-analysis.js';
import { type FrameJson, frameJson, siteOf } from './sites.js';

/**
 * `stat` over a native capture — `!heap -stat -grp`: the blocks live at the end grouped by
 * size, allocation site, module or whole stack, with counts and % of live bytes; `temporary`
 * ranks sites by allocations freed at once (heaptrack's temporary allocations); `fd` groups
 * the descriptors still open.
 */
export const NATIVE_GROUPINGS = ['site', 'size', 'module', 'stack', 'temporary', 'fd'] as const;
export type NativeGrouping = (typeof NATIVE_GROUPINGS)[number];

export interface NativeStatRow {
  key: string;
  /** Live blocks (or open descriptors for `fd`). */
  count: number;
  bytes: number;
  share: number;
  /** All allocations (or opens) from the group over the run. */
  allocations: number;
  /** Allocations freed at once (temporary), for `temporary`. */
  temporary: number;
  /** A representative stack, innermost first (site, stack, temporary, fd groupings). */
  stack: FrameJson[] | null;
}

export interface NativeStat {
  kind: 'native';
  by: NativeGrouping;
  totalBytes: number;
  totalCount: number;
  groups: number;
  rows: NativeStatRow[];
  tracking: string;
  problems: string[];
}

export function statNative(a: NativeAnalysis, by: NativeGrouping, options: { top?: number } = {}): NativeStat {
  const r = a.replay;
  const p = r.perStack;
  const groups = new Map<string, NativeStatRow & { weight: number; bestStack: number }>();
  const add = (key: string, stack: number, count: number, bytes: number, allocations: number, temporary: number, weight: number): void => {
    let g = groups.get(key);
    if (!g)
      groups.set(
        key,
        (g = { key, count: 0, bytes: 0, share: 0, allocations: 0, temporary: 0, stack: null, weight: -1, bestStack: NO_STACK }),
      );
    g.count += count;
    g.bytes += bytes;
    g.allocations += allocations;
    g.temporary += temporary;
    if (weight > g.weight) {
      g.weight = weight;
      g.bestStack = stack;
    }
  };

  let totalBytes = r.totals.liveBytes;
  let totalCount = r.totals.liveBlocks;
  if (by === 'size') {
    const b = r.blocks;
    for (let i = 0; i < b.count; i++) add(`${b.size[i]}`, NO_STACK, 1, b.size[i], 0, 0, 0);
    for (const g of groups.values()) g.allocations = g.count;
  } else if (by === 'fd') {
    totalBytes = 0;
    totalCount = r.fds.length;
    const stacksOf = new Map<string, Set<number>>();
    for (const f of r.fds) {
      const kind = FD_KIND_NAMES[f.kind] ?? `kind ${f.kind}`;
      const key = `${kind} — ${siteOf(a, f.stack).label}`;
      add(key, f.stack, 1, 0, 0, 0, 1);
      if (!stacksOf.has(key)) stacksOf.set(key, new Set());
      stacksOf.get(key)!.add(f.stack);
    }
    // Opens over the whole run from the stacks of each group.
    for (const [key, stacks] of stacksOf) {
      const g = groups.get(key)!;
      for (const st of stacks) if (st !== NO_STACK) g.allocations += p.fdOpened[st];
    }
  } else {
    if (by === 'temporary') totalCount = r.totals.temporary;
    for (let s = 0; s < r.stackCount; s++) {
      if (p.allocCount[s] === 0) continue;
      if (by === 'temporary' && p.tempCount[s] === 0) continue;
      const key = by === 'module' ? siteOf(a, s).module : by === 'stack' ? `#${a.tableId(s)} ${siteOf(a, s).label}` : siteOf(a, s).label;
      const weight = by === 'temporary' ? p.tempCount[s] : p.liveBytes[s] + p.allocBytes[s] * 1e-9;
      add(key, s, p.liveCount[s], p.liveBytes[s], p.allocCount[s], p.tempCount[s], weight);
    }
  }

  const rows = [...groups.values()];
  for (const g of rows) {
    g.share =
      by === 'temporary'
        ? g.allocations > 0
          ? g.temporary / g.allocations
          : 0
        : by === 'fd'
          ? totalCount > 0
            ? g.count / totalCount
            : 0
          : totalBytes > 0
            ? g.bytes / totalBytes
            : 0;
    if (g.bestStack !== NO_STACK && by !== 'size' && by !== 'module') g.stack = a.frames(g.bestStack).map(frameJson);
  }
  if (by === 'temporary') rows.sort((x, y) => y.temporary - x.temporary);
  else if (by === 'fd') rows.sort((x, y) => y.count - x.count);
  else rows.sort((x, y) => y.bytes - x.bytes || y.count - x.count || y.allocations - x.allocations);
  const top = rows
    .slice(0, options.top ?? 25)
    .map(({ key, count, bytes, share, allocations, temporary, stack }) => ({ key, count, bytes, share, allocations, temporary, stack }));
  return { kind: 'native', by, totalBytes, totalCount, groups: rows.length, rows: top, tracking: a.trackingNote(), problems: a.problems };
}

/** `list` over a native capture — `!heap -flt`: the live blocks that match, in allocation order. */
export interface NativeListFilter {
  size?: number;
  minSize?: number;
  /** Site text contains this (function, file or module). */
  site?: string;
  module?: string;
}

export interface NativeListRow {
  address: string;
  size: number;
  kind: string;
  allocatedAtMs: number;
  site: string;
  module: string;
  stackId: number;
}

export interface NativeList {
  kind: 'native';
  filter: NativeListFilter;
  matched: number;
  matchedBytes: number;
  rows: NativeListRow[];
  tracking: string;
  problems: string[];
}

const KIND_NAMES = ['', 'malloc', 'calloc', 'realloc', 'aligned', 'mmap'];

export function listNative(a: NativeAnalysis, filter: NativeListFilter, options: { limit?: number } = {}): NativeList {
  const b = a.replay.blocks;
  const rows: NativeListRow[] = [];
  let matched = 0;
  let matchedBytes = 0;
  const limit = options.limit ?? 50;
  for (let i = 0; i < b.count; i++) {
    const size = b.size[i];
    if (filter.size !== undefined && size !== filter.size) continue;
    if (filter.minSize !== undefined && size < filter.minSize) continue;
    const site = filter.site !== undefined || filter.module !== undefined || rows.length < limit ? siteOf(a, b.stack[i]) : null;
    if (filter.site !== undefined && !site!.label.includes(filter.site)) continue;
    if (filter.module !== undefined && site!.module !== filter.module && basename(site!.site?.module ?? '') !== filter.module) continue;
    matched++;
    matchedBytes += size;
    if (rows.length < limit) {
      rows.push({
        address: `0x${b.addr[i].toString(16)}`,
        size,
        kind: KIND_NAMES[b.kind[i]] ?? '?',
        allocatedAtMs: b.us[i] / 1000,
        site: site!.label,
        module: site!.module,
        stackId: b.stack[i],
      });
    }
  }
  return { kind: 'native', filter, matched, matchedBytes, rows, tracking: a.trackingNote(), problems: a.problems };
}
