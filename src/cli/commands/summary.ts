import type { CommandSpec } from '../command.js';
import { parseCount } from '../parse-values.js';

export const summaryCommand: CommandSpec = {
  name: 'summary',
  summary: 'overview (!heap -s): a heap snapshot by type and constructor, or a native capture by module, live and peak',
  usage: 'summary <snapshot.heapsnapshot | native-capture-folder> [--top N]',
  options: {
    top: { type: 'string', valueName: 'N', description: 'constructors to list', default: '15' },
    process: { type: 'string', valueName: 'PID[-N]', description: 'native capture: which process (default: the one leaktrace started)' },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const { isNativeInput, nativeSummary } = await import('../native-views.js');
    if (await isNativeInput(ctx.positionals[0])) return nativeSummary(ctx);
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
