import type { NativeAnalysis, OpenNativeOptions } from '../analysis/native/native-analysis.js';
import type { CommandContext } from './command.js';
import { parseChoice, parseCount, parseSize } from './parse-values.js';

/**
 * The snapshot verbs (summary, stat, list, show, diff) over a capture folder with native
 * data: each verb checks its input first and sends a native capture here, so the same verbs
 * answer the same questions of a native heap that they answer of a V8 heap snapshot.
 */
export async function isNativeInput(path: string | undefined): Promise<boolean> {
  if (path === undefined) return false;
  const { isNativeCapture } = await import('../analysis/native/native-analysis.js');
  return isNativeCapture(path);
}

async function open(ctx: CommandContext, options: OpenNativeOptions = {}): Promise<NativeAnalysis> {
  const { NativeAnalysis } = await import('../analysis/native/native-analysis.js');
  const bar = ctx.out.progress('native capture');
  try {
    bar.update({ phase: 'replaying the event log', done: 0, total: 0 });
    const a = NativeAnalysis.open(ctx.positionals[0], { ...options, process: ctx.values.process as string | undefined });
    bar.update({ phase: 'symbolizing', done: 0, total: 0 });
    a.symbolizeAll();
    return a;
  } finally {
    bar.done();
  }
}

export async function nativeSummary(ctx: CommandContext): Promise<number> {
  const top = parseCount('top', String(ctx.values.top), 1);
  const { summarizeNative } = await import('../analysis/native/summary.js');
  const s = summarizeNative(await open(ctx), { top });
  if (ctx.json) ctx.out.json(s);
  else ctx.out.print((await import('../report/native-text.js')).renderNativeSummary(s, ctx.out.width));
  return 0;
}

export async function nativeStat(ctx: CommandContext): Promise<number> {
  const { NATIVE_GROUPINGS, statNative } = await import('../analysis/native/stat.js');
  // The snapshot default (constructor) means nothing here: a native stat defaults to site.
  const given = ctx.values.by === undefined || ctx.values.by === 'constructor' ? 'site' : String(ctx.values.by);
  const by = parseChoice('by', given, NATIVE_GROUPINGS);
  const top = parseCount('top', String(ctx.values.top), 1);
  const r = statNative(await open(ctx), by, { top });
  if (ctx.json) ctx.out.json(r);
  else ctx.out.print((await import('../report/native-text.js')).renderNativeStat(r, ctx.out.width));
  return 0;
}

export async function nativeList(ctx: CommandContext): Promise<number> {
  const v = ctx.values;
  const { UsageError } = await import('../errors.js');
  if (v.type !== undefined || v['constructor'] !== undefined) {
    throw new UsageError(
      '--type and --constructor apply to heap snapshots; a native capture lists blocks by --size, --min-size, --site and --module',
    );
  }
  const filter = {
    size: v.size !== undefined ? parseSize('size', String(v.size)) : undefined,
    minSize: v['min-size'] !== undefined ? parseSize('min-size', String(v['min-size'])) : undefined,
    site: v.site as string | undefined,
    module: v.module as string | undefined,
  };
  const top = parseCount('top', String(v.top), 1);
  const { listNative } = await import('../analysis/native/stat.js');
  const r = listNative(await open(ctx), filter, { limit: top });
  if (ctx.json) ctx.out.json(r);
  else ctx.out.print((await import('../report/native-text.js')).renderNativeList(r, ctx.out.width));
  return 0;
}

export async function nativeShow(ctx: CommandContext): Promise<number> {
  const text = ctx.positionals[1];
  const m = /^(0x)?([0-9a-f]+)$/i.exec(text);
  if (!m) {
    const { UsageError } = await import('../errors.js');
    throw new UsageError(`expected a block address such as 0x55d4c3e2a2c0 (as 'list' shows them), got '${text}'`);
  }
  const address = parseInt(m[2], m[1] || /[a-f]/i.test(m[2]) ? 16 : 10);
  const { describeNativeBlock } = await import('../analysis/native/show-block.js');
  const v = describeNativeBlock(await open(ctx, { replay: { watch: address } }), address);
  if (ctx.json) ctx.out.json(v);
  else ctx.out.print((await import('../report/native-text.js')).renderNativeBlock(v));
  return v.blocks.length > 0 ? 0 : 2;
}

export async function nativeDiff(ctx: CommandContext): Promise<number> {
  const top = parseCount('top', String(ctx.values.top), 1);
  const [, fromText, toText = 'end'] = ctx.positionals;
  const { parseInstant, diffNative } = await import('../analysis/native/diff.js');
  const { NativeAnalysis } = await import('../analysis/native/native-analysis.js');
  // Instants relative to the run (peak, exit, %) need one pass to learn the run first.
  const needsRun = [fromText, toText].some((t) => /^peak$|%$/i.test(t.trim()));
  let run = { lastUs: Number.POSITIVE_INFINITY, peakUs: 0 };
  if (needsRun) {
    const first = NativeAnalysis.open(ctx.positionals[0], { process: ctx.values.process as string | undefined });
    run = { lastUs: first.replay.lastUs, peakUs: first.replay.totals.peakUs };
  }
  const from = parseInstant(fromText, run);
  const to = parseInstant(toText, run);
  if (from === 'exit' && to !== 'exit' && to !== Number.POSITIVE_INFINITY) {
    const { UsageError } = await import('../errors.js');
    throw new UsageError(`the second instant (${toText}) comes before the first (${fromText})`);
  }
  if (from !== 'exit' && to !== 'exit' && to < from) {
    const { UsageError } = await import('../errors.js');
    throw new UsageError(`the second instant (${toText}) comes before the first (${fromText})`);
  }
  const a = await open(ctx, { replay: { marks: [from, to] } });
  if ((from === 'exit' || to === 'exit') && a.replay.exitUs === null) {
    a.problems.push('the program did not reach exit: "exit" was taken as the end of the log');
  }
  const d = diffNative(a, { top });
  if (ctx.json) ctx.out.json(d);
  else ctx.out.print((await import('../report/native-text.js')).renderNativeDiff(d, ctx.out.width, top));
  return 0;
}
