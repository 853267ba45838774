import type { CommandSpec } from '../command.js';
import { parseCount, parseDuration, parsePid } from '../parse-values.js';

export const fdsCommand: CommandSpec = {
  name: 'fds',
  summary: 'open file descriptors of any Linux process by kind, with socket addresses; --watch marks new and closed',
  usage: 'fds <pid> [--watch] [--interval 1s] [--json]',
  details: [
    'Reads /proc/<pid>/fd and fdinfo: files with their paths, sockets with local and remote',
    'addresses (from /proc/<pid>/net/tcp, tcp6, udp, udp6, unix), pipes, eventfd, timerfd,',
    'epoll, inotify and other anon inodes, with counts per kind. Works for any process you may',
    'read, Node or not. --watch refreshes, marks descriptors opened (+) and closed (-) since the',
    'last refresh and keeps running totals; with --json it prints one JSON object per refresh.',
  ].join('\n'),
  options: {
    watch: { type: 'boolean', short: 'w', description: 'refresh until Ctrl-C, marking new and closed descriptors' },
    interval: { type: 'string', valueName: 'DURATION', description: 'time between refreshes with --watch', default: '1s' },
    count: { type: 'string', valueName: 'N', description: 'with --watch: stop after N refreshes' },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const pid = parsePid(ctx.positionals[0]);
    const intervalMs = parseDuration('interval', String(ctx.values.interval));
    const count = ctx.values.count !== undefined ? parseCount('count', String(ctx.values.count), 1) : undefined;
    const { runFds } = await import('../run-fds.js');
    return runFds(ctx, pid, { watch: ctx.values.watch === true, intervalMs: Math.max(100, intervalMs), count });
  },
};
