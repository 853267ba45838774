import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { HandleReport } from '../analysis/handles/report.js';
import { buildHandleReport } from '../analysis/handles/report.js';
import { CAPTURE_FILES } from '../capture-folder/layout.js';
import { CaptureReader } from '../capture-folder/reader.js';
import { CaptureWriter } from '../capture-folder/writer.js';
import { readHandleRecords } from '../capture/handles/handle-records.js';
import { type ExitStatus, TracedProcess } from '../capture/handles/traced-process.js';
import { renderHandleReport } from '../report/handles-text.js';
import type { CommandContext } from './command.js';
import { ATTRIBUTION, type DiffReply, type OutstandingReply, reportFromReplies, type SnapshotReply } from './handles-view.js';
import { formatDuration } from './output/format.js';

export interface RunHandlesOptions {
  command: string[];
  promises: boolean;
  captureDir?: string;
  snapshotAfterMs?: number;
  diffEveryMs?: number;
  failOnLeak: boolean;
  all: boolean;
  top: number;
  depth: number;
}

interface DiffResult {
  t: number;
  why: string;
  snapshots: { pid: number; id: number; t: number; count: number }[];
  stillOpen: number;
  closed: number;
  report: HandleReport;
}

/**
 * `leaktrace handles -- <command>`: runs the program with the agent, takes snapshots and diffs
 * on request or on a schedule, and at the end says what was still open and what kept the
 * process alive. The program runs in its own process group, so Ctrl-C reaches leaktrace
 * first: it asks the agents what is open, prints it, then stops the program.
 */
export async function runHandles(ctx: CommandContext, o: RunHandlesOptions): Promise<number> {
  const started = Date.now();
  const dir = resolve(o.captureDir ?? mkdtempSync(join(tmpdir(), 'leaktrace-handles-')));
  const writer = CaptureWriter.create(dir, {
    kind: 'handles',
    target: { command: o.command, pid: null, nodeVersion: null, cwd: process.cwd() },
    tracking: {
      startedAt: new Date(started).toISOString(),
      fromProcessStart: true,
      note: 'the agent is preloaded (NODE_OPTIONS): Node processes started with their own NODE_OPTIONS, or not by Node, are not traced',
    },
    settings: { promises: o.promises, snapshotAfterMs: o.snapshotAfterMs ?? null, diffEveryMs: o.diffEveryMs ?? null },
  });
  const keys = process.stdin.isTTY === true && !ctx.json;
  const target = await TracedProcess.start({
    command: o.command,
    captureDir: dir,
    promises: o.promises,
    stdin: keys ? 'ignore' : 'inherit',
    stdout: ctx.json ? 'stderr' : 'inherit',
  });
  const killOnExit = (): void => void target.stop(0);
  process.on('exit', killOnExit);
  writer.updateManifest({ target: { command: o.command, pid: target.pid, nodeVersion: null, cwd: process.cwd() } });
  const render = { width: ctx.out.width, top: o.top, stackDepth: o.depth, showPids: false };
  const print = (text: string): void => {
    if (!ctx.json) ctx.out.print(text);
  };
  ctx.out.note(`leaktrace: tracing handles of ${o.command.join(' ')} (pid ${target.pid}); capture folder ${dir}`);
  if (o.promises)
    ctx.out.note('leaktrace: promise tracking is on: a stack per promise, expect promise-heavy code to run several times slower');
  ctx.out.note(
    keys
      ? 'leaktrace: keys: s snapshot, d diff, l list open handles, q or Ctrl-C stop and report'
      : `leaktrace: kill -USR2 ${process.pid} takes a snapshot, then diffs against it; Ctrl-C stops and reports`,
  );

  const snapshots: { pid: number; id: number; t: number; count: number; why: string }[] = [];
  const diffs: DiffResult[] = [];
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (what: string, fn: () => Promise<void>): void => {
    queue = queue.then(fn).catch((err: Error) => ctx.out.warn(`${what} failed: ${err.message}`));
  };
  const since = (t: number): string => formatDuration(t - started);

  const takeSnapshot = async (why: string): Promise<void> => {
    await target.waitForAgent(10_000, ctx.signal);
    const { results, errors } = await target.request<SnapshotReply>('snapshot', { label: why });
    for (const e of errors) ctx.out.warn(e);
    const t = Date.now();
    for (const r of results) snapshots.push({ pid: r.pid, id: r.result.id, t: r.result.t, count: r.result.count, why });
    const count = results.reduce((n, r) => n + r.result.count, 0);
    writer.appendEvent({ t, type: 'mark', message: `handle snapshot (${why}): ${count} open`, why });
    print(`[${since(t)}] snapshot (${why}): ${count} handle(s) open in ${results.map((r) => `pid ${r.pid}`).join(', ')}`);
  };
  const takeDiff = async (why: string): Promise<void> => {
    if (snapshots.length === 0) {
      print(`[${since(Date.now())}] no snapshot yet: taking one now; diff again later`);
      return takeSnapshot(why);
    }
    const { results, errors } = await target.request<DiffReply>('diff', {});
    for (const e of errors) ctx.out.warn(e);
    const t = Date.now();
    const report = reportFromReplies(
      results.map((r) => ({ pid: r.pid, handles: r.result.opened, stacks: r.result.stacks })),
      o.all,
    );
    const result: DiffResult = {
      t,
      why,
      snapshots: results.map((r) => ({ pid: r.pid, id: r.result.snapshot.id, t: r.result.snapshot.t, count: r.result.snapshot.count })),
      stillOpen: results.reduce((n, r) => n + r.result.stillOpen, 0),
      closed: results.reduce((n, r) => n + r.result.closed, 0),
      report,
    };
    diffs.push(result);
    writer.appendEvent({ t, type: 'mark', message: `handle diff (${why}): ${report.shown} opened since the snapshot and still open`, why });
    const snapT = Math.max(...result.snapshots.map((s) => s.t));
    print(
      renderHandleReport(report, {
        ...render,
        title: `[${since(t)}] diff (${why}) against the snapshot of ${since(snapT)}: opened since and still open (${result.closed} of the snapshot's handles closed since)`,
      }),
    );
  };
  const list = async (): Promise<void> => {
    const { results, errors } = await target.request<OutstandingReply>('outstanding', {});
    for (const e of errors) ctx.out.warn(e);
    const report = reportFromReplies(
      results.map((r) => ({ pid: r.pid, handles: r.result.handles, stacks: r.result.stacks })),
      o.all,
    );
    print(renderHandleReport(report, { ...render, title: `[${since(Date.now())}] open now` }));
  };

  // What ends the run: the program exiting, Ctrl-C (signal or key), q.
  let requestStop: () => void = () => {};
  const stopRequested = new Promise<'stop'>((r) => (requestStop = () => r('stop')));
  const onAbort = (): void => requestStop();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const onUsr2 = (): void => enqueue('snapshot/diff', () => (snapshots.length === 0 ? takeSnapshot('signal') : takeDiff('signal')));
  process.on('SIGUSR2', onUsr2);
  const onKey = (data: Buffer): void => {
    const key = data.toString('utf8');
    if (key === 's') enqueue('snapshot', () => takeSnapshot('key'));
    else if (key === 'd') enqueue('diff', () => takeDiff('key'));
    else if (key === 'l') enqueue('list', list);
    else if (key === 'q' || key === '\x03') requestStop();
  };
  if (keys) {
    process.stdin.setRawMode(true);
    process.stdin.on('data', onKey);
    process.stdin.resume();
  }
  const timers: NodeJS.Timeout[] = [];
  if (o.snapshotAfterMs !== undefined || o.diffEveryMs !== undefined) {
    const snapAt = o.snapshotAfterMs ?? 0;
    timers.push(setTimeout(() => enqueue('snapshot', () => takeSnapshot(`after ${formatDuration(snapAt)}`)), snapAt));
    if (o.diffEveryMs !== undefined) {
      const every = o.diffEveryMs;
      timers.push(
        setTimeout(() => {
          enqueue('diff', () => takeDiff(`every ${formatDuration(every)}`));
          timers.push(setInterval(() => enqueue('diff', () => takeDiff(`every ${formatDuration(every)}`)), every));
        }, snapAt + every),
      );
    }
  }

  const outcome = await Promise.race([target.exited.then(() => 'exit' as const), stopRequested]);
  for (const t of timers) clearTimeout(t);
  process.off('SIGUSR2', onUsr2);
  ctx.signal.removeEventListener('abort', onAbort);
  if (keys) {
    process.stdin.off('data', onKey);
    process.stdin.setRawMode(false);
    process.stdin.pause();
  }
  await queue;

  // The final picture: asked live when we stop the program, read from the exit records when
  // it ended by itself (or from the last flush of a process that was killed).
  let when: 'exit' | 'stopped' = 'exit';
  let final: HandleReport | null = null;
  let status: ExitStatus;
  if (outcome === 'stop' && target.exitStatus === null) {
    when = 'stopped';
    try {
      const { results, errors } = await target.request<OutstandingReply>('outstanding', {});
      for (const e of errors) ctx.out.warn(e);
      final = reportFromReplies(
        results.map((r) => ({ pid: r.pid, handles: r.result.handles, stacks: r.result.stacks })),
        o.all,
      );
    } catch (err) {
      ctx.out.warn(`could not ask the program what is open (${(err as Error).message}); using its last records`);
    }
    status = await target.stop();
  } else status = await target.exited;
  process.off('exit', killOnExit);

  const reader = CaptureReader.open(dir);
  const records = readHandleRecords(reader);
  if (final === null) {
    const handles = records.processes.flatMap((p) => p.handles);
    final = buildHandleReport(handles, records.stackFrames, { all: o.all, attribution: ATTRIBUTION });
  }
  const unexited = records.processes.filter((p) => !p.exited && when === 'exit');
  const leak = final.shown > 0 || diffs.some((d) => d.report.shown > 0);
  const exitText = status.signal ? `was ended by ${status.signal}` : `exited with code ${status.code}`;
  const document = {
    command: o.command,
    pid: target.pid,
    capture: dir,
    exit: status,
    stoppedByLeaktrace: when === 'stopped',
    promises: o.promises,
    processes: records.processes.map((p) => ({ pid: p.pid, argv: p.info.argv, exited: p.exited, exitCode: p.exitCode })),
    snapshots,
    diffs,
    final: { when, ...final },
    leak,
  };
  writer.writeJson(CAPTURE_FILES.handlesReport, document);
  writer.appendEvent({ t: Date.now(), type: 'exit', message: `program ${exitText}` });
  writer.finish({ code: status.code, signal: status.signal });

  if (ctx.json) ctx.out.json(document);
  else {
    const title =
      when === 'stopped'
        ? 'open when interrupted (the handles that kept it running are marked)'
        : unexited.length > 0
          ? `open at the last records of the traced processes (${unexited.map((p) => p.pid).join(', ')} wrote no exit record)`
          : 'still open when the program exited';
    ctx.out.print('');
    ctx.out.print(renderHandleReport(final, { ...render, showPids: records.processes.length > 1, title }));
    ctx.out.print('');
    ctx.out.print(`program ${exitText}${when === 'stopped' ? ' (stopped by leaktrace after Ctrl-C)' : ''}; capture folder ${dir}`);
    if (records.processes.length === 0) ctx.out.warn('no traced Node process reported: was the program a Node program?');
  }
  return o.failOnLeak && leak ? 1 : 0;
}
