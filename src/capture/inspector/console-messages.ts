import type { InspectorSession } from './session.js';

/**
 * Lets go of the console messages V8 keeps for inspector sessions. While any session is
 * connected, Node passes each console call on to V8's inspector, which keeps the last 1,000
 * messages — with their arguments, alive — for a debugger that enables the Runtime domain
 * later (measured: 500 console.log calls of a 100 KB object kept 50 MB of the target's heap
 * until discarded). Under leaktrace that is our doing, not the program's: a program logging an
 * object per request would show its logging line growing until the thousandth message, a
 * leak by every test the judge has. So every measurement and snapshot discards them first, and
 * the memory series every few seconds (memory-probe.ts). (A DevTools session the user has open on the same program loses that console history.)
 */
export async function discardConsoleMessages(session: InspectorSession): Promise<void> {
  await session.post('Runtime.discardConsoleEntries').catch(() => undefined);
}
