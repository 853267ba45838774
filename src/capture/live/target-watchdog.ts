import { evaluateInTarget } from '../inspector/evaluate.js';
import type { InspectorSession } from '../inspector/session.js';

/**
 * What `attach` changes in a running program — V8's inlining flags, the handle agent's async
 * hook — is undone at the detach. If leaktrace dies instead (killed, out of memory, its
 * machine's session closed), the program must not keep paying for it: a watchdog installed in
 * the target undoes it by itself once leaktrace has been silent for a while.
 *
 * Leaktrace's memory probe (every --series-every) stamps `seen`. The watchdog is an unref'd
 * timer that counts its own ticks — event-loop time, so a program blocked writing a heap
 * snapshot does not take leaktrace for gone — and after `limitMs` of ticks without a new
 * stamp runs every registered cleanup (each in its own try: nothing leaktrace left may throw
 * into the program) and removes itself. At a normal detach leaktrace undoes each change
 * itself, then removes the watchdog.
 */

/** The global the watchdog lives under (a Symbol.for key). */
export const WATCHDOG_KEY = 'leaktrace.watchdog';

/** The watchdog's state in the target, as JavaScript source. */
export const WATCHDOG = `globalThis[Symbol.for(${JSON.stringify(WATCHDOG_KEY)})]`;

/** Installs the watchdog (replacing one a dead leaktrace left, after running its cleanups). */
export async function installWatchdog(session: InspectorSession, limitMs: number): Promise<void> {
  const tick = Math.max(250, Math.min(2000, Math.floor(limitMs / 5)));
  await evaluateInTarget(
    session,
    `(() => {
      const key = Symbol.for(${JSON.stringify(WATCHDOG_KEY)});
      globalThis[key]?.fire();
      const state = { seen: Date.now(), timer: null, cleanups: new Map(), fire: () => {
        clearInterval(state.timer);
        if (globalThis[key] === state) delete globalThis[key];
        for (const cleanup of state.cleanups.values()) try { cleanup(); } catch {}
        state.cleanups.clear();
      } };
      let last = state.seen;
      let quiet = 0;
      state.timer = setInterval(() => {
        if (state.seen !== last) { last = state.seen; quiet = 0; return; }
        quiet += ${tick};
        if (quiet >= ${limitMs}) state.fire();
      }, ${tick});
      state.timer.unref();
      globalThis[key] = state;
      return true;
    })()`,
  );
}

/**
 * Registers what the watchdog runs if leaktrace goes silent: `source` is a JavaScript function
 * expression, evaluated now (so `require` is there for it to capture). No-op without a
 * watchdog (`run`, whose program is leaktrace's own child).
 */
export async function addCleanup(session: InspectorSession, name: string, source: string): Promise<void> {
  await evaluateInTarget(session, `void ${WATCHDOG}?.cleanups.set(${JSON.stringify(name)}, ${source})`);
}

/** Forgets a cleanup that leaktrace has done itself. */
export async function dropCleanup(session: InspectorSession, name: string): Promise<void> {
  await evaluateInTarget(session, `void ${WATCHDOG}?.cleanups.delete(${JSON.stringify(name)})`).catch(() => undefined);
}

/** At a normal detach, once leaktrace has undone its changes itself. */
export async function removeWatchdog(session: InspectorSession): Promise<void> {
  await evaluateInTarget(session, `(() => { const w = ${WATCHDOG}; if (!w) return; w.cleanups.clear(); w.fire(); })()`).catch(
    () => undefined,
  );
}
