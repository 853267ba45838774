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
  /**
   * Sampling only: the ordinals (V8's sample numbers, unique and increasing) of the live
   * samples of small objects here. The same ordinal at two measurements is the same object
   * still alive, so a site's objects can be followed: kept, or freed and replaced (turnover.ts).
   */
  samples?: number[];
}

export type SiteCounts = Map<number, SiteCount>;

export function addTo(counts: SiteCounts, stack: number, count: number, selfBytes: number, externalBytes: number): void {
  let c = counts.get(stack);
  if (!c) counts.set(stack, (c = { count: 0, selfBytes: 0, externalBytes: 0 }));
  c.count += count;
  c.selfBytes += selfBytes;
  c.externalBytes += externalBytes;
}

/**
 * A measurement as one line of sites.jsonl (counts to 2 decimals, bytes whole). With `ledger`,
 * the followed samples too, as changes since the ledger's last line (SampleLedger).
 */
export function sitesRecord(x: number, sites: SiteCounts, v8CodeBytes: number | undefined, ledger?: SampleLedger): SitesRecord {
  const changes = ledger?.next(sites);
  return {
    x,
    t: Date.now(),
    sites: [...sites].map(([id, c]): SitesRecord['sites'][number] => {
      const count = Math.round(c.count * 100) / 100;
      const born = changes?.born.get(id);
      return born && born.length > 0 ? [id, count, Math.round(c.selfBytes), born] : [id, count, Math.round(c.selfBytes)];
    }),
    ...(changes && changes.died.length > 0 ? { died: changes.died } : {}),
    ...(v8CodeBytes !== undefined ? { v8Code: v8CodeBytes } : {}),
  };
}

/**
 * The followed samples (SiteCount.samples) written as changes: per stack the ordinals that are
 * new since the last line, and the ordinals that were live then and are gone. A long capture
 * of a steady heap writes little; the live set at any line is the sum of the changes so far
 * (from the line after a restart, which starts empty). `reset` at a sampler restart.
 */
export class SampleLedger {
  private live = new Set<number>();

  next(sites: SiteCounts): { born: Map<number, number[]>; died: number[] } {
    const now = new Set<number>();
    const born = new Map<number, number[]>();
    for (const [id, c] of sites) {
      if (!c.samples) continue;
      for (const o of c.samples) {
        now.add(o);
        if (this.live.has(o)) continue;
        let list = born.get(id);
        if (!list) born.set(id, (list = []));
        list.push(o);
      }
    }
    const died: number[] = [];
    for (const o of this.live) if (!now.has(o)) died.push(o);
    this.live = now;
    return { born, died };
  }

  reset(): void {
    this.live = new Set();
  }
}
