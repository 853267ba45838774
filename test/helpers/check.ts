import assert from 'node:assert/strict';
import type { Leak } from '../../src/analysis/leak-report.js';
import type { CheckReport } from '../../src/check/check-leaks.js';
import { fixture, runCli } from './run-cli.js';

/** Runs `leaktrace check --json` on a corpus program; returns the exit code and report. */
export async function check(name: string, args: string[] = []): Promise<{ code: number | null; report: CheckReport; stderr: string }> {
  const r = await runCli(['check', fixture(name), '--json', ...args], { timeoutMs: 180_000 });
  assert.ok(r.code === 0 || r.code === 1, `${name}: exit ${r.code}: ${r.stderr}`);
  return { code: r.code, report: JSON.parse(r.stdout) as CheckReport, stderr: r.stderr };
}

/** The leak whose site is `fn` (and, if given, whose user frame is `userFn`). */
export function findLeak(report: CheckReport, fn: string, userFn?: string): Leak {
  const leak = report.leaks.find((l) => l.site?.functionName === fn && (userFn === undefined || l.userFrame?.functionName === userFn));
  assert.ok(
    leak,
    `no leak at ${fn}; found: ${report.leaks.map((l) => `${l.site?.functionName}/${l.userFrame?.functionName}`).join(', ') || 'none'}`,
  );
  return leak;
}
