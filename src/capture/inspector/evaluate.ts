import { TOOLING_EVALUATE_NAME } from '../../analysis/attribution.js';
import type { InspectorSession } from './session.js';

type EvalReply<T> = { result: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } } };

/**
 * Evaluates `expression` in the target and returns its value. With the command-line API, so
 * that `require` is there for it; silent, so that the target's console shows nothing. Throws
 * the target's exception as one line.
 */
export async function evaluateInTarget<T>(session: InspectorSession, expression: string): Promise<T> {
  const r = await session.post<EvalReply<T>>('Runtime.evaluate', {
    expression,
    includeCommandLineAPI: true,
    returnByValue: true,
    silent: true,
  });
  if (r.exceptionDetails) throw new Error((r.exceptionDetails.exception?.description ?? r.exceptionDetails.text).split('\n')[0]);
  return r.result.value as T;
}

/**
 * An expression evaluated in the target, run inside a function named TOOLING_EVALUATE_NAME.
 * V8 runs an evaluate on top of whatever JavaScript the target was running (the inspector
 * interrupts it), and its sampling heap profiler records what the evaluate allocates on that
 * stack: leaktrace's memory probe, `require('v8')` included, came out as the program's own
 * growth at the busy function it interrupted (a garbage-only program reported at p 0.55 at its
 * loop, 12 s under `run`). An evaluated script has no name in the profile (its sourceURL is
 * not used there), but a function's name is: the attribution skips any stack through it
 * (analysis/attribution.ts, allocatedByTooling). Direct eval keeps the expression's meaning,
 * the command-line API (`require`) included.
 */
export function asToolingEvaluation(expression: string): string {
  return `(function ${TOOLING_EVALUATE_NAME}() { return eval(${JSON.stringify(expression)}); })()`;
}
