import { UsageError } from '../errors.js';

/**
 * Parsers for option values. Each throws a UsageError naming the option, so a typo gives
 * one clear line and exit code 2.
 */

export function parseCount(option: string, value: string, min = 0): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--${option} expects a whole number, got '${value}'`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${option} must be at least ${min}, got '${value}'`);
  return n;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** `4096`, `64k`, `10MB`, `1.5GiB` → bytes (binary units). */
export function parseSize(option: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`--${option} expects a size such as 4096, 64k or 10MB, got '${value}'`);
  return Math.round(Number(m[1]) * unit);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, '': 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** `500ms`, `5s`, `2m`, `1h`, or a bare number of seconds → milliseconds. */
export function parseDuration(option: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? DURATION_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`--${option} expects a duration such as 500ms, 5s or 2m, got '${value}'`);
  return Math.round(Number(m[1]) * unit);
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(option: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${option} must be one of ${choices.join(', ')}, got '${value}'`);
}

/** A PID: a positive whole number. */
export function parsePid(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) <= 0) throw new UsageError(`expected a process id, got '${value}'`);
  return Number(value);
}
