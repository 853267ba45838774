import { UsageError } from '../../errors.js';
import type { CommandSpec } from '../command.js';
import { parseCount } from '../parse-values.js';

/** `@123` or `123` → 123. */
export function parseObjectId(text: string): number {
  const m = /^@?(\d+)$/.exec(text);
  if (!m) throw new UsageError(`expected an object id such as @1234, got '${text}'`);
  return Number(m[1]);
}

export const showCommand: CommandSpec = {
  name: 'show',
  summary: 'one object (retainers, contents) or one native block (its allocation stack): !heap -p -a, dc',
  usage: 'show <snapshot.heapsnapshot> @ID [--edges N] | show <native-capture> ADDRESS',
  options: {
    edges: { type: 'string', valueName: 'N', description: 'contents and retainers to list', default: '50' },
    process: { type: 'string', valueName: 'PID[-N]', description: 'native capture: which process (default: the one leaktrace started)' },
  },
  positionals: { min: 2, max: 2 },
  async run(ctx) {
    const { isNativeInput, nativeShow } = await import('../native-views.js');
    if (await isNativeInput(ctx.positionals[0])) return nativeShow(ctx);
    const id = parseObjectId(ctx.positionals[1]);
    const maxEdges = parseCount('edges', String(ctx.values.edges), 1);
    const { openSnapshot } = await import('../open-snapshot.js');
    const { describeObject } = await import('../../analysis/snapshot/describe.js');
    const analysis = await openSnapshot(ctx.positionals[0], ctx, { paths: true });
    const d = describeObject(analysis, id, { maxEdges });
    if (ctx.json) ctx.out.json(d);
    else {
      const { renderDescription } = await import('../../report/snapshot-text.js');
      ctx.out.print(renderDescription(d, ctx.out.width));
    }
    return 0;
  },
};
