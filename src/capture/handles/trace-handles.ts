import { buildHandleReport, type HandleReport } from '../../analysis/handles/report.js';
import type { AttributionOptions } from '../../analysis/attribution.js';
import type { Frame } from '../../model/frame.js';
import type { AgentApi, HandleSnapshotInfo, OutstandingHandle } from '../agent/agent-types.js';
import { AGENT_PATH, getAgent, installAgent } from '../agent/install.js';

export interface TraceHandlesOptions {
  /** Track promises too (a stack per promise: several times slower promise-heavy code). */
  promises?: boolean;
  /** Trace raw descriptors from fs.open/openSync/promises.open (default true). */
  fds?: boolean;
  /** Also append the agent's records to this capture folder's handles.jsonl. */
  captureDir?: string;
}

export interface HandleDiffReport extends HandleReport {
  snapshot: HandleSnapshotInfo;
  /** Handles of the snapshot still open. */
  stillOpen: number;
  /** Handles of the snapshot closed since. */
  closed: number;
}

export interface HandleTracer {
  /** The agent underneath (shared with anything else in this thread that installed it). */
  readonly agent: AgentApi;
  /** When tracking began (ms since the epoch); nothing opened earlier has a stack. */
  readonly startedAt: number;
  /**
   * Everything open now, grouped by creation stack; noise counted apart unless `all`; with
   * `withMembers`, each group lists its handles (HandleGroup.members).
   */
  outstanding(options?: { all?: boolean; withMembers?: boolean }): HandleReport;
  /** Remembers what is open now. */
  snapshot(label?: string): HandleSnapshotInfo;
  /** What was opened since `snapshot` (default: the latest) and is still open. */
  diff(snapshot?: HandleSnapshotInfo | number, options?: { all?: boolean }): HandleDiffReport;
  /** Uninstalls the agent if this tracer installed it. */
  stop(): void;
}

/** leaktrace's own files: never the site of a handle. */
const ATTRIBUTION: AttributionOptions = { ignorePrefixes: [AGENT_PATH] };

/**
 * Handle tracing inside the current process, for tests:
 *
 *   const tracer = await traceHandles();
 *   const before = tracer.snapshot();
 *   await operationUnderTest();
 *   const diff = tracer.diff(before);   // diff.groups: what was opened and is still open
 *   tracer.stop();
 *
 * Installs the agent in this thread (or reuses the one already there, e.g. preloaded by
 * `leaktrace handles`). Only handles opened after the agent was installed have stacks.
 */
export async function traceHandles(options: TraceHandlesOptions = {}): Promise<HandleTracer> {
  const existing = getAgent();
  const agent =
    existing ??
    installAgent({
      promises: options.promises === true,
      fds: options.fds !== false,
      captureDir: options.captureDir ?? null,
      control: false,
    });
  const installedHere = existing === undefined;
  const framesOf = (_h: OutstandingHandle, id: number): Frame[] => agent.stacks([id])[id] ?? [];
  const report = (handles: OutstandingHandle[], all: boolean | undefined, withMembers?: boolean): HandleReport =>
    buildHandleReport(handles, framesOf, { all, attribution: ATTRIBUTION, withMembers });
  await agent.collectWorkers();
  return {
    agent,
    startedAt: agent.startedAt,
    outstanding: (o) => report(agent.outstanding({ libuv: true }), o?.all, o?.withMembers),
    snapshot: (label) => agent.snapshot(label),
    diff(snapshot, o) {
      const id = typeof snapshot === 'number' ? snapshot : snapshot?.id;
      const d = agent.diff(id, { libuv: true });
      return { ...report(d.opened, o?.all), snapshot: d.snapshot, stillOpen: d.stillOpen, closed: d.closed };
    },
    stop() {
      if (installedHere) agent.stop();
    },
  };
}
