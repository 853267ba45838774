import type { CommandSpec } from '../command.js';
import { LIVE_OPTIONS, parseLiveOptions } from '../live-options.js';

export const runCommand: CommandSpec = {
  name: 'run',
  summary: 'run a Node program under leaktrace: memory series, leak finder, snapshots by rule',
  usage: 'run [options] -- node app.js [args...]',
  details: [
    "Starts the program with an inspector on 127.0.0.1 (a free port) and V8's inlining off (so",
    'each allocation is recorded under the function that made it; --inlining keeps it), and',
    'from its first line:',
    "a memory series, measurements (a full GC, then the live allocation sites from V8's sampling",
    'heap profiler) every 5 s, less often as the capture ages, and heap snapshots when a rule',
    'fires. When the program ends (or at --duration, or Ctrl-C, which then also stops the',
    'program) every allocation site is judged over the measurements after warm-up; leaks are',
    'reported with probability and evidence.',
    "Exit code: 1 when a leak was found, else 0 (the program's own exit code is printed); 2 on error.",
  ].join('\n'),
  options: LIVE_OPTIONS,
  positionals: { min: 0, max: 0 },
  takesCommand: true,
  async run(ctx) {
    const settings = await parseLiveOptions(ctx.values);
    const { runUnderLeaktrace } = await import('../run-live.js');
    return runUnderLeaktrace(ctx, ctx.rest, settings);
  },
};
