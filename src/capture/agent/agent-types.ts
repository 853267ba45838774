/**
 * The shapes of the handle agent's API (agent.cts): what `globalThis[Symbol.for('leaktrace.agent')]`
 * offers inside a traced process, and what its control socket and capture records carry.
 * Types only: agent.cts imports them with `import type`, so the agent stays self-contained.
 * Everything is plain JSON-able data; frames are innermost first, lines and columns 1-based.
 */

export interface AgentOptions {
  /** Capture folder to append records to (handles.jsonl); none when null/absent. */
  captureDir?: string | null;
  /** Track PROMISE resources too (expensive: a stack per promise). Default false. */
  promises?: boolean;
  /** Open the control socket (main thread only). Default false; the preload turns it on. */
  control?: boolean;
  /** Wrap fs.open/openSync/promises.open/close/closeSync to trace raw descriptors. Default true. */
  fds?: boolean;
  /** Exchange reports with agents in worker threads over a BroadcastChannel. Default true. */
  workers?: boolean;
  /** How often survivors are formatted, records flushed and workers report, ms. Default 1000. */
  flushIntervalMs?: number;
  /** Frames captured per stack (Error.stackTraceLimit inside the hook). Default 64. */
  stackLimit?: number;
  /** True when loaded before the program started (preload): nothing was opened before. */
  fromProcessStart?: boolean;
}

/** A call-stack frame; line and column are 1-based, 0 when unknown (the project's Frame). */
export interface AgentFrame {
  functionName: string;
  file: string;
  line: number;
  column: number;
}

/**
 * Where a handle's stack comes from: its own creation stack ('created'); the stack of the
 * call that asked for it ('call': a server's listen(), fs.promises.open(), when the handle
 * itself is created later from Node's internals); or the stack of the resource that
 * triggered it ('trigger': an accepted socket has no JavaScript on its own stack, its
 * server's is used); or the stack of the first timer of a chain ('chain': a one-shot timer
 * re-armed from its own callback, see `lineage`).
 */
export type StackOrigin = 'created' | 'call' | 'trigger' | 'chain';

export interface OutstandingHandle {
  /** Node's async id; negative for raw descriptors (which have no async resource). */
  asyncId: number;
  /** async_hooks type (TCPWRAP, Timeout, FSEVENTWRAP, PROCESSWRAP, ZLIB, FILEHANDLE, ...) or 'fd'. */
  type: string;
  /** The stack to group by (see origin); ids are stable for the agent's life, never reused. */
  stackId: number;
  /** The resource's own creation stack when `origin` is not 'created'. */
  ownStackId: number;
  origin: StackOrigin;
  /** For origins other than 'created': whose stack is used, in words. */
  originNote: string | null;
  triggerAsyncId: number;
  /**
   * The async id of the first Timeout of its chain: a one-shot timer re-armed from its own
   * callback (the same callback, or setTimeout called at the same place) is one timer carried
   * by a new Timeout each time. Its own async id for anything else. Absent from older agents.
   */
  lineage?: number;
  /** ms since the Unix epoch. */
  createdAt: number;
  /** 0 for the main thread, the worker's threadId otherwise. */
  threadId: number;
  pid: number;
  alive: boolean;
  /** Whether it holds the event loop open (hasRef()); null where the type has no such notion. */
  refed: boolean | null;
  /** What keeps the process running: refed and, when the libuv cross-check ran, active there. */
  keepsAlive: boolean;
  /** The libuv handle matched to it, when the cross-check ran and found one. */
  libuv: { type: string; active: boolean; referenced: boolean } | null;
  fd: number | null;
  /** Addresses, paths, pids, delays: what the handle is about, in a few words. */
  detail: string | null;
}

export interface HandleSnapshotInfo {
  id: number;
  t: number;
  label: string | null;
  count: number;
}

export interface HandleDiff {
  snapshot: HandleSnapshotInfo;
  t: number;
  /** Opened after the snapshot and still open now. */
  opened: OutstandingHandle[];
  /** In the snapshot and still open. */
  stillOpen: number;
  /** In the snapshot and closed since. */
  closed: number;
}

export interface OutstandingOptions {
  /** Include the last reports of worker threads (default true). */
  threads?: boolean;
  /** Cross-check with process.report's libuv handle list (a few ms; default false). */
  libuv?: boolean;
}

export interface AgentStats {
  tracked: number;
  captured: number;
  formatted: number;
  stacks: number;
  frames: number;
  sweeps: number;
  /** The agent's own resources (and what they triggered) still remembered, so not reported. */
  own: number;
  workers: number[];
}

export interface AgentInfo {
  apiVersion: number;
  pid: number;
  threadId: number;
  startedAt: number;
  fromProcessStart: boolean;
  nodeVersion: string;
  argv: string[];
  options: AgentOptions;
  controlSocket: string | null;
  /** Resources that were already active when tracking began (no stacks known for them). */
  preexisting: Record<string, number>;
  /**
   * Whether V8 runs promise hooks because of the agent: 'off' when it needed none (handles
   * only), 'on' when it tracks promises or someone else already had promise hooks (Node then
   * runs them for the agent too), 'unknown' when this Node does not tell.
   */
  promiseHooks: 'on' | 'off' | 'unknown';
  /** When tracing was paused (ms since the epoch), or null while it traces. */
  pausedSince: number | null;
}

export interface AgentApi {
  readonly version: number;
  readonly pid: number;
  readonly threadId: number;
  readonly startedAt: number;
  readonly fromProcessStart: boolean;
  info(): AgentInfo;
  /** Every handle still open (this thread, plus workers' last reports), after a sweep. */
  outstanding(options?: OutstandingOptions): OutstandingHandle[];
  /** Remembers what is open now; diff() later shows what was opened since and is still open. */
  snapshot(label?: string): HandleSnapshotInfo;
  /** Against `snapshotId` (default: the latest snapshot). */
  diff(snapshotId?: number, options?: OutstandingOptions): HandleDiff;
  snapshots(): HandleSnapshotInfo[];
  /** Frames (innermost first) of stack ids; unknown ids are left out. */
  stacks(ids: readonly number[]): Record<number, AgentFrame[]>;
  /** Asks worker threads for fresh reports; resolves with how many answered. */
  collectWorkers(timeoutMs?: number): Promise<number>;
  /** Appends pending records to the capture folder now. */
  flush(): void;
  stats(): AgentStats;
  /**
   * Stops tracing new handles until resume() (the async hook off); open ones stay known.
   * False when already paused or stopped. (Agents older than API 2 lack both.)
   */
  pause(): boolean;
  resume(): boolean;
  /** Unhooks everything, restores fs, closes its channels; the global is removed. */
  stop(): void;
}

/** What `require(agent.cjs)` returns. */
export interface AgentModule {
  installAgent(options?: AgentOptions): AgentApi;
  getAgent(): AgentApi | undefined;
  AGENT_API_VERSION: number;
  HANDLES_FILE: string;
}

/**
 * Lines the agent appends to a capture folder's handles.jsonl (one JSON object per line,
 * every one with `pid` and `threadId`; stack ids are numbered per (pid, threadId)):
 * - `agent`: AgentInfo, once when the agent starts in a process or thread;
 * - `stack`: `{id, frames}`, once per stack id, before the first line that uses it;
 * - `open`: an OutstandingHandle, the first time a sweep (every flushIntervalMs) finds it alive
 *   — handles opened and closed between two sweeps are never written;
 * - `close`: `{asyncId}` for a handle written as open and found closed since;
 * - `snapshot`: HandleSnapshotInfo plus `handles`, the `threadId:asyncId` keys it holds;
 * - `exit`: `{exitCode, handles}` — what was still open when the process exited.
 */
export type HandleRecordLine =
  | ({ kind: 'agent' } & AgentInfo & { t: number; ppid: number })
  | { kind: 'stack'; pid: number; threadId: number; id: number; frames: AgentFrame[] }
  | ({ kind: 'open'; t: number } & OutstandingHandle)
  | { kind: 'close'; pid: number; threadId: number; t: number; asyncId: number }
  | { kind: 'pause'; pid: number; threadId: number; t: number }
  | { kind: 'resume'; pid: number; threadId: number; t: number; since: number }
  | ({ kind: 'snapshot'; pid: number; threadId: number; handles: string[] } & HandleSnapshotInfo)
  | { kind: 'exit'; pid: number; threadId: number; t: number; exitCode: number | null; handles: OutstandingHandle[] };
