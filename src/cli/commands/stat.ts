import type { CommandSpec } from '../command.js';
import { parseChoice, parseCount } from '../parse-values.js';

const GROUPINGS = ['type', 'constructor', 'size', 'site', 'package'] as const;

export const statCommand: CommandSpec = {
  name: 'stat',
  summary: 'heap statistics grouped by type, constructor, size, allocation site or package (!heap -stat -grp)',
  usage:
    'stat <snapshot.heapsnapshot> [--by type|constructor|size|site|package] | stat <native-capture> [--by site|size|module|stack|temporary|fd] [--top N]',
  details: [
    'site and package need allocation stacks: a snapshot taken with node --track-heap-objects or leaktrace run --exact.',
    'A native capture (leaktrace native) groups the blocks live at the end by site (default), size, module or whole stack;',
    '--by temporary ranks sites by allocations freed at once, --by fd groups the descriptors still open.',
  ].join('\n'),
  options: {
    by: {
      type: 'string',
      valueName: GROUPINGS.join('|'),
      description: 'what to group by (default: constructor; site for a native capture)',
    },
    top: { type: 'string', valueName: 'N', description: 'groups to show', default: '25' },
    process: { type: 'string', valueName: 'PID[-N]', description: 'native capture: which process (default: the one leaktrace started)' },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const { isNativeInput, nativeStat } = await import('../native-views.js');
    if (await isNativeInput(ctx.positionals[0])) return nativeStat(ctx);
    const by = parseChoice('by', String(ctx.values.by ?? 'constructor'), GROUPINGS);
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
