import type { CommandSpec } from '../command.js';
import { parseChoice, parseSize } from '../parse-values.js';

export const nativeCommand: CommandSpec = {
  name: 'native',
  summary: 'run any Linux program with native allocation and descriptor tracking; report leaks (exit 1 when found)',
  usage: 'native [--out DIR] [--threshold P] [--js-frames auto|on|off] -- <command...>  |  native <capture-folder>',
  details: [
    'Runs the program with a small tracker library preloaded (LD_PRELOAD, built from native/*.c with',
    'cc on first use). Every malloc, calloc, realloc, free, aligned allocation, large anonymous mmap',
    'and every descriptor opened or closed is recorded with its call stack into DIR/native/, one log',
    'per process (children are followed: forks get their own log, exec starts a new one). When the',
    'program ends, stacks are symbolized (ELF symbols; file:line with addr2line or llvm-symbolizer;',
    'JavaScript frames of Node from its perf map) and leaks are reported: blocks and descriptors',
    'never freed by exit, and sites that kept growing while it ran. The program keeps its own stdin,',
    'stdout, stderr and exit code (shown in the report; leaktrace exits 0, 1 on leaks, 2 on errors).',
    'Statically linked and set-user-ID programs cannot be tracked, and neither can a process that is',
    'already running (leaktrace native PID says so): tracking must start with the process. With a capture folder instead of a',
    'command, reports the leaks of an earlier run. The snapshot verbs (summary, stat, list, show,',
    'diff) accept the capture folder too.',
  ].join('\n'),
  options: {
    out: {
      type: 'string',
      short: 'o',
      valueName: 'DIR',
      description: 'capture folder to create (default leaktrace-capture-native-<time>)',
    },
    threshold: { type: 'string', valueName: 'P', description: 'probability from which a suspect is a leak', default: '0.5' },
    'mmap-min': { type: 'string', valueName: 'N', description: 'track anonymous mmaps of at least N bytes', default: '64k' },
    'js-frames': {
      type: 'string',
      valueName: 'auto|on|off',
      description: 'name JavaScript frames of Node programs (adds --perf-basic-prof to NODE_OPTIONS); auto: when the program is node',
      default: 'auto',
    },
    process: {
      type: 'string',
      valueName: 'PID[-N]',
      description: 'with a capture folder: which process to report (default: the one started)',
    },
  },
  positionals: { min: 0, max: 1 },
  takesCommand: true,
  async run(ctx) {
    const { UsageError } = await import('../../errors.js');
    const threshold = Number(ctx.values.threshold);
    if (!(threshold > 0 && threshold <= 1))
      throw new UsageError(`--threshold must be a probability in (0, 1], got '${ctx.values.threshold}'`);
    const { reportNativeCapture, runNativeCommand } = await import('../run-native.js');
    if (ctx.rest.length === 0) {
      if (ctx.positionals.length === 0) throw new UsageError('missing the program to run after --, or a capture folder');
      const target = ctx.positionals[0];
      const { existsSync } = await import('node:fs');
      if (/^\d+$/.test(target) && !existsSync(target)) {
        throw new UsageError(
          `${target} looks like a process id: native tracking cannot be added to a running process (the tracker must be loaded when it starts); restart it as leaktrace native -- <command...>`,
        );
      }
      return reportNativeCapture(ctx, target, threshold);
    }
    if (ctx.positionals.length > 0) throw new UsageError(`unexpected argument '${ctx.positionals[0]}' before --`);
    const js = parseChoice('js-frames', String(ctx.values['js-frames']), ['auto', 'on', 'off'] as const);
    return runNativeCommand(ctx, {
      command: ctx.rest,
      out: ctx.values.out as string | undefined,
      threshold,
      mmapMin: parseSize('mmap-min', String(ctx.values['mmap-min'])),
      jsFrames: js === 'auto' ? undefined : js === 'on',
    });
  },
};
