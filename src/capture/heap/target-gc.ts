import type { InspectorSession } from '../inspector/session.js';

/**
 * One ordinary full GC in a target reached over the inspector, for run/attach measurements.
 *
 * Why not `HeapProfiler.collectGarbage`: V8 serves it with LowMemoryNotification, a series of
 * memory-reducing collections, and a busy program stays slower long after it. Measured on the
 * bench's HTTP server at 8,000 req/s (bench/live-run.bench.js server, CPU per request over the
 * next 40 s, 3 rounds): one collectGarbage 1 s into the run cost +30 % for the whole 40 s; one
 * ordinary full GC (V8's `gc()`) cost about 3 %, within noise. Every full GC still deoptimizes
 * the program's hot code once (see measure-schedule.ts); only the memory-reducing kind leaves a
 * lasting cost.
 *
 * The `gc` function comes from a fresh vm context created while `--expose-gc` is briefly on
 * (the way jest's leak detector gets one): the program's own global never gets a `gc`, and the
 * flag is turned off again so that contexts the program creates later do not either. It is
 * kept under a symbol on the target's global for later measurements.
 *
 * Like collectGarbage, Runtime.evaluate never answers once the target's main context is gone
 * (it is exiting): the caller's pending request then fails, and the measurement is dropped.
 */
const EXPRESSION = `(() => {
  const key = Symbol.for('leaktrace.gc');
  let gc = globalThis[key];
  if (typeof gc !== 'function') {
    const v8 = require('v8');
    v8.setFlagsFromString('--expose-gc');
    try {
      gc = require('vm').runInNewContext('gc');
    } finally {
      v8.setFlagsFromString('--no-expose-gc');
    }
    Object.defineProperty(globalThis, key, { value: gc, configurable: true });
  }
  gc();
  return true;
})()`;

/**
 * The GC function for one capture's measurements. Where the target cannot make its `gc` (the
 * evaluation throws), every measurement from then on uses the inspector's collectGarbage: a
 * measurement never goes without its GC.
 */
export function ordinaryFullGc(session: InspectorSession): () => Promise<void> {
  let unavailable = false;
  return async () => {
    if (!unavailable) {
      const reply = await session.post<{ result: { value?: unknown }; exceptionDetails?: unknown }>('Runtime.evaluate', {
        expression: EXPRESSION,
        includeCommandLineAPI: true,
        returnByValue: true,
        silent: true,
      });
      if (!reply.exceptionDetails && reply.result.value === true) return;
      unavailable = true;
    }
    await session.post('HeapProfiler.collectGarbage');
  };
}

/** At the end of a capture: the target keeps nothing of ours (an attached program runs on). */
export async function forgetGcFunction(session: InspectorSession): Promise<void> {
  await session
    .post('Runtime.evaluate', { expression: `delete globalThis[Symbol.for('leaktrace.gc')]`, returnByValue: true, silent: true })
    .catch(() => undefined);
}
