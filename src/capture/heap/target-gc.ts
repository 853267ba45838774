import type { InspectorSession } from '../inspector/session.js';
import type { MeasurementGc } from './sampling-sampler.js';

/**
 * The full GCs of a run/attach measurement, made the way V8 makes its own: marked
 * incrementally. Why it matters (measured, ARCHITECTURE "Cost"): after a full GC that is
 * marked atomically — `gc()`, the inspector's collectGarbage, the forced GC of a sampling
 * profile read — V8 deoptimizes the program's optimized code that embeds objects the GC found
 * dead ("weak objects": ~40 functions of Node's HTTP path each time on the bench server,
 * 100–250 ms of CPU to get back), whereas its own incrementally marked full GCs deoptimize
 * none. Measured on the bench server at 8,000 req/s with a read every 5 s: 261 such deopts in
 * 30 s with atomic GCs, 0 with incremental ones; `node --no-incremental-marking` makes V8's own
 * full GCs deoptimize the same ~40 functions.
 *
 * How a full GC is made incremental from outside: V8 starts incremental marking when the
 * external memory it is told about grows past a soft limit (64 MiB over its level at the last
 * full GC). So an 80 MiB ArrayBuffer, dropped at once, starts one; its pages are never
 * touched (calloc'd by mmap), so neither RSS nor the series sees it, and the GC that follows
 * frees it. Then:
 * 1. `collect()`: start marking and wait (in the target, through a PerformanceObserver) until
 *    V8 has finished the full GC itself — 10–40 ms measured on Node 20, 22 and 24, busy or idle.
 *    Two GCs are needed, as before: objects that die only once the first GC's weak callbacks
 *    released them (native wrappers: sockets, parsers) need a second.
 * 2. `read(fn)`: start marking again and send the profile read right behind it, in one write
 *    (`session.together`: sent apart, an idle target beside a CPU burner often finished the
 *    marking before it handled the read, 2 of 4 measurements; in one write, 0 of 12). The
 *    read's own forced GC (V8's inspector always starts the sampler so) then finishes the
 *    marking under way instead of marking atomically. If marking was already done
 *    when the read arrived, the read's GC is atomic: the old cost, once. None of the program
 *    runs during that marking, and only marking while it runs keeps all of its code: on a hot
 *    loop of short-lived objects this GC deoptimizes like an atomic one in some runs (the first
 *    GC never did). Sending the read after the nudge's answer lost the race too often to be
 *    better (ARCHITECTURE, "Cost").
 *
 * Fallbacks, never a measurement without its GC: where the target's external memory is within
 * 160 MiB of V8's hard limit (half the heap limit, past which the same allocation makes a
 * memory-reducing atomic GC), or V8 did not finish within a second, or the target's event loop
 * is blocked (the observer cannot report; we stop waiting after 3 s), an ordinary atomic `gc()`:
 * from a fresh vm context made while `--expose-gc` is briefly on, so the program's own global
 * never gets one and later contexts do not either. Not the inspector's collectGarbage: that is
 * LowMemoryNotification, memory-reducing rounds whose cost lasts (+30 % CPU per request for 40
 * s after one, on the bench server). Where even that cannot be made, collectGarbage.
 *
 * Everything lives under `Symbol.for('leaktrace.gc')` on the target's global and is removed at
 * the end (`forgetGcFunction`). Like collectGarbage, Runtime.evaluate never answers once the
 * target's main context is gone (it is exiting): the pending request then fails and the
 * measurement is dropped — a read alone would answer with a torn-down heap.
 */
const KEY = `Symbol.for('leaktrace.gc')`;
/** Over V8's 64 MiB external soft limit, with room for what the program adds meanwhile. */
const MARK_TRIGGER_BYTES = 80 * 1024 * 1024;
/** How long the target waits for V8 to finish the marking before it forces an atomic GC. */
const TARGET_WAIT_MS = 1000;
/** How long we wait for the target's answer (its event loop may be blocked) before forcing one. */
const WAIT_MS = 3000;

const HELPER = `(() => {
  const key = ${KEY};
  let h = globalThis[key];
  if (h === undefined) {
    // \`require\` is the command-line API's, there only while this install is evaluated: every
    // module is taken now. atomic() also runs later, from the marking timer below, where a
    // \`require\` call threw a ReferenceError out of a timer and killed the program (red-team,
    // a 10 GB heap whose marking took over a second).
    const v8 = require('v8');
    const vm = require('vm');
    const { PerformanceObserver, constants } = require('perf_hooks');
    let gc = null;
    h = {
      mark() {
        // V8's hard limit for external memory is half the heap limit: keep well under it.
        const { external_memory, heap_size_limit } = v8.getHeapStatistics();
        if ((external_memory + 2 * ${MARK_TRIGGER_BYTES}) * 2 > heap_size_limit) return false;
        void new ArrayBuffer(${MARK_TRIGGER_BYTES});
        return true;
      },
      atomic() {
        if (gc === null) {
          v8.setFlagsFromString('--expose-gc');
          try {
            gc = vm.runInNewContext('gc');
          } finally {
            v8.setFlagsFromString('--no-expose-gc');
          }
        }
        gc();
      },
      // V8's compiled code and bytecode with their metadata, live after the GC: the sampler
      // charges what V8 compiles to the function running at the time (score-sites.ts).
      code() {
        const s = v8.getHeapCodeStatistics();
        return s.code_and_metadata_size + s.bytecode_and_metadata_size;
      },
      collect(waitMs) {
        return new Promise((resolve) => {
          let timer;
          const observer = new PerformanceObserver((list) => {
            if (list.getEntries().some((e) => e.detail && e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) done('incremental');
          });
          const done = (how) => {
            observer.disconnect();
            clearTimeout(timer);
            resolve({ how, code: h.code() });
          };
          observer.observe({ entryTypes: ['gc'] });
          if (!h.mark()) {
            h.atomic();
            done('external memory too near the limit V8 sets for it (half the heap limit)');
            return;
          }
          // unref: leaktrace must never keep a finishing program alive.
          // Never throws into the program: a timer's exception would be its uncaught one.
          timer = setTimeout(() => {
            try {
              h.atomic();
              done('V8 did not finish marking in time');
            } catch {
              done('V8 did not finish marking in time, and gc() failed');
            }
          }, waitMs).unref();
        });
      },
    };
    Object.defineProperty(globalThis, key, { value: h, configurable: true });
  }
  return h;
})()`;

/** How the GCs of the measurements so far were made. */
export interface GcTally {
  incremental: number;
  /** Atomic fallbacks, by reason (the helper answers 'incremental' or the reason). */
  atomic: Map<string, number>;
}

/** `collect`: the first full GC; `read`: the read, sent while a second full GC's marking runs. */
export interface TargetGc extends Required<MeasurementGc> {
  readonly tally: GcTally;
  /**
   * V8's live compiled code and bytecode with their metadata (getHeapCodeStatistics), read in
   * the target right after the last `collect`'s GC; null when it could not be read.
   */
  readonly v8CodeBytes: number | null;
}

/** The measurement GCs for one capture over `session` (see the comment above). */
export function incrementalFullGc(session: InspectorSession): TargetGc {
  const tally: GcTally = { incremental: 0, atomic: new Map() };
  const countAtomic = (reason: string): void => void tally.atomic.set(reason, (tally.atomic.get(reason) ?? 0) + 1);
  let collectGarbageOnly = false;
  const evaluate = (expression: string, awaitPromise = false) =>
    session.post<{ result: { value?: unknown }; exceptionDetails?: unknown }>('Runtime.evaluate', {
      expression,
      includeCommandLineAPI: true,
      returnByValue: true,
      awaitPromise,
      silent: true,
    });
  const result = {
    tally,
    v8CodeBytes: null as number | null,
    collect,
    read,
  };
  const atomic = async (reason: string): Promise<void> => {
    countAtomic(reason);
    if (!collectGarbageOnly) {
      const reply = await evaluate(`(() => { const h = ${HELPER}; h.atomic(); return h.code(); })()`);
      if (!reply.exceptionDetails && typeof reply.result.value === 'number') {
        result.v8CodeBytes = reply.result.value;
        return;
      }
      collectGarbageOnly = true;
    }
    await session.post('HeapProfiler.collectGarbage');
  };
  return result;

  async function collect(): Promise<void> {
    result.v8CodeBytes = null;
    if (collectGarbageOnly) return atomic('the target cannot make a gc function');
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<'blocked'>((resolve) => (timer = setTimeout(() => resolve('blocked'), WAIT_MS)));
    const collected = evaluate(`${HELPER}.collect(${TARGET_WAIT_MS})`, true);
    collected.catch(() => undefined); // answered late or never (the target exiting): settled below
    const outcome = await Promise.race([collected, waited]).finally(() => clearTimeout(timer));
    if (outcome === 'blocked') return atomic('the target did not answer in time');
    const value = outcome.exceptionDetails ? null : (outcome.result.value as { how?: unknown; code?: unknown } | null);
    const how = value?.how;
    if (typeof value?.code === 'number') result.v8CodeBytes = value.code;
    if (how === 'incremental') tally.incremental++;
    else if (typeof how === 'string') countAtomic(how);
    else await atomic('the incremental path failed in the target');
  }

  async function read<T>(read: () => Promise<T>): Promise<T> {
    // Sent in one write: the marking starts just before the read's request is handled. If
    // the target handled the read only after V8 had finished that marking (seen with a CPU
    // burner beside an idle target), the read's GC is atomic: the old cost, once.
    // (Short, to compile fast: `collect` installed the helper.)
    const send = () => Promise.all([evaluate(`globalThis[${KEY}]?.mark?.()`), read()]);
    const [, value] = await (session.together ? session.together(send) : send());
    return value;
  }
}

/** The notes' line about the measurement GCs, when any fell back to an atomic one. */
export function describeGcTally(tally: GcTally): string | null {
  if (tally.atomic.size === 0) return null;
  const reasons = [...tally.atomic].map(([reason, n]) => `${n}× ${reason}`).join('; ');
  return `measurement GCs: ${tally.incremental} marked incrementally, ${[...tally.atomic.values()].reduce((a, b) => a + b, 0)} atomic (${reasons}) — an atomic full GC deoptimizes the program's hot code (ARCHITECTURE, "Cost")`;
}

/** At the end of a capture: the target keeps nothing of ours (an attached program runs on). */
export async function forgetGcFunction(session: InspectorSession): Promise<void> {
  await session
    .post('Runtime.evaluate', { expression: `delete globalThis[${KEY}]`, returnByValue: true, silent: true })
    .catch(() => undefined);
}
