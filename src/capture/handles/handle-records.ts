import { CAPTURE_FILES } from '../../capture-folder/layout.js';
import type { CaptureReader } from '../../capture-folder/reader.js';
import type { Frame } from '../../model/frame.js';
import type { AgentInfo, HandleRecordLine, OutstandingHandle } from '../agent/agent-types.js';

/**
 * What the agents of one capture wrote to handles.jsonl, put back together: the processes
 * and threads that were traced, their stacks, what each process had open when it exited, and
 * for a process killed before it could say so, what its last flush showed open.
 */
export interface ProcessHandles {
  pid: number;
  info: AgentInfo;
  /** True when the process wrote an exit record; false when it was killed or is still running. */
  exited: boolean;
  exitCode: number | null;
  /** Time of the record the handles come from (exit, or the last flush). */
  t: number;
  handles: OutstandingHandle[];
  /**
   * Stretches when the agent's tracing was paused (run/attach watching lightly): handles
   * opened then have no record. `to` null: still paused at the last record.
   */
  untraced: { from: number; to: number | null }[];
}

export interface HandleRecords {
  processes: ProcessHandles[];
  /** Frames of a stack id as written by the agent of (pid, thread). */
  frames(pid: number, threadId: number, stackId: number): Frame[];
  /** A StackFrames function for handles of `processes` (their ids are the writer's). */
  stackFrames(handle: OutstandingHandle & { writerThreadId?: number }, stackId: number): Frame[];
}

type Line = HandleRecordLine;

// Only readLines is used, so a report can read the handles of a capture whose manifest is lost.
export function readHandleRecords(reader: Pick<CaptureReader, 'readLines'>): HandleRecords {
  const { records } = reader.readLines<Line>(CAPTURE_FILES.handles);
  const stacks = new Map<string, Frame[]>();
  const agents = new Map<number, AgentInfo & { t: number }>();
  const exits = new Map<number, Extract<Line, { kind: 'exit' }>>();
  // Per process: handles written as open and not closed since (key threadId:asyncId).
  const open = new Map<number, Map<string, OutstandingHandle & { writerThreadId: number }>>();
  const lastT = new Map<number, number>();
  const untraced = new Map<number, { from: number; to: number | null }[]>();
  for (const r of records) {
    if (r === null || typeof r !== 'object') continue;
    const pid = r.pid;
    lastT.set(pid, Math.max(lastT.get(pid) ?? 0, 't' in r && typeof r.t === 'number' ? r.t : 0));
    switch (r.kind) {
      case 'agent':
        if (r.threadId === 0 || !agents.has(pid)) agents.set(pid, r);
        break;
      case 'stack':
        stacks.set(`${pid}:${r.threadId}:${r.id}`, r.frames);
        break;
      case 'open': {
        let m = open.get(pid);
        if (!m) open.set(pid, (m = new Map()));
        m.set(`${r.threadId}:${r.asyncId}`, { ...r, writerThreadId: r.threadId });
        break;
      }
      case 'close':
        open.get(pid)?.delete(`${r.threadId}:${r.asyncId}`);
        break;
      case 'exit':
        if (r.threadId === 0) exits.set(pid, r);
        break;
      case 'pause': {
        let spans = untraced.get(pid);
        if (!spans) untraced.set(pid, (spans = []));
        spans.push({ from: r.t, to: null });
        break;
      }
      case 'resume': {
        const last = untraced.get(pid)?.at(-1);
        if (last && last.to === null) last.to = r.t;
        break;
      }
    }
  }
  const frames = (pid: number, threadId: number, stackId: number): Frame[] => stacks.get(`${pid}:${threadId}:${stackId}`) ?? [];
  const processes: ProcessHandles[] = [];
  for (const [pid, info] of agents) {
    const exit = exits.get(pid);
    processes.push(
      exit
        ? {
            pid,
            info,
            exited: true,
            exitCode: exit.exitCode,
            t: exit.t,
            // The exit record is written by the main thread, in its stack ids (workers' included).
            handles: exit.handles.map((h) => ({ ...h, writerThreadId: 0 })),
            untraced: untraced.get(pid) ?? [],
          }
        : {
            pid,
            info,
            exited: false,
            exitCode: null,
            t: lastT.get(pid) ?? info.t,
            handles: [...(open.get(pid)?.values() ?? [])],
            untraced: untraced.get(pid) ?? [],
          },
    );
  }
  return {
    processes,
    frames,
    stackFrames: (h, id) => frames(h.pid, h.writerThreadId ?? h.threadId, id),
  };
}
