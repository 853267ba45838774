import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureError } from '../../errors.js';
import type { AgentInfo } from '../agent/agent-types.js';
import { agentEnvironment } from '../agent/install.js';
import { requestAgent } from '../agent/control-client.js';

export interface TracedProcessOptions {
  /** The program and its arguments; a script path alone runs with this Node. */
  command: string[];
  /** Capture folder the agents append to. */
  captureDir: string;
  promises?: boolean;
  flushIntervalMs?: number;
  /** The target's stdin: a terminal stays with leaktrace (it reads keys from it). */
  stdin: 'inherit' | 'ignore';
  /** 'stderr' keeps leaktrace's stdout for its own JSON document. */
  stdout?: 'inherit' | 'stderr';
  cwd?: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A program started with the handle agent preloaded (NODE_OPTIONS, so Node processes it
 * starts are traced too), in its own process group: Ctrl-C on the terminal reaches leaktrace
 * only, which can then ask the agents what is open before it stops the program.
 */
export class TracedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  exitStatus: ExitStatus | null = null;
  private readonly captureDir: string;

  private constructor(child: ChildProcess, captureDir: string, exited: Promise<ExitStatus>) {
    this.child = child;
    this.pid = child.pid as number;
    this.captureDir = captureDir;
    this.exited = exited;
    void exited.then((s) => (this.exitStatus = s));
  }

  static async start(options: TracedProcessOptions): Promise<TracedProcess> {
    const [first, ...args] = options.command;
    const isScript = /\.(c|m)?(j|t)s$/.test(first);
    const file = isScript ? process.execPath : first;
    const argv = isScript ? [first, ...args] : args;
    const env = agentEnvironment({
      captureDir: options.captureDir,
      promises: options.promises === true,
      flushIntervalMs: options.flushIntervalMs ?? 1000,
    });
    const child = spawn(file, argv, {
      env,
      cwd: options.cwd,
      detached: true,
      stdio: [options.stdin, options.stdout === 'stderr' ? 2 : 'inherit', 'inherit'],
    });
    const exited = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (err: NodeJS.ErrnoException) =>
        reject(new CaptureError(`cannot run '${first}': ${err.code === 'ENOENT' ? 'command not found' : err.message}`)),
      );
    });
    return new TracedProcess(child, options.captureDir, exited);
  }

  /** Agents that announced themselves in the capture folder and still run (a pid per process). */
  liveAgents(): AgentInfo[] {
    const file = join(this.captureDir, 'handles.jsonl');
    if (!existsSync(file)) return [];
    const out = new Map<number, AgentInfo>();
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.includes('"kind":"agent"')) continue;
      try {
        const info = JSON.parse(line) as AgentInfo & { kind: string };
        if (info.threadId === 0 && info.controlSocket && existsSync(info.controlSocket)) out.set(info.pid, info);
      } catch {}
    }
    return [...out.values()].filter((a) => isRunning(a.pid));
  }

  /** Waits until at least one agent is up, or the program exits, or `timeoutMs` passes. */
  async waitForAgent(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until && !signal?.aborted && this.exitStatus === null) {
      if (this.liveAgents().length > 0) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.liveAgents().length > 0;
  }

  /** Sends a command to every live agent; failures of single agents are returned, not thrown. */
  async request<T>(cmd: string, args: Record<string, unknown> = {}): Promise<{ results: { pid: number; result: T }[]; errors: string[] }> {
    const agents = this.liveAgents();
    if (agents.length === 0) throw new CaptureError('no traced Node process is running (yet?): nothing to ask');
    const settled = await Promise.allSettled(agents.map((a) => requestAgent<T>(a.controlSocket as string, cmd, args)));
    const results: { pid: number; result: T }[] = [];
    const errors: string[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') results.push({ pid: agents[i].pid, result: s.value });
      else errors.push(`pid ${agents[i].pid}: ${(s.reason as Error).message}`);
    });
    return { results, errors };
  }

  /** SIGTERM to the program's process group, SIGKILL after `graceMs`; resolves on exit. */
  async stop(graceMs = 2000): Promise<ExitStatus> {
    if (this.exitStatus) return this.exitStatus;
    signalGroup(this.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(this.pid, 'SIGKILL'), graceMs);
    const status = await this.exited;
    clearTimeout(timer);
    // Whatever else the program started in its group goes with it.
    signalGroup(this.pid, 'SIGKILL');
    return status;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {}
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
