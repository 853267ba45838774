import type { CommandSpec } from '../command.js';
import { parseCount } from '../parse-values.js';

export const diffCommand: CommandSpec = {
  name: 'diff',
  summary: 'compare snapshots: new/deleted objects per class (2), or leak candidates (3: baseline target final)',
  usage: 'diff <before> <after> | diff <baseline> <target> <final> | diff <native-capture> <from> [<to>] [--top N]',
  details: [
    'With two snapshots: objects matched by id, new, deleted and surviving, per class, with the',
    'retained size of what is new. With three: objects allocated between baseline and target that',
    'are still alive in final, clustered by retainer path and by allocation site. All snapshots',
    'must come from the same process (ids are only stable within one process).',
    'Exit code 1 when three snapshots show leak candidates.',
    'With a native capture folder: outstanding native memory per allocation site at two instants of the',
    'run and the change (the UMDH log diff); an instant is start, end, exit, peak, a time since the start',
    '(500ms, 2s) or a share of the run (50%); <to> defaults to end.',
  ].join('\n'),
  options: {
    top: { type: 'string', valueName: 'N', description: 'rows or clusters to show', default: '20' },
    process: { type: 'string', valueName: 'PID[-N]', description: 'native capture: which process (default: the one leaktrace started)' },
  },
  positionals: { min: 2, max: 3 },
  async run(ctx) {
    const { isNativeInput, nativeDiff } = await import('../native-views.js');
    if (await isNativeInput(ctx.positionals[0])) return nativeDiff(ctx);
    const top = parseCount('top', String(ctx.values.top), 1);
    const { openSnapshot } = await import('../open-snapshot.js');
    const three = ctx.positionals.length === 3;
    const analyses = [];
    for (const p of ctx.positionals) analyses.push(await openSnapshot(p, ctx, { paths: three }));
    const text = await import('../../report/snapshot-text.js');
    if (!three) {
      const { diffSnapshots } = await import('../../analysis/snapshot/diff.js');
      const d = diffSnapshots(analyses[0], analyses[1]);
      if (ctx.json) ctx.out.json({ ...d, rows: d.rows.slice(0, top) });
      else ctx.out.print(text.renderDiff(d, ctx.out.width, top));
      return 0;
    }
    const { leakCandidates } = await import('../../analysis/snapshot/leak-candidates.js');
    const c = leakCandidates(analyses[0], analyses[1], analyses[2]);
    if (ctx.json) ctx.out.json({ ...c, byRetainerPath: c.byRetainerPath.slice(0, top), bySite: c.bySite?.slice(0, top) ?? null });
    else ctx.out.print(text.renderCandidates(c, ctx.out.width, top));
    return c.topLevelCount > 0 ? 1 : 0;
  },
};
