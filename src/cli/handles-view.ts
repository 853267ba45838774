import type { AttributionOptions } from '../analysis/attribution.js';
import { buildHandleReport, type HandleReport } from '../analysis/handles/report.js';
import type { AgentFrame, HandleDiff, HandleSnapshotInfo, OutstandingHandle } from '../capture/agent/agent-types.js';
import { AGENT_PATH } from '../capture/agent/install.js';

/** What the control socket answers to `outstanding` and `diff`: handles plus their frames. */
export type OutstandingReply = { t: number; handles: OutstandingHandle[]; stacks: Record<number, AgentFrame[]> };
export type DiffReply = HandleDiff & { stacks: Record<number, AgentFrame[]> };
export type SnapshotReply = HandleSnapshotInfo;

export const ATTRIBUTION: AttributionOptions = { ignorePrefixes: [AGENT_PATH] };

/** One report over the answers of several agents (each numbers its own stacks). */
export function reportFromReplies(
  replies: readonly { pid: number; handles: OutstandingHandle[]; stacks: Record<number, AgentFrame[]> }[],
  all: boolean,
): HandleReport {
  const stacksByPid = new Map(replies.map((r) => [r.pid, r.stacks]));
  const handles = replies.flatMap((r) => r.handles);
  return buildHandleReport(handles, (h, id) => stacksByPid.get(h.pid)?.[id] ?? [], { all, attribution: ATTRIBUTION });
}
