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
