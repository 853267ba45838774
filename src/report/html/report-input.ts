import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { CheckReport } from '../../check/check-leaks.js';
import { InputError, UsageError } from '../../errors.js';

/** What a report can be made from. */
export type ReportInput =
  /** A `leaktrace check` result (CheckReport), in memory or read from `check --json` output. */
  | { kind: 'check'; report: CheckReport & { module?: string; mode?: string }; source?: string; nodeVersion?: string }
  /** A capture folder written by run, attach, check or handles (or what is left of one). */
  | { kind: 'capture'; dir: string }
  /** One to three `.heapsnapshot` files: a summary, a diff, or leak candidates. */
  | { kind: 'snapshots'; files: string[] };

/**
 * Works out what the paths on a `leaktrace report` command line are: a folder is a capture,
 * a `.json` file a saved check report, anything else heap snapshots. Errors are one line.
 */
export function resolveReportInput(paths: readonly string[]): ReportInput {
  if (paths.length === 0) throw new UsageError('report: give a capture folder, a check report (.json) or 1-3 .heapsnapshot files');
  for (const p of paths) if (!existsSync(p)) throw new InputError(`${p}: no such file or folder`);
  const first = paths[0];
  if (statSync(first).isDirectory()) {
    if (paths.length > 1) throw new UsageError('report: give one capture folder at a time');
    return { kind: 'capture', dir: first };
  }
  if (extname(first).toLowerCase() === '.json') {
    if (paths.length > 1) throw new UsageError('report: give one check report at a time');
    return { kind: 'check', report: readCheckReport(first), source: `the check report ${first}` };
  }
  if (paths.length > 3) throw new UsageError('report: at most three heap snapshots (baseline, target, final)');
  for (const p of paths) if (statSync(p).isDirectory()) throw new UsageError(`${p}: a folder cannot be mixed with snapshot files`);
  return { kind: 'snapshots', files: [...paths] };
}

/** Reads `leaktrace check --json` output (or a capture's leaks.json), checking its shape. */
export function readCheckReport(file: string): CheckReport & { module?: string } {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputError(`${file}: not valid JSON (${(err as Error).message}); is the file complete?`);
  }
  const r = value as Partial<CheckReport> | null;
  if (!r || typeof r !== 'object' || !Array.isArray(r.leaks) || typeof r.iterations !== 'number') {
    throw new InputError(`${file}: not a leaktrace check report (expected the output of \`leaktrace check --json\`)`);
  }
  for (const [i, leak] of r.leaks.entries()) {
    if (!leak || typeof leak !== 'object' || typeof leak.probability !== 'number' || !Array.isArray(leak.stack))
      throw new InputError(`${file}: leak #${i + 1} is not in leaktrace's format (probability and stack are required)`);
  }
  return r as CheckReport & { module?: string };
}
