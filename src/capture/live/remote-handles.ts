import type { AttributionOptions } from '../../analysis/attribution.js';
import { groupHandles, type HandleGroup } from '../../analysis/handles/group.js';
import type { Frame } from '../../model/frame.js';
import type { AgentFrame, AgentInfo, AgentOptions, OutstandingHandle } from '../agent/agent-types.js';
import { AGENT_PATH, remoteInstallExpression } from '../agent/install.js';
import { evaluateInTarget } from '../inspector/evaluate.js';
import type { InspectorSession } from '../inspector/session.js';
import { addCleanup, dropCleanup } from './target-watchdog.js';

/** The target watchdog's name for taking the agent out (target-watchdog.ts). */
const CLEANUP = 'handles';
/** Its name for resuming an agent that was there before us, should leaktrace die while it is paused. */
const RESUME_CLEANUP = 'handles-resume';
/** The name the agent's frames carry when it was installed through the inspector. */
const REMOTE_AGENT_FILE = 'leaktrace-agent.cjs';
/** Frames of the handle agent, preloaded or installed remotely: tooling, not the program. */
export const AGENT_FRAMES: readonly string[] = [AGENT_PATH, REMOTE_AGENT_FILE];
const ATTRIBUTION: AttributionOptions = { ignorePrefixes: AGENT_FRAMES };

/**
 * The handle agent inside a target reached over the inspector, for the leak finder of `run`
 * and `attach`: open handles (sockets, timers, watchers, descriptors…) grouped by type and
 * creation stack at each measurement. `run` preloads the agent before the program's first
 * line; `attach` evaluates it into the running process, so handles opened before the attach
 * have no stack (the agent counts them as pre-existing) and are never judged.
 */
export class RemoteHandles {
  private constructor(
    private readonly session: InspectorSession,
    /** False when an agent was already there (preloaded by `run`, or by `leaktrace handles`). */
    readonly installedByUs: boolean,
    readonly info: AgentInfo,
  ) {}

  /** Finds the preloaded agent or installs one; null, with why, when neither works. */
  static async connect(session: InspectorSession, options: AgentOptions): Promise<RemoteHandles | { unavailable: string }> {
    try {
      const present = await evaluateInTarget<AgentInfo | null>(session, `globalThis[Symbol.for('leaktrace.agent')]?.info() ?? null`);
      if (present) return new RemoteHandles(session, false, present);
      const info = await runAsScript<AgentInfo>(session, remoteInstallExpression({ control: false, ...options }), REMOTE_AGENT_FILE);
      // Under attach: if leaktrace dies, the target's watchdog takes its hooks off again.
      await addCleanup(session, CLEANUP, `() => globalThis[Symbol.for('leaktrace.agent')]?.stop()`).catch(() => undefined);
      return new RemoteHandles(session, true, info);
    } catch (err) {
      return { unavailable: (err as Error).message };
    }
  }

  /** Frames of the stack ids already fetched: the target sends each stack once. */
  private readonly frames = new Map<number, Frame[]>();

  /**
   * The handles open now, grouped by type and creation stack; and the number of active
   * resources Node itself counts (process.getActiveResourcesInfo: handles, requests, timers),
   * which is known even while tracing is paused.
   */
  async read(): Promise<{ groups: HandleGroup[]; active: number | null }> {
    // This runs in the target's main thread at every measurement: only new stacks are
    // formatted and sent (a stack id is never reused for another stack).
    const r = await evaluateInTarget<{ handles: OutstandingHandle[]; stacks: Record<number, AgentFrame[]>; active: number | null } | null>(
      this.session,
      `(() => {
        const agent = globalThis[Symbol.for('leaktrace.agent')];
        if (!agent) return null;
        const known = new Set(${JSON.stringify([...this.frames.keys()])});
        const handles = agent.outstanding();
        const active = typeof process.getActiveResourcesInfo === 'function' ? process.getActiveResourcesInfo().length : null;
        return { handles, active, stacks: agent.stacks([...new Set(handles.map((h) => h.stackId))].filter((id) => !known.has(id))) };
      })()`,
    );
    if (!r) return { groups: [], active: null };
    for (const [id, frames] of Object.entries(r.stacks)) this.frames.set(Number(id), frames as Frame[]);
    return { groups: groupHandles(r.handles, (h) => this.frames.get(h.stackId) ?? [], ATTRIBUTION, true), active: r.active };
  }

  /**
   * Pauses the agent's tracing of new handles (its async hook off), or resumes it. True when
   * it changed; false when the agent cannot (one from an older leaktrace) or already was so.
   */
  async setTracing(on: boolean): Promise<boolean> {
    const changed = await evaluateInTarget<boolean>(
      this.session,
      `(() => { const a = globalThis[Symbol.for('leaktrace.agent')]; return typeof a?.${on ? 'resume' : 'pause'} === 'function' ? a.${on ? 'resume' : 'pause'}() : false; })()`,
    );
    // An agent that was there before us must not stay paused if leaktrace dies meanwhile.
    if (changed && !this.installedByUs) {
      if (on) await dropCleanup(this.session, RESUME_CLEANUP);
      else
        await addCleanup(this.session, RESUME_CLEANUP, `() => globalThis[Symbol.for('leaktrace.agent')]?.resume?.()`).catch(
          () => undefined,
        );
    }
    if (changed) this.paused = !on;
    return changed;
  }

  /** Tracing is paused by us (setTracing(false)). */
  paused = false;

  /**
   * Has the agent turn the raw stacks it still holds into text. A raw stack holds its frames'
   * receivers and closures, so a snapshot taken now would show the program's objects as held
   * by the agent's records (retainer paths through `HandleRecord.holder`).
   */
  async settle(): Promise<void> {
    // flush() interns every live record's stack (and drops its raw one) without describing them.
    await evaluateInTarget(this.session, `void globalThis[Symbol.for('leaktrace.agent')]?.flush()`).catch(() => undefined);
  }

  /** Removes the agent again if we installed it (hooks off, fs restored). */
  async stop(): Promise<void> {
    if (!this.installedByUs) {
      if (this.paused) await this.setTracing(true).catch(() => undefined);
      return;
    }
    await dropCleanup(this.session, CLEANUP);
    await evaluateInTarget(this.session, `globalThis[Symbol.for('leaktrace.agent')]?.stop()`).catch(() => undefined);
  }
}

/**
 * Gives a worker thread the handle agent, through the worker's own inspector session, unless
 * it has one (under `run` the preload is in every worker). Its agent reports to the main
 * thread's and follows it: paused, resumed and stopped with it (agent.cts, 'tellWorkers'), so
 * if leaktrace dies, the watchdog's stop of the main thread's agent takes the workers' out too.
 * True when installed by us; throws with why it could not be.
 */
export async function installWorkerAgent(session: InspectorSession, options: AgentOptions): Promise<boolean> {
  const present = await evaluateInTarget<boolean>(session, `!!globalThis[Symbol.for('leaktrace.agent')]`);
  if (present) return false;
  await runAsScript<AgentInfo>(session, remoteInstallExpression({ control: false, ...options }), REMOTE_AGENT_FILE);
  return true;
}

/** Takes out the agent `installWorkerAgent` put into a worker (it may be stopped already). */
export async function stopWorkerAgent(session: InspectorSession): Promise<void> {
  await evaluateInTarget(session, `globalThis[Symbol.for('leaktrace.agent')]?.stop()`);
}

type ScriptResult<T> = { result: { value?: T }; exceptionDetails?: { exception?: { description?: string }; text: string } };

/**
 * Runs the agent's text as a script named `name`. Not `Runtime.evaluate`: an evaluated
 * script has no name, only its `//# sourceURL`, which stack traces use but V8's sampling
 * heap profiler does not; the agent's own allocations then came out of the profile with no
 * file — as if made by Node with no JavaScript on the stack — and were reported as leaks in
 * `node:` (seen on Node 24 in CI: the agent's `detailOf`, line 1260 of the script).
 * `compileScript` gives the script its name, so the agent's frames are known as tooling.
 */
async function runAsScript<T>(session: InspectorSession, expression: string, name: string): Promise<T> {
  // compileScript needs the Runtime domain, off again after: while it is on, V8 sends us every
  // console call of the program (see live-capture.ts, watchForExit).
  await session.post('Runtime.enable');
  try {
    const compiled = await session.post<{ scriptId?: string; exceptionDetails?: { text: string } }>('Runtime.compileScript', {
      expression,
      sourceURL: name,
      persistScript: true,
    });
    if (!compiled.scriptId)
      throw new Error(`the handle agent did not compile in the target: ${compiled.exceptionDetails?.text ?? 'no script'}`);
    return valueOf(
      await session.post<ScriptResult<T>>('Runtime.runScript', {
        scriptId: compiled.scriptId,
        includeCommandLineAPI: true,
        returnByValue: true,
        silent: true,
      }),
    );
  } finally {
    await session.post('Runtime.disable').catch(() => undefined);
  }
}

function valueOf<T>(r: ScriptResult<T>): T {
  if (r.exceptionDetails) {
    throw new Error(
      `the handle agent failed in the target: ${(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text).split('\n')[0]}`,
    );
  }
  return r.result.value as T;
}
