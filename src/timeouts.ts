/**
 * Bounding a promise in time: a target in an odd state, a worker busy in a loop or an
 * operation that never settles must not hang leaktrace. The timer is cleared as soon as the
 * promise settles, and stays ref'd meanwhile (a promise that never settles, with nothing else
 * pending, must not let the process exit quietly).
 */

/** `p`, or a rejection with `late()` if it does not settle within `ms`. */
export function rejectAfter<T>(p: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(late()), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** `p`'s value when it settles within `ms`, else null (rejects as `p` does). */
export function valueWithin<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
