import type { Leak } from '../leak-report.js';
import { formatFrame, sameFrame } from '../../model/frame.js';

/**
 * When one suspect's site is a caller on another suspect's stack, the caller's count may hold
 * the callee's allocations: V8's sampling profiler records an inlined function's allocations
 * under the function it was inlined into (TurboFan inlining). Measured on
 * examples/leaky-server.cjs: `audit` inlined into the request handler shows up at both sites.
 * A fact we can see (the call relation) is stated, with the possibility it implies; the
 * counts are not moved between sites, because we cannot know which were inlined.
 */
export function annotateInlining(leaks: Leak[]): void {
  for (const caller of leaks) {
    if (!caller.site) continue;
    const callees = leaks.filter(
      (other) => other !== caller && other.site !== null && other.stack.slice(1).some((f) => sameFrame(f, caller.site!)),
    );
    if (callees.length === 0) continue;
    const names = callees.map((c) => formatFrame(c.site!)).join(', ');
    caller.evidence += `; this site calls the suspect${callees.length > 1 ? 's' : ''} ${names}: if V8 inlined ${callees.length > 1 ? 'them' : 'it'} here, ${callees.length > 1 ? 'their' : 'its'} allocations are counted under this site too (run the program with --no-turbo-inlining to separate them)`;
  }
}
