import type { SiteCount } from '../../capture/heap/site-counts.js';
import type { SiteMeasurement } from './site-series.js';

/**
 * The measurements without the samples that were alive at one read only: born after the read
 * before and dead by the read after — or, at the newest read, born after the read before
 * (not yet confirmed either way).
 *
 * Why: each read finds a few of the newest objects alive that die right after it: floating
 * garbage, most likely what the program allocated while the measurement's incremental
 * marking ran, which V8 marks as alive (inferred from their timing, not verified in V8). A
 * garbage-only program read 0, 64, 0, 96, 0 … KiB at a 32 KiB sampler
 * (test/fixtures/live/late-leak.cjs: its batch loop's scratch objects, consecutive sample
 * ordinals, each gone at the next read), and a few such reads in a row at the end of a short
 * window look like growth. The same program once tripped the light watch's wire in CI ("the
 * sampled heap as a whole grew (p 0.77)"); that trip did not reproduce, so this is the noise
 * that could make it, not its proven cause. A leaked object never dies, so its sample is at
 * every read from its birth on:
 * dropping one-read samples costs a leak one read of delay, no samples.
 *
 * Only samples followed by ordinal (small objects, SiteCount.samples) can be told apart;
 * large ones are kept as read. A dropped sample takes one interval of bytes with it (V8
 * reports a small object's sample as I to 1.25 I) and its share of the site's count.
 * `before` is the read before the first (same sampler run: V8 numbers samples afresh when
 * it restarts); without it the first read is kept whole.
 */
export function withoutOneReadSamples(
  measurements: readonly SiteMeasurement[],
  interval: number,
  before?: SiteMeasurement,
): SiteMeasurement[] {
  const alive = measurements.map(liveSamples);
  const aliveBefore = before ? liveSamples(before) : null;
  return measurements.map((m, i) => {
    const previous = i === 0 ? aliveBefore : alive[i - 1];
    if (!previous) return m;
    const next = i + 1 < measurements.length ? alive[i + 1] : null;
    let sites: Map<number, SiteCount> | null = null;
    for (const [stack, c] of m.sites) {
      if (!c.samples || c.samples.length === 0) continue;
      const kept = c.samples.filter((o) => previous.has(o) || (next !== null && next.has(o)));
      const dropped = c.samples.length - kept.length;
      if (dropped === 0) continue;
      sites ??= new Map(m.sites);
      sites.set(stack, {
        ...c,
        samples: kept,
        count: Math.max(0, c.count - (c.count * dropped) / c.samples.length),
        selfBytes: Math.max(0, c.selfBytes - dropped * interval),
      });
    }
    return sites ? { ...m, sites } : m;
  });
}

function liveSamples(m: SiteMeasurement): Set<number> {
  const set = new Set<number>();
  for (const c of m.sites.values()) for (const o of c.samples ?? []) set.add(o);
  return set;
}
