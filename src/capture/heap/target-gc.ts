import type { InspectorSession } from '../inspector/session.js';

/**
 * The full GC behind each run/attach measurement, in a target reached over the inspector.
 *
 * The profile read is the GC: the inspector starts V8's sampling heap profiler with
 * kSamplingForceGC, so every `HeapProfiler.getSamplingProfile` first runs an ordinary full GC
 * (CollectAllGarbage) and only then collects the samples still alive. A GC of our own before it
 * would be a second full GC per measurement, and each one costs a busy program far more than
 * its pause (measure-schedule.ts): measured on the bench's HTTP server at 8,000 req/s with a
 * measurement every 5 s, an ordinary GC plus the read cost +47 % CPU per request, the read
 * alone +38 % (Node 20, 3 rounds).
 *
 * Why never `HeapProfiler.collectGarbage`: V8 serves it with LowMemoryNotification, a series of
 * memory-reducing collections, and a busy program stays slower long after it (one, 1 s into the
 * run, cost +30 % for the next 40 s; one ordinary GC about 3 %, within noise).
 *
 * What a GC of ours used to add is kept by a cheap evaluation before the read: Runtime.evaluate
 * never answers once the target's main context is gone (it is exiting, its objects being torn
 * down), whereas a profile read sent then would answer with the torn-down heap and turn a
 * leak's last point into a fall. The pending evaluation fails when the context is destroyed,
 * and the measurement is dropped.
 */
export function targetStillRunning(session: InspectorSession): () => Promise<void> {
  return async () => {
    await session.post('Runtime.evaluate', { expression: '0', returnByValue: true, silent: true });
  };
}
