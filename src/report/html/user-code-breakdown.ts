import { type LeakGroup, placesShared } from '../../analysis/leak-groups.js';
import { formatBytes } from '../../cli/output/format.js';
import { topRows } from './from-check.js';
import type { Breakdown } from './report-data.js';

/**
 * The leaks' growth by the place in the user's code they are reached from
 * (analysis/leak-groups.ts), when some place leads into more than one leak; null otherwise.
 */
export function userCodeBreakdown(groups: readonly LeakGroup[]): Breakdown | null {
  if (!placesShared(groups)) return null;
  const per = groups[0].per;
  const total = groups.reduce((t, g) => t + g.bytes, 0);
  return {
    id: 'by-user-code',
    title: 'Leaks by place in your code',
    note: `Growth per ${per} of the leaks reached from each place (function and lines) in your code (${formatBytes(total)} per ${per} in all); the count is the number of leaking sites.`,
    columns: { key: 'your code', count: 'leaks' },
    rows: topRows(
      groups.map((g) => ({
        label: g.userFrame
          ? g.userFrame.functionName || '(anonymous)'
          : g.keptIn
            ? `kept in ${g.keptIn.variable}`
            : '(no frame of your code)',
        detail: g.userFrame
          ? `${g.userFrame.file}:${g.lines.join(', ')}`
          : g.keptIn
            ? `${g.keptIn.file}${g.keptIn.line !== null ? `:${g.keptIn.line}` : ''}`
            : undefined,
        bytes: g.bytes,
        count: g.leaks.length,
      })),
    ),
    total,
  };
}
