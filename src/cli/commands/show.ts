import { UsageError } from '../../errors.js';
import { addConstructorOption, type CommandContext, type CommandSpec, constructorOption } from '../command.js';
import { parseCount, parseSize } from '../parse-values.js';

/** `@123` or `123` → 123. */
export function parseObjectId(text: string): number {
  const m = /^@?(\d+)$/.exec(text);
  if (!m) throw new UsageError(`expected an object id such as @1234, got '${text}'`);
  return Number(m[1]);
}

export const showCommand: CommandSpec = {
  name: 'show',
  summary: 'one object (retainers, contents) or one native block (its allocation stack): !heap -p -a, dc',
  usage:
    'show <snapshot.heapsnapshot> @ID [--edges N] | show <native-capture> ADDRESS | show --pid PID @ID... | show --pid PID --constructor C',
  details:
    'With --pid, objects are read in the running Node process itself (its inspector is opened with SIGUSR1 and closed again):\n' +
    'properties with their current values and, for Buffers, ArrayBuffers and typed arrays, a hex dump of the bytes.\n' +
    'Ids are valid for snapshots the process wrote itself (v8.writeHeapSnapshot, --heapsnapshot-signal); ids from a\n' +
    'snapshot of an earlier inspector session (run, attach) are not. --constructor takes a snapshot in the same session\n' +
    'and shows the largest live objects of that class.',
  options: {
    edges: { type: 'string', valueName: 'N', description: 'contents and retainers to list', default: '50' },
    pid: {
      type: 'string',
      valueName: 'PID',
      description: 'read the objects live in this running Node process (or in the one whose inspector is open at HOST:PORT or a ws:// URL)',
    },
    limit: { type: 'string', valueName: 'N', description: 'with --constructor: how many objects', default: '3' },
    bytes: { type: 'string', valueName: 'N', description: 'with --pid: bytes of binary data to dump', default: '256' },
    'max-snapshot-memory': {
      type: 'string',
      valueName: 'SIZE',
      description:
        'with --constructor: the most memory the heap snapshot may take in the process (V8 builds it there); default: what is free in its cgroup and on the machine',
    },
    process: { type: 'string', valueName: 'PID[-N]', description: 'native capture: which process (default: the one leaktrace started)' },
  },
  positionals: { min: 0, max: 20 },
  async run(ctx) {
    if (ctx.values.pid !== undefined) return showLive(ctx);
    if (ctx.positionals.length !== 2) throw new UsageError('expected a snapshot and one object id (show SNAP @ID), or --pid PID');
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

async function showLive(ctx: CommandContext): Promise<number> {
  const { parseAttachTarget } = await import('../../capture/live/attach.js');
  const target = parseAttachTarget(String(ctx.values.pid));
  if (!target)
    throw new UsageError(`--pid: expected a process id, an inspector's HOST:PORT, or its ws:// URL, got '${String(ctx.values.pid)}'`);
  const constructorName = constructorOption(ctx.values);
  const ids = ctx.positionals.map(parseObjectId);
  if (constructorName === undefined && ids.length === 0) throw new UsageError('show --pid needs an object id (@ID) or --constructor CLASS');
  if (constructorName !== undefined && ids.length > 0) throw new UsageError('show --pid takes object ids or --constructor, not both');
  const { liveShow } = await import('../live-show.js');
  return liveShow(ctx, {
    target,
    ids,
    constructorName,
    limit: parseCount('limit', String(ctx.values.limit), 1),
    maxBytes: parseCount('bytes', String(ctx.values.bytes), 0),
    maxProperties: parseCount('edges', String(ctx.values.edges), 1),
    maxSnapshotMemory:
      ctx.values['max-snapshot-memory'] !== undefined ? parseSize('max-snapshot-memory', String(ctx.values['max-snapshot-memory'])) : null,
  });
}

addConstructorOption(showCommand, { valueName: 'CLASS', description: 'with --pid: the largest live objects of this class' });
