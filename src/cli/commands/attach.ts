import type { CommandSpec } from '../command.js';
import { LIVE_OPTIONS, parseLiveOptions } from '../live-options.js';

export const attachCommand: CommandSpec = {
  name: 'attach',
  summary: 'attach to a running Node process (SIGUSR1, inspector) and find what grows; detach leaves it running',
  usage: 'attach <pid | HOST:PORT | ws://URL> [options]',
  details: [
    'Opens the process inspector with SIGUSR1 (127.0.0.1), captures like `run`, and detaches',
    'at --duration or Ctrl-C: sampling stops and the inspector leaktrace opened is closed again.',
    'An inspector already open (node --inspect=HOST:PORT: another port, a container) is reached',
    'by its address, :PORT for 127.0.0.1, or its ws:// URL, and stays open.',
    'Nothing allocated before the attach is known: sites are judged on growth from then on.',
    "V8's inlining is turned off while attached (so each site is the function that allocated) and",
    'on again at the detach, or by the program itself if leaktrace dies; --inlining keeps it.',
    'No heap snapshot at the end unless --end-snapshot: one left a ~60 MB service ~12 MB more RSS',
    'after the detach (on top of the ~33 MB an attach leaves, ~20 of it with the handle agent).',
  ].join('\n'),
  options: LIVE_OPTIONS,
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const { parseAttachTarget } = await import('../../capture/live/attach.js');
    const target = parseAttachTarget(ctx.positionals[0]);
    if (!target) {
      const { UsageError } = await import('../../errors.js');
      throw new UsageError(`expected a process id, an inspector's HOST:PORT, or its ws:// URL, got '${ctx.positionals[0]}'`);
    }
    const settings = await parseLiveOptions(ctx.values);
    // No snapshot at the end unless asked: V8 builds it in the program's memory, and the RSS
    // it took stays after the detach (a ~60 MB service, 30 s attaches: +45 MB with one, +33
    // MB without; README).
    settings.rules.atEnd = ctx.values['end-snapshot'] === true && ctx.values['no-end-snapshot'] !== true;
    const { attachWithLeaktrace } = await import('../run-live.js');
    return attachWithLeaktrace(ctx, target, settings);
  },
};
