import { formatBytes } from '../../cli/output/format.js';
import type { MemorySample } from '../../capture-folder/layout.js';
import type { Leak } from '../leak-report.js';
import { judgeGrowth, measureGrowth } from './growth.js';

/** Least growth of the process worth a word: below it, allocator and code-space drift. */
const MIN_UNEXPLAINED_BYTES = 16 * 1024 * 1024;

/**
 * The process grows, and nothing leaktrace samples explains it.
 *
 * `run` and `attach` judge the main thread's JavaScript heap by allocation site and its
 * handles by creation stack. Memory outside that — a worker thread's heap (each worker has
 * its own isolate, which the main thread's inspector session does not sample), an addon's or
 * Node's own malloc, mapped files — can grow without any site growing: measured, a worker
 * keeping 1 MB/s made RSS grow 151 MiB in 40 s and the report said "no leak found". So the
 * RSS series after the warm-up is judged like a site's (the same trend, persistence and
 * deceleration tests), and where it is a leak and the main thread's V8 heap (committed) and
 * external memory account for less than half of its growth, the rest is reported as an
 * unattributed leak: no site, its evidence saying what was measured and where to look next.
 */
export function unexplainedGrowth(points: readonly MemorySample[], threshold: number): Leak | null {
  if (points.length < 8) return null;
  const t0 = points[0].t;
  const x = points.map((p) => p.t - t0);
  const rss = points.map((p) => p.rss);
  const js = points.map((p) => p.heapTotal + p.external);
  const rssGrowth = measureGrowth(x, rss);
  const jsGrowth = measureGrowth(x, js);
  // Growth over the window from the fitted lines (robust to one noisy end point).
  const span = x[x.length - 1];
  const grew = rssGrowth.slope * span;
  const explained = Math.max(0, jsGrowth.slope * span);
  const unexplained = grew - explained;
  if (unexplained < MIN_UNEXPLAINED_BYTES || unexplained < 0.5 * grew) return null;
  const judged = judgeGrowth(rssGrowth, { minGrowth: Math.max(MIN_UNEXPLAINED_BYTES, 0.2 * rss[0]) });
  if (judged.probability < threshold) return null;
  const perMinute = rssGrowth.slope * 60_000;
  const evidence = [
    `the process's resident memory (RSS) grew ${formatBytes(rss[0])} → ${formatBytes(rss[rss.length - 1])} over the ${Math.round(span / 1000)} s after the warm-up (${points.length} points of the memory series)`,
    ...judged.reasons,
    `${formatBytes(perMinute)} per minute; the main thread's V8 heap (committed) and external memory grew ${formatBytes(explained)} of the ${formatBytes(grew)}: ` +
      `${formatBytes(unexplained)} is memory this capture does not sample by allocation site — a worker thread's heap (each worker has its own, ` +
      `not seen by the main thread's session), native allocations by an addon or by Node itself (leaktrace native traces malloc and descriptors by stack, in a program it starts), ` +
      `or mapped files; which of them is not known from here`,
  ].join('; ');
  return {
    kind: 'native',
    site: null,
    userFrame: null,
    package: null,
    resource: null,
    probability: Math.round(judged.probability * 1000) / 1000,
    perIteration: null,
    perMinute: { bytes: perMinute, count: 0 },
    stack: [],
    evidence,
    series: { x: points.map((p) => p.t), bytes: rss, count: rss.map(() => 0) },
  };
}
