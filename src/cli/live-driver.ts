import { resolve } from 'node:path';
import type { LiveCaptureResult, LiveStatus } from '../capture/live/live-capture.js';
import type { RemoteSession } from '../capture/inspector/remote-session.js';
import { CaptureWriter } from '../capture-folder/writer.js';
import type { CommandContext } from './command.js';
import { formatBytes, formatDuration } from './output/format.js';
import type { LiveSettings } from './live-options.js';

export interface LiveTarget {
  kind: 'run' | 'attach';
  session: RemoteSession;
  pid: number;
  /** Whether `pid` is a process on this machine, whose /proc leaktrace can read. */
  local: boolean;
  command: string[] | null;
  fromProcessStart: boolean;
  trackingNote: string;
  /** With --exact: the program was started with node's --track-heap-objects (run). */
  trackingByFlag?: boolean;
  /** Whether the program runs with V8's inlining off, and the report's note on it. */
  inlining: { off: boolean; note: string; set?: (off: boolean) => Promise<boolean> };
  /** Resolves when the program says it is exiting (run's preload), before the inspector closes. */
  exiting?: Promise<void>;
}

/**
 * What `run` and `attach` share once they hold an inspector session: the capture folder,
 * the status line, snapshot requests (SIGUSR2, and keys on a terminal when stdin is ours),
 * the capture loop, and the report at the end.
 */
export async function captureLive(
  ctx: CommandContext,
  target: LiveTarget,
  settings: LiveSettings,
  keys: boolean,
): Promise<{ result: LiveCaptureResult; dir: string; writer: CaptureWriter }> {
  const { liveCapture } = await import('../capture/live/live-capture.js');
  const nodeVersion = await target.session
    .post<{ result: { value?: string } }>('Runtime.evaluate', { expression: 'process.version', returnByValue: true })
    .then((r) => r.result.value ?? null)
    .catch(() => null);
  const dir = captureDir(settings);
  const writer = CaptureWriter.create(dir, {
    kind: target.kind,
    target: { command: target.command, pid: target.pid, nodeVersion, cwd: process.cwd() },
    tracking: { startedAt: new Date().toISOString(), fromProcessStart: target.fromProcessStart, note: target.trackingNote },
    settings: { ...settings, inliningOff: target.inlining.off },
  });
  ctx.out.note(`leaktrace ${target.kind}: capturing process ${target.pid} into ${dir}`);
  ctx.out.note(`  ${target.trackingNote}`);
  ctx.out.note(`  snapshot on demand: kill -USR2 ${process.pid}${keys ? ", or press 's'; 'q' stops" : ''}; Ctrl-C stops and reports`);
  const requests = { snapshot: (_reason: string) => {} };
  const onUsr2 = (): void => requests.snapshot('signal');
  process.on('SIGUSR2', onUsr2);
  const stopKeys = keys
    ? listenForKeys(ctx, (k) => (k === 's' ? requests.snapshot('keypress') : k === 'q' ? stopController.abort() : undefined))
    : () => {};
  const stopController = new AbortController();
  ctx.signal.addEventListener('abort', () => stopController.abort(), { once: true });
  const line = statusLine(ctx);
  try {
    const result = await liveCapture(target.session, {
      writer,
      pid: target.local ? target.pid : null,
      samplingInterval: settings.samplingInterval,
      adaptSampling: settings.adaptSampling,
      seriesEveryMs: settings.seriesEveryMs,
      measure: settings.measure,
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
      rules: settings.rules,
      exact: settings.exact,
      trackingByFlag: target.trackingByFlag,
      holdersMs: settings.holdersMs,
      maxSnapshotMemory: settings.maxSnapshotMemory,
      // run's preload writes a snapshot as the program exits (run-live.ts): it is told the room.
      exitSnapshot: target.kind === 'run' && settings.rules.atEnd,
      threshold: settings.threshold,
      signal: stopController.signal,
      requests,
      onStatus: line.update,
      trackingNote: target.trackingNote,
      inlining: target.inlining,
      lightAfterMs: settings.lightAfterMs,
      handles: settings.handles ? { captureDir: dir } : false,
      workers: settings.workers,
      targetExiting: target.exiting,
    });
    return { result, dir, writer };
  } catch (err) {
    writer.close();
    throw err;
  } finally {
    line.done();
    stopKeys();
    process.off('SIGUSR2', onUsr2);
  }
}

function statusLine(ctx: CommandContext): { update: (s: LiveStatus) => void; done: () => void } {
  const stream = ctx.out.stderr;
  if (!stream.isTTY || ctx.out.quiet) return { update: () => {}, done: () => {} };
  let last = 0;
  let shown = false;
  return {
    update: (s) => {
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      const mem = s.last ? `rss ${formatBytes(s.last.rss)}, heap ${formatBytes(s.last.heapUsed)}` : '';
      const text = `capturing ${formatDuration(s.elapsedMs)} | ${mem} | ${s.measurements} measurements | ${s.snapshots} snapshots | ${s.phase}`;
      stream.write(`\r${text.slice(0, (stream.columns ?? 100) - 1).padEnd(Math.min((stream.columns ?? 100) - 1, 110))}`);
      shown = true;
    },
    done: () => {
      if (shown) stream.write(`\r${' '.repeat(Math.min((stream.columns ?? 100) - 1, 110))}\r`);
    },
  };
}

function listenForKeys(ctx: CommandContext, onKey: (key: string) => void): () => void {
  const stdin = process.stdin;
  if (!stdin.isTTY) return () => {};
  stdin.setRawMode(true);
  stdin.resume();
  const onData = (d: Buffer): void => {
    const k = d.toString();
    if (k === '\u0003')
      process.kill(process.pid, 'SIGINT'); // raw mode swallows Ctrl-C
    else onKey(k);
  };
  stdin.on('data', onData);
  void ctx;
  return () => {
    stdin.off('data', onData);
    stdin.setRawMode(false);
    stdin.pause();
  };
}

/** The capture folder: --out, or a new leaktrace-capture-<time> folder here. */
export function captureDir(settings: LiveSettings): string {
  return resolve(settings.out ?? `leaktrace-capture-${new Date().toISOString().replace(/[:.]/g, '-')}`);
}
