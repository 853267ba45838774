import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CAPTURE_FILES } from '../capture-folder/layout.js';
import type { CommandContext } from './command.js';
import { formatDuration } from './output/format.js';

/** `leaktrace native -- cmd`: run, symbolize, report. `leaktrace native DIR`: report again. */
export async function runNativeCommand(
  ctx: CommandContext,
  o: { command: string[]; out?: string; threshold: number; mmapMin: number; jsFrames?: boolean },
): Promise<number> {
  const { runNative } = await import('../capture/native/run-native.js');
  const out = o.out ?? `leaktrace-capture-native-${new Date().toISOString().replace(/[:.]/g, '-').replace('T', '-').slice(0, 19)}`;
  const bar = ctx.out.progress('native');
  const result = await runNative({
    command: o.command,
    out,
    mmapMin: o.mmapMin,
    jsFrames: o.jsFrames,
    stdout: ctx.json ? 'stderr' : 'inherit',
    signal: ctx.signal,
    onProgress: bar.update,
  });
  bar.done();
  const exitText = result.exit.signal ? `was killed by ${result.exit.signal}` : `exited with code ${result.exit.code}`;
  if (result.logs.length === 0) {
    const { CaptureError } = await import('../errors.js');
    throw new CaptureError(
      `the program ${exitText} but left no native events: it never loaded the tracker (a statically linked or set-user-ID program, or one that cleared LD_PRELOAD)`,
    );
  }
  return report(ctx, result.dir, o.threshold, { exit: result.exit, exitText, durationMs: result.durationMs, saveSymbols: true });
}

export async function reportNativeCapture(ctx: CommandContext, dir: string, threshold: number): Promise<number> {
  return report(ctx, dir, threshold, { saveSymbols: false, process: ctx.values.process as string | undefined });
}

async function report(
  ctx: CommandContext,
  dir: string,
  threshold: number,
  run: {
    exit?: { code: number | null; signal: string | null };
    exitText?: string;
    durationMs?: number;
    saveSymbols: boolean;
    process?: string;
  },
): Promise<number> {
  const { NativeAnalysis, listNativeLogs, pickProcess } = await import('../analysis/native/native-analysis.js');
  const { CaptureReader } = await import('../capture-folder/reader.js');
  const { findNativeLeaks } = await import('../analysis/native/leaks.js');
  const manifest = CaptureReader.open(dir).manifest;
  const procs = listNativeLogs(dir);
  // The reported process: the one leaktrace started (its last image, after any exec).
  const wanted = pickProcess(procs, manifest, run.process);
  const bar = ctx.out.progress('native');
  let chosen: import('../analysis/native/native-analysis.js').NativeAnalysis | null = null;
  try {
    for (const [i, p] of procs.entries()) {
      const isChosen = p.file === wanted.file;
      if (!run.saveSymbols && !isChosen) continue;
      bar.update({ phase: 'symbolizing', done: i, total: procs.length });
      const a = NativeAnalysis.open(dir, { process: `${p.pid}-${p.image}`, replay: { seriesByStack: isChosen } });
      if (run.saveSymbols) a.saveSymbols();
      if (isChosen) chosen = a;
    }
  } finally {
    bar.done();
  }
  const leaks = findNativeLeaks(chosen!, { threshold });
  try {
    writeFileSync(join(dir, CAPTURE_FILES.leaks), `${JSON.stringify(leaks, null, 2)}\n`);
  } catch {
    // A read-only capture folder: the report is still printed.
  }
  const exit = run.exit ?? manifest?.exit ?? null;
  if (ctx.json) {
    ctx.out.json({
      capture: dir,
      command: manifest?.target.command ?? null,
      exit,
      processes: procs.map((p) => ({ pid: p.pid, image: p.image, bytes: p.bytes })),
      ...leaks,
    });
  } else {
    const { renderNativeLeaks } = await import('../report/native-text.js');
    const headline = run.exitText
      ? `The program ${run.exitText} after ${formatDuration(run.durationMs ?? 0)}. Capture: ${dir}`
      : `Capture: ${dir}${exit ? ` (the program ${exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`})` : ''}`;
    ctx.out.print(renderNativeLeaks(leaks, { headline }));
  }
  return leaks.leaks.length > 0 ? 1 : 0;
}
