import { type AttachTarget, attachToInspector, attachToPid, detachFrom } from '../capture/live/attach.js';
import { launchNode } from '../capture/live/launch.js';
import {
  type InliningSwitch,
  inliningDefaults,
  processExe,
  setInliningInTarget,
  turnInliningOffInTarget,
} from '../capture/live/runtime-inlining.js';
import type { InspectorSession } from '../capture/inspector/session.js';
import { installWatchdog, removeWatchdog } from '../capture/live/target-watchdog.js';
import { removeMemoryProbe } from '../capture/live/memory-probe.js';
import { LIGHT_SERIES_FACTOR } from '../capture/live/light-watch.js';
import { NO_INLINING_FLAGS, inliningKeptNote, inliningOffNote, userSetsInlining } from '../capture/live/inlining.js';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { describeSkippedSnapshot, estimateSnapshotCost, type MemoryRoom } from '../capture/live/snapshot-room.js';
import { AGENT_ENV, AGENT_PATH } from '../capture/agent/install.js';
import { join } from 'node:path';
import { addHolders } from '../capture/live/live-capture.js';
import { CAPTURE_FILES } from '../capture-folder/layout.js';
import { CaptureError, InputError } from '../errors.js';
import type { CommandContext } from './command.js';
import { captureDir, captureLive } from './live-driver.js';
import type { LiveSettings } from './live-options.js';
import { reportLive } from './live-report.js';

/** `leaktrace run -- node app.js`. */
export async function runUnderLeaktrace(ctx: CommandContext, command: string[], settings: LiveSettings): Promise<number> {
  const dir = captureDir(settings);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new InputError(`${dir}: capture folder already exists and is not empty`);
  const exitSnapshot = settings.rules.atEnd ? join(dir, CAPTURE_FILES.snapshots, 'exit.heapsnapshot') : undefined;
  // The handle agent is preloaded before the program's first line and appends its records
  // to the capture folder (so the report has the handle table).
  if (settings.handles) mkdirSync(dir, { recursive: true });
  const agent = settings.handles
    ? {
        extraRequires: [AGENT_PATH],
        env: { [AGENT_ENV]: JSON.stringify({ captureDir: dir, control: false, fds: true, fromProcessStart: true }) },
      }
    : {};
  // V8's inlining off unless asked (capture/live/inlining.ts): each allocation under the
  // function that made it. The user's own flags on the subject are kept, and said.
  const userFlag = userSetsInlining(command.slice(1));
  const inlining = settings.inlining
    ? { off: false, note: inliningKeptNote('--inlining') }
    : userFlag
      ? { off: false, note: inliningKeptNote(`the program's own ${userFlag} was kept; leaktrace did not turn inlining off`) }
      : { off: true, note: inliningOffNote() };
  // --exact: node's own flag tracks allocations from the first line, without the inspector's
  // heap statistics every 50 ms that starting it through the protocol brings (live-capture.ts).
  const nodeFlags = [...(inlining.off ? NO_INLINING_FLAGS : []), ...(settings.exact ? ['--track-heap-objects'] : [])];
  const target = await launchNode(command, { exitSnapshot, stdoutToStderr: ctx.json, nodeFlags, ...agent });
  // Watching lightly turns inlining back on to the program binary's defaults (light-watch.ts).
  const set = inlining.off ? inliningSetter(target.pid) : undefined;
  const { RemoteSession } = await import('../capture/inspector/remote-session.js');
  let session;
  try {
    session = await RemoteSession.connect(target.inspectorUrl);
  } catch (err) {
    target.child.kill('SIGKILL');
    throw err;
  }
  let captured: Awaited<ReturnType<typeof captureLive>>;
  try {
    captured = await captureLive(
      ctx,
      {
        kind: 'run',
        session,
        pid: target.pid,
        local: true,
        command,
        fromProcessStart: true,
        trackingByFlag: settings.exact,
        trackingNote: 'tracking began as the program started (before its first line ran)',
        inlining: set ? { ...inlining, set: (off: boolean) => set(session, off) } : inlining,
        exiting: target.exiting,
      },
      { ...settings, out: dir },
      false,
    );
  } catch (err) {
    // A capture that fails (its folder removed, a bug) still ends the program it started: a
    // program left running would keep leaktrace's process alive with it, waiting forever.
    await session.close();
    await stopProgram(target);
    throw err;
  }
  const { result, writer } = captured;
  await session.close();
  // Stopped by the user or by --duration: the program stops too (its whole process group).
  if (result.ended === 'stopped' || result.ended === 'duration') await stopProgram(target);
  const exit = await target.exited;
  // The preload closes the inspector as the program exits: a lost session then is the exit.
  if (result.ended === 'target-lost') {
    result.ended = 'target-exited';
    result.report.notes = result.report.notes.filter((n) => !n.startsWith('the target went away'));
  }
  const skippedExit = exitSnapshot ? readSkippedExitSnapshot(`${exitSnapshot}.skipped`) : null;
  if (skippedExit) {
    writer.appendEvent({ t: Date.now(), type: 'snapshot-skipped', message: skippedExit, reason: 'exit' });
    result.report.notes.push(skippedExit);
    writer.writeJson(CAPTURE_FILES.leaks, result.report);
  }
  if (exitSnapshot && existsSync(exitSnapshot)) {
    writer.appendEvent({
      t: Date.now(),
      type: 'snapshot',
      message: 'heap snapshot written by the program as it exited',
      file: `${CAPTURE_FILES.snapshots}/exit.heapsnapshot`,
      reason: 'exit',
    });
    if (settings.exact && result.report.leaks.length > 0 && !result.report.finalSnapshot) {
      await addHolders(
        result.report.leaks.filter((l) => !l.worker),
        exitSnapshot,
        { atExit: true },
      );
      writer.writeJson(CAPTURE_FILES.leaks, result.report);
    }
  }
  writer.finish(exit);
  const how = exit.signal ? `was stopped by ${exit.signal}` : `exited with code ${exit.code}`;
  return reportLive(ctx, `leaktrace run ${command.join(' ')}`, dir, result, {
    notes: [`the program ${how}`],
    json: { program: { command, pid: target.pid, exitCode: exit.code, signal: exit.signal } },
    html: settings.html,
  });
}

/** Stops the program `run` started, its whole process group: SIGINT, SIGKILL 5 s later. */
async function stopProgram(target: { pid: number; exited: Promise<unknown> }): Promise<void> {
  try {
    process.kill(-target.pid, 'SIGINT');
  } catch {}
  const t = setTimeout(() => {
    try {
      process.kill(-target.pid, 'SIGKILL');
    } catch {}
  }, 5000);
  await target.exited;
  clearTimeout(t);
}

/** `leaktrace attach <pid | HOST:PORT | ws://…>`. */
export async function attachWithLeaktrace(ctx: CommandContext, target: AttachTarget, settings: LiveSettings): Promise<number> {
  const attached = 'pid' in target ? { ...(await attachToPid(target.pid)), pid: target.pid, local: true } : await attachToInspector(target);
  const { pid, local } = attached;
  const name = 'pid' in target ? `process ${pid}` : `process ${pid} at ${'url' in target ? target.url : attached.url}`;
  let captured: Awaited<ReturnType<typeof captureLive>>;
  let inlining: InliningSwitch | undefined;
  // What attach changes in the program is undone by the program itself if leaktrace dies:
  // the target waits for leaktrace's probes for 10 of their periods and 4 of their periods
  // while light, at least 20 s of its own event-loop time (capture/live/target-watchdog.ts).
  const watchdogMs = Math.max(20_000, 10 * settings.seriesEveryMs, 4 * LIGHT_SERIES_FACTOR * settings.seriesEveryMs);
  try {
    await installWatchdog(attached.session, watchdogMs).catch((err: Error) => {
      throw new CaptureError(`cannot prepare ${name} for the capture: ${err.message}`);
    });
    // Off while attached, on again at the detach (capture/live/runtime-inlining.ts).
    inlining = await turnInliningOffInTarget(attached.session, local ? pid : null, { keep: settings.inlining, watchdogMs });
    const here = local
      ? ''
      : `; its pid ${pid} is not a process on this machine (another host, or a container's own pids): CPU time, CPU waits and descriptors, read from /proc, are not known`;
    captured = await captureLive(
      ctx,
      {
        kind: 'attach',
        session: attached.session,
        pid,
        local,
        command: null,
        fromProcessStart: false,
        trackingNote: `attached at ${new Date().toISOString()}: nothing allocated before the attach is known; sites are judged on growth from then on${here}`,
        inlining: { off: inlining.off, note: inlining.note, set: inlining.set },
      },
      settings,
      process.stdin.isTTY === true,
    );
  } finally {
    // Leave the target as we found it, whatever happened: inlining as it was, sampling
    // stopped, and the inspector closed if we opened it.
    await inlining?.restore();
    await removeWatchdog(attached.session);
    await removeMemoryProbe(attached.session);
    await detachFrom(attached);
  }
  const { result, dir, writer } = captured;
  writer.finish();
  const title = `leaktrace attach ${'pid' in target ? pid : 'url' in target ? target.url : `${target.inspector.host}:${target.inspector.port}`}`;
  if (result.ended === 'target-lost' || result.ended === 'target-exited') {
    await reportLive(ctx, title, dir, result, { html: settings.html, notJudgedIsError: false });
    throw new CaptureError(`${name} exited during the capture; what was captured is in ${dir}`);
  }
  return reportLive(ctx, title, dir, result, {
    notes: [
      attached.openedByUs
        ? 'detached; the inspector leaktrace opened was closed again'
        : 'detached; the inspector was already open and stays open',
    ],
    json: { target: { pid, local } },
    html: settings.html,
  });
}

/**
 * Switches inlining in a program `run` started with it off: on means the defaults of its own
 * binary (`<exe> --v8-options`, read once, at the first switch).
 */
function inliningSetter(pid: number): (session: InspectorSession, off: boolean) => Promise<boolean> {
  let defaults: string[] | null | undefined;
  return async (session, off) => {
    if (defaults === undefined) {
      const exe = processExe(pid);
      defaults = exe ? inliningDefaults(exe) : null;
    }
    if (!defaults) throw new Error("the program binary's inlining defaults could not be read (its --v8-options)");
    return setInliningInTarget(session, off, defaults);
  };
}

/**
 * The preload's record of an at-exit snapshot it did not write for want of room
 * (preload.cts), in words; the record is removed. Null when there is none.
 */
function readSkippedExitSnapshot(file: string): string | null {
  let record: { heapUsed: number; room: MemoryRoom };
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as typeof record;
    rmSync(file, { force: true });
  } catch {
    return null;
  }
  const estimate = estimateSnapshotCost(record.heapUsed);
  return describeSkippedSnapshot('heap snapshot at the exit', record.heapUsed, {
    fits: false,
    mightFit: false,
    estimate,
    room: record.room,
  });
}
