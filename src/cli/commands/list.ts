import { addConstructorOption, type CommandSpec, constructorOption, type OptionSpec } from '../command.js';
import { parseCount, parseSize } from '../parse-values.js';

export const listCommand: CommandSpec = {
  name: 'list',
  summary: 'list the objects that match a filter, largest retained first (!heap -flt)',
  usage:
    'list <snapshot.heapsnapshot | native-capture> [--constructor C] [--type T] [--min-size N] [--size N] [--site S] [--module M] [--top N]',
  options: {
    // `constructor` is every object's inherited key, so this one entry is added by name below.
    type: { type: 'string', valueName: 'T', description: 'node type: object, string, array, closure, native, code, ...' },
    'min-size': { type: 'string', valueName: 'N', description: 'self size at least N bytes (64k, 1MB accepted)' },
    size: { type: 'string', valueName: 'N', description: 'self size exactly N bytes' },
    site: { type: 'string', valueName: 'S', description: 'allocation site contains S (needs allocation stacks)' },
    unreachable: { type: 'boolean', description: 'include unreachable objects (uncollected garbage)' },
    top: { type: 'string', valueName: 'N', description: 'objects to show', default: '50' },
    process: { type: 'string', valueName: 'PID[-N]', description: 'native capture: which process (default: the one leaktrace started)' },
    module: { type: 'string', valueName: 'M', description: 'native capture: blocks allocated from module M (libfoo.so)' },
  } as Record<string, OptionSpec>,
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const { isNativeInput, nativeList } = await import('../native-views.js');
    if (await isNativeInput(ctx.positionals[0])) return nativeList(ctx);
    const v = ctx.values;
    const filter = {
      constructorName: constructorOption(v),
      type: v.type as string | undefined,
      minSize: v['min-size'] !== undefined ? parseSize('min-size', String(v['min-size'])) : undefined,
      size: v.size !== undefined ? parseSize('size', String(v.size)) : undefined,
      site: v.site as string | undefined,
      includeUnreachable: v.unreachable === true,
    };
    const top = parseCount('top', String(v.top), 1);
    const { openSnapshot } = await import('../open-snapshot.js');
    const { listObjects } = await import('../../analysis/snapshot/list.js');
    const { UsageError, InputError } = await import('../../errors.js');
    const analysis = await openSnapshot(ctx.positionals[0], ctx, { paths: true });
    const types = analysis.snapshot.meta.nodeTypes;
    if (filter.type !== undefined && !types.includes(filter.type)) throw new UsageError(`--type must be one of ${types.join(', ')}`);
    if (filter.site !== undefined && !analysis.snapshot.traces) {
      throw new InputError(`${analysis.snapshot.file}: has no allocation stacks, so --site cannot match anything`);
    }
    const result = listObjects(analysis, filter, { limit: top });
    if (ctx.json) ctx.out.json(result);
    else {
      const { renderList } = await import('../../report/snapshot-text.js');
      ctx.out.print(renderList(result, ctx.out.width));
    }
    return 0;
  },
};

addConstructorOption(listCommand, { valueName: 'C', description: 'class name, as stat --by constructor shows it' });
