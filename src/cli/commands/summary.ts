import type { CommandSpec } from '../command.js';
import { parseCount } from '../parse-values.js';

export const summaryCommand: CommandSpec = {
  name: 'summary',
  summary: 'heap snapshot overview: sizes by type, V8 heap vs external, top constructors (!heap -s)',
  usage: 'summary <snapshot.heapsnapshot> [--top N]',
  options: {
    top: { type: 'string', valueName: 'N', description: 'constructors to list', default: '15' },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const top = parseCount('top', String(ctx.values.top), 1);
    const { openSnapshot } = await import('../open-snapshot.js');
    const { summarize } = await import('../../analysis/snapshot/summary.js');
    const analysis = await openSnapshot(ctx.positionals[0], ctx);
    const summary = summarize(analysis, { top });
    if (ctx.json) ctx.out.json(summary);
    else {
      const { renderSummary } = await import('../../report/snapshot-text.js');
      ctx.out.print(renderSummary(summary, ctx.out.width));
    }
    return 0;
  },
};
