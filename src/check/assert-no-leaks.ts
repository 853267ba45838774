import { AssertionError } from 'node:assert';
import { packageLabel } from '../analysis/snapshot/stat.js';
import { formatBytes, formatPercent } from '../cli/output/format.js';
import { formatFrame } from '../model/frame.js';
import { renderPlaces } from '../report/leak-text.js';
import { type CheckLeaksOptions, type CheckReport, checkLeaks } from './check-leaks.js';

/**
 * Fails the calling test when `fn` leaks: runs `checkLeaks(fn, options)` and throws an
 * AssertionError listing the leaking sites. Works in any runner that fails a test on a thrown
 * error (node:test, vitest, jest, mocha). Resolves to the report when nothing leaks.
 *
 *   test('parsing does not leak', async () => {
 *     await assertNoLeaks(() => parse(sample));
 *   });
 */
export async function assertNoLeaks(fn: () => unknown, options: CheckLeaksOptions & { message?: string } = {}): Promise<CheckReport> {
  const report = await checkLeaks(fn, options);
  if (report.leaks.length > 0) {
    throw new AssertionError({
      message: `${options.message ?? 'the operation leaks'}:\n${describeLeaks(report)}${renderPlaces(report.leaks).join('\n')}`,
      actual: report.leaks.length,
      expected: 0,
      operator: 'assertNoLeaks',
      stackStartFn: assertNoLeaks,
    });
  }
  return report;
}

/** One paragraph per leak: what, where, how fast, how sure. */
export function describeLeaks(report: CheckReport): string {
  return report.leaks
    .map((l, i) => {
      const rate = l.perIteration ? `${formatBytes(l.perIteration.bytes)} and ${l.perIteration.count.toFixed(2)} objects per run` : '';
      const lines = [
        `  ${i + 1}. ${l.kind === 'handle' ? `${l.resource} handles` : `${l.kind} memory`} growing at ${l.site ? formatFrame(l.site) : '(internals)'} — ${rate}, probability ${formatPercent(l.probability)}`,
        `     your code: ${l.userFrame ? formatFrame(l.userFrame) : '(none on the stack)'}; package: ${packageLabel(l.package)}`,
      ];
      const path = l.retainerPaths?.[0];
      if (path) lines.push(`     held by: ${path.slice(-4).join(' ')}`);
      return lines.join('\n');
    })
    .join('\n');
}
