import type { FdEntry, FdKind } from '../../capture/proc/fd-table.js';

/**
 * Between two reads of a process's descriptors: which are new and which were closed. A
 * descriptor number that now points somewhere else counts as one closed and one new (the
 * number was reused), which is what a leak hunter needs to see.
 */
export interface FdChanges {
  opened: FdEntry[];
  closed: FdEntry[];
}

const keyOf = (e: FdEntry): string => `${e.fd}\u0000${e.target}`;

export function diffFdTables(before: readonly FdEntry[], after: readonly FdEntry[]): FdChanges {
  const old = new Map(before.map((e) => [keyOf(e), e]));
  const now = new Set(after.map(keyOf));
  return {
    opened: after.filter((e) => !old.has(keyOf(e))),
    closed: before.filter((e) => !now.has(keyOf(e))),
  };
}

/** Counts per kind, largest first. */
export function countByKind(entries: readonly FdEntry[]): { kind: FdKind; count: number }[] {
  const counts = new Map<FdKind, number>();
  for (const e of entries) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  return [...counts.entries()].map(([kind, count]) => ({ kind, count })).sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
}
