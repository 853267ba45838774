import { formatBytes } from '../../cli/output/format.js';
import type { Leak } from '../leak-report.js';
import { judgeGrowth, measureGrowth } from './growth.js';

/** Node's ArrayBuffer memory (process.memoryUsage().arrayBuffers) right after a measurement's GCs. */
export interface BufferReading {
  /** Milliseconds since tracking began, as a measurement's. */
  x: number;
  arrayBuffers: number;
}

/** Least growth of ArrayBuffer memory judged at all: below it, pools and streams' buffers come and go. */
export const MIN_BUFFER_GROWTH = 1024 * 1024;

/**
 * ArrayBuffer memory that keeps growing after full GCs: a leak of Buffers or typed arrays.
 *
 * Their bytes live outside the JavaScript heap, where V8's sampler does not count them, and
 * their wrappers (~100 bytes on the heap each) are too small to earn samples: a program keeping
 * a 256 KiB Buffer four times a second (+1 MB/s of ArrayBuffer memory, RSS 44 → 115 MiB in a
 * minute) was reported clean, and so were 16 KiB Buffers at 64 KB/s (blind red-team,
 * 2026-12-06). The growth of the process as a whole counts ArrayBuffer memory as explained
 * (unexplained-growth.ts), so nothing judged it.
 *
 * So Node's count of ArrayBuffer memory, read right after each measurement's full GCs, is
 * judged like a site's bytes (trend, steadiness, growth that has not stopped): a pool or a
 * cache of buffers that fills and stops is not a leak, as for any site. Where it leaks, the
 * report has an `external` leak with no site; the holders snapshot then names the site that
 * made the buffers and what keeps them (bufferOwners in check/sample-paths.ts), or says it could not.
 */
export function bufferGrowth(points: readonly BufferReading[], threshold: number): Leak | null {
  if (points.length < 4) return null;
  const x = points.map((m) => m.x);
  const bytes = points.map((m) => m.arrayBuffers);
  const e = measureGrowth(x, bytes);
  const j = judgeGrowth(e, { minGrowth: Math.max(MIN_BUFFER_GROWTH, 0.05 * bytes[0]) });
  if (j.probability < threshold) return null;
  const perMinute = e.slope * 60_000;
  const evidence = [
    `the program's ArrayBuffer memory (Buffers' and typed arrays' bytes, outside the JavaScript heap), after a full GC at each of ${points.length} measurements: ${bytes.map((b) => formatBytes(b)).join(' → ')}`,
    ...j.reasons,
    `${formatBytes(perMinute)} per minute`,
    `no sampled site accounts for it: V8's sampler counts the heap, where a Buffer is a wrapper of ~100 bytes that rarely earns a sample, not the bytes it points to`,
  ].join('; ');
  return {
    kind: 'external',
    site: null,
    userFrame: null,
    package: null,
    resource: null,
    probability: Math.round(j.probability * 1000) / 1000,
    perIteration: null,
    perMinute: { bytes: perMinute, count: 0 },
    stack: [],
    evidence,
    series: { x, bytes, count: bytes.map(() => 0) },
  };
}
