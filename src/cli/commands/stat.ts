import type { CommandSpec } from '../command.js';
import { parseChoice, parseCount } from '../parse-values.js';

const GROUPINGS = ['type', 'constructor', 'size', 'site', 'package'] as const;

export const statCommand: CommandSpec = {
  name: 'stat',
  summary: 'heap statistics grouped by type, constructor, size, allocation site or package (!heap -stat -grp)',
  usage: 'stat <snapshot.heapsnapshot> [--by type|constructor|size|site|package] [--top N]',
  details: 'site and package need allocation stacks: a snapshot taken with node --track-heap-objects or leaktrace run --exact.',
  options: {
    by: { type: 'string', valueName: GROUPINGS.join('|'), description: 'what to group by', default: 'constructor' },
    top: { type: 'string', valueName: 'N', description: 'groups to show', default: '25' },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const by = parseChoice('by', String(ctx.values.by), GROUPINGS);
    const top = parseCount('top', String(ctx.values.top), 1);
    const { openSnapshot } = await import('../open-snapshot.js');
    const { statBy } = await import('../../analysis/snapshot/stat.js');
    const analysis = await openSnapshot(ctx.positionals[0], ctx);
    const result = statBy(analysis, by, { top });
    if (ctx.json) ctx.out.json(result);
    else {
      const { renderStat } = await import('../../report/snapshot-text.js');
      ctx.out.print(renderStat(result, ctx.out.width));
    }
    return 0;
  },
};
