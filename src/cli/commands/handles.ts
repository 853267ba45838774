import type { CommandSpec } from '../command.js';
import { parseCount, parseDuration } from '../parse-values.js';

export const handlesCommand: CommandSpec = {
  name: 'handles',
  summary: 'trace handles (sockets, timers, watchers, processes, fds) with creation stacks; snapshot, diff, why it will not exit',
  usage: 'handles [options] -- <command...>  |  handles snapshot|diff|list <pid>  |  handles list <capture-dir>',
  details: [
    'Runs the program with the handle agent preloaded (Node processes it starts are traced too)',
    'and records the stack that opened every socket, server, timer, watcher, child process,',
    'zlib stream, FileHandle and fs.open descriptor. While it runs: on a terminal press s',
    '(snapshot), d (diff against the last snapshot), l (list what is open), q or Ctrl-C (stop);',
    "from anywhere, `kill -USR2 <leaktrace's pid>` takes a snapshot, then diffs; from another",
    'terminal, `leaktrace handles snapshot|diff|list <pid>` talks to the agent of that process',
    '(a Unix socket readable by the same user only). When the program exits, or on Ctrl-C, it',
    'prints what is still open, grouped by creation stack, and which handles kept the process',
    'alive; Ctrl-C then stops the program (its whole process group).',
    '',
    'Exit code: 1 with --fail-on-leak when handles were still open at the end or appeared in a',
    "diff, else 0 (the program's own exit code is reported). Promise tracking (--promises)",
    'costs a stack per promise: expect promise-heavy code to run several times slower.',
  ].join('\n'),
  options: {
    'snapshot-after': { type: 'string', valueName: 'DURATION', description: 'take a snapshot this long after start (e.g. 5s)' },
    'diff-every': { type: 'string', valueName: 'DURATION', description: 'diff against that snapshot at this interval (e.g. 30s)' },
    'fail-on-leak': { type: 'boolean', description: 'exit 1 when handles are outstanding at the end or in a diff' },
    promises: { type: 'boolean', description: 'also track promises (expensive: a stack per promise)' },
    capture: { type: 'string', valueName: 'DIR', description: 'capture folder to write (default: a new folder under the temp dir)' },
    all: { type: 'boolean', description: "also show what is set aside as noise (Node's DNS resolver, stdio, ...)" },
    top: { type: 'string', valueName: 'N', description: 'groups shown with their stacks', default: '10' },
    depth: { type: 'string', valueName: 'N', description: 'frames shown per stack', default: '6' },
    label: { type: 'string', valueName: 'TEXT', description: 'with `snapshot <pid>`: a label for the snapshot' },
    id: { type: 'string', valueName: 'N', description: 'with `diff <pid>`: the snapshot to diff against (default: the latest)' },
  },
  positionals: { min: 0, max: 2 },
  takesCommand: true,
  async run(ctx) {
    const v = ctx.values;
    const view = {
      all: v.all === true,
      top: parseCount('top', String(v.top), 1),
      depth: parseCount('depth', String(v.depth), 1),
      failOnLeak: v['fail-on-leak'] === true,
    };
    if (ctx.rest.length === 0) {
      const { UsageError } = await import('../../errors.js');
      const [sub, target] = ctx.positionals;
      if (!['snapshot', 'diff', 'list'].includes(sub))
        throw new UsageError(`unknown subcommand '${sub}' (snapshot, diff, list, or -- <command>)`);
      if (target === undefined) throw new UsageError(`'handles ${sub}' needs a process id${sub === 'list' ? ' or a capture folder' : ''}`);
      const { runHandlesRequest } = await import('../run-handles-request.js');
      return runHandlesRequest(ctx, sub as 'snapshot' | 'diff' | 'list', target, {
        ...view,
        label: v.label as string | undefined,
        id: v.id !== undefined ? parseCount('id', String(v.id), 1) : undefined,
      });
    }
    if (ctx.positionals.length > 0) {
      const { UsageError } = await import('../../errors.js');
      throw new UsageError(`unexpected argument '${ctx.positionals[0]}' before --`);
    }
    const { runHandles } = await import('../run-handles.js');
    return runHandles(ctx, {
      ...view,
      command: ctx.rest,
      promises: v.promises === true,
      captureDir: v.capture as string | undefined,
      snapshotAfterMs: v['snapshot-after'] !== undefined ? parseDuration('snapshot-after', String(v['snapshot-after'])) : undefined,
      diffEveryMs: v['diff-every'] !== undefined ? parseDuration('diff-every', String(v['diff-every'])) : undefined,
    });
  },
};
