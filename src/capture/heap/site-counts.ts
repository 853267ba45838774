import type { SitesRecord } from '../../capture-folder/layout.js';

/**
 * What one measurement says about allocation sites: for each stack (an id of the caller's
 * session-wide StackTable, so ids are stable from one measurement to the next), how many
 * objects allocated there are alive, their bytes on the V8 heap, and the bytes outside it
 * (ArrayBuffer contents) that they own.
 */
export interface SiteCount {
  count: number;
  selfBytes: number;
  externalBytes: number;
}

export type SiteCounts = Map<number, SiteCount>;

export function addTo(counts: SiteCounts, stack: number, count: number, selfBytes: number, externalBytes: number): void {
  let c = counts.get(stack);
  if (!c) counts.set(stack, (c = { count: 0, selfBytes: 0, externalBytes: 0 }));
  c.count += count;
  c.selfBytes += selfBytes;
  c.externalBytes += externalBytes;
}

/** A measurement as one line of sites.jsonl (counts to 2 decimals, bytes whole). */
export function sitesRecord(x: number, sites: SiteCounts, v8CodeBytes: number | undefined): SitesRecord {
  return {
    x,
    t: Date.now(),
    sites: [...sites].map(([id, c]) => [id, Math.round(c.count * 100) / 100, Math.round(c.selfBytes)]),
    ...(v8CodeBytes !== undefined ? { v8Code: v8CodeBytes } : {}),
  };
}
