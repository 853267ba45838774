import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, truncateSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CAPTURE_FILES, nativePerfMapName } from '../../capture-folder/layout.js';
import { CaptureWriter } from '../../capture-folder/writer.js';
import { NativeLog } from '../../model/native/event-log.js';
import { listNativeLogs, type NativeProcessEntry } from '../../analysis/native/native-analysis.js';
import type { Progress } from '../../cli/output/progress.js';
import { ensurePreloadLibrary } from './build-preload.js';
import { checkPreloadable, resolveProgram } from './resolve-program.js';

/**
 * `leaktrace native -- <command...>`: runs a program with the native tracker preloaded and
 * leaves a capture folder with one event log per process image. Children are followed: a
 * forked child starts a log of its own (its inherited heap is not in it), and a program it
 * executes loads the tracker again (LD_PRELOAD is inherited) into a new log.
 *
 * The program runs with our stdin, stdout and stderr, its own arguments and environment plus
 * LD_PRELOAD and LEAKTRACE_NATIVE_DIR, so it behaves as it would without us. Only a program
 * started this way can be tracked: a running process cannot have the tracker added later.
 */
export interface RunNativeOptions {
  command: string[];
  /** The capture folder to create. */
  out: string;
  /** Anonymous mappings at least this big are tracked as blocks (bytes). */
  mmapMin?: number;
  /** Name JavaScript frames of Node targets: adds --perf-basic-prof to NODE_OPTIONS. */
  jsFrames?: boolean;
  /** Where the program's stdout goes: inherit ours, or our stderr (when we print JSON). */
  stdout?: 'inherit' | 'stderr';
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface RunNativeResult {
  dir: string;
  pid: number;
  exit: { code: number | null; signal: string | null };
  logs: NativeProcessEntry[];
  durationMs: number;
  /** Whether JavaScript frames were asked for. */
  jsFrames: boolean;
}

export function looksLikeNode(program: string): boolean {
  return /^(node|nodejs)(\d+)?$/.test(basename(program));
}

export async function runNative(options: RunNativeOptions): Promise<RunNativeResult> {
  const [name, ...args] = options.command;
  const program = resolveProgram(name);
  checkPreloadable(program);
  const lib = ensurePreloadLibrary();
  const dir = resolve(options.out);
  const jsFrames = options.jsFrames ?? looksLikeNode(program);
  const startedAt = new Date();
  const writer = CaptureWriter.create(dir, {
    kind: 'native',
    target: { command: options.command, pid: null, nodeVersion: null, cwd: process.cwd() },
    tracking: {
      startedAt: startedAt.toISOString(),
      fromProcessStart: true,
      note: 'native allocations and descriptors tracked from process start (preloaded library); a process started without it cannot be tracked after the fact',
    },
    settings: { program, library: lib, mmapMin: options.mmapMin ?? 65536, jsFrames, followsChildren: true },
  });
  const nativeDir = join(dir, CAPTURE_FILES.native);
  mkdirSync(nativeDir, { recursive: true });

  const env: NodeJS.ProcessEnv = { ...process.env };
  env.LD_PRELOAD = env.LD_PRELOAD ? `${lib}:${env.LD_PRELOAD}` : lib;
  env.LEAKTRACE_NATIVE_DIR = nativeDir;
  if (options.mmapMin !== undefined) env.LEAKTRACE_MMAP_MIN = String(options.mmapMin);
  if (jsFrames) env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --perf-basic-prof --interpreted-frames-native-stack`.trim();

  const started = Date.now();
  const child = spawn(program, args, {
    argv0: name,
    env,
    stdio: ['inherit', options.stdout === 'stderr' ? process.stderr : 'inherit', 'inherit'],
  } as Parameters<typeof spawn>[2]);
  const pid = await new Promise<number>((res, rej) => {
    child.once('spawn', () => res(child.pid ?? 0));
    child.once('error', rej);
  });
  writer.updateManifest({ target: { ...writer.currentManifest.target, pid } });
  // SIGINT from a terminal reaches the whole process group; a signal sent to us alone is passed on.
  const onAbort = (): void => {
    const reason = options.signal?.reason;
    child.kill(typeof reason === 'string' && reason.startsWith('SIG') ? (reason as NodeJS.Signals) : 'SIGTERM');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const exit = await new Promise<{ code: number | null; signal: string | null }>((res) => {
    child.once('exit', (code, signal) => res({ code, signal }));
  });
  options.signal?.removeEventListener('abort', onAbort);
  const durationMs = Date.now() - started;

  // Trim each log to its data (the tracker extends files in windows) and keep JIT maps.
  const logs = listNativeLogs(dir);
  for (const [i, entry] of logs.entries()) {
    options.onProgress?.({ phase: 'finishing logs', done: i, total: logs.length });
    try {
      let end = NativeLog.dataEndOf(entry.file);
      if (end < 64) end = NativeLog.open(entry.file).read({}).dataEnd;
      // Past the recorded end: never-written zeros, or a record cut off when the process died.
      if (end >= 64 && end < entry.bytes) {
        truncateSync(entry.file, end);
        entry.bytes = end;
      }
    } catch {
      // A damaged log stays as it is; analysis reports what it can read.
    }
    const perf = `/tmp/perf-${entry.pid}.map`;
    const copy = join(nativeDir, nativePerfMapName(entry.pid));
    if (existsSync(perf) && !existsSync(copy)) {
      copyFileSync(perf, copy);
      if (jsFrames) rmSync(perf, { force: true });
    }
  }
  writer.finish(exit);
  return { dir, pid, exit, logs, durationMs, jsFrames };
}
