import { CaptureReader } from '../capture-folder/reader.js';
import { requestAgent } from '../capture/agent/control-client.js';
import { readHandleRecords } from '../capture/handles/handle-records.js';
import { buildHandleReport } from '../analysis/handles/report.js';
import { renderHandleReport } from '../report/handles-text.js';
import type { CommandContext } from './command.js';
import { ATTRIBUTION, type DiffReply, type OutstandingReply, reportFromReplies, type SnapshotReply } from './handles-view.js';
import { parsePid } from './parse-values.js';
import { formatDuration } from './output/format.js';

interface RequestOptions {
  all: boolean;
  top: number;
  depth: number;
  failOnLeak: boolean;
  label?: string;
  id?: number;
}

/**
 * `leaktrace handles snapshot|diff|list <pid>`: asks the agent of a process traced by another
 * `leaktrace handles` (over its control socket); `list <capture-dir>` reads what a capture
 * folder recorded instead.
 */
export async function runHandlesRequest(
  ctx: CommandContext,
  sub: 'snapshot' | 'diff' | 'list',
  target: string,
  o: RequestOptions,
): Promise<number> {
  const render = { width: ctx.out.width, top: o.top, stackDepth: o.depth };
  if (sub === 'list' && !/^\d+$/.test(target)) return listCapture(ctx, target, o);
  const pid = parsePid(target);
  if (sub === 'snapshot') {
    const snap = await requestAgent<SnapshotReply>(pid, 'snapshot', o.label ? { label: o.label } : {});
    if (ctx.json) ctx.out.json({ pid, snapshot: snap });
    else ctx.out.print(`snapshot ${snap.id} of pid ${pid}: ${snap.count} handle(s) open${snap.label ? ` (${snap.label})` : ''}`);
    return 0;
  }
  if (sub === 'list') {
    const reply = await requestAgent<OutstandingReply>(pid, 'outstanding');
    const report = reportFromReplies([{ pid, handles: reply.handles, stacks: reply.stacks }], o.all);
    if (ctx.json) ctx.out.json({ pid, t: reply.t, report });
    else ctx.out.print(renderHandleReport(report, { ...render, title: `open now in pid ${pid}` }));
    return o.failOnLeak && report.shown > 0 ? 1 : 0;
  }
  const reply = await requestAgent<DiffReply>(pid, 'diff', o.id !== undefined ? { id: o.id } : {});
  const report = reportFromReplies([{ pid, handles: reply.opened, stacks: reply.stacks }], o.all);
  if (ctx.json) ctx.out.json({ pid, snapshot: reply.snapshot, t: reply.t, stillOpen: reply.stillOpen, closed: reply.closed, report });
  else {
    const ago = formatDuration(reply.t - reply.snapshot.t);
    ctx.out.print(
      renderHandleReport(report, {
        ...render,
        title: `pid ${pid}, opened since snapshot ${reply.snapshot.id} (${ago} ago) and still open; ${reply.closed} of its ${reply.snapshot.count} closed since`,
      }),
    );
  }
  return o.failOnLeak && report.shown > 0 ? 1 : 0;
}

function listCapture(ctx: CommandContext, dir: string, o: RequestOptions): Promise<number> {
  const reader = CaptureReader.open(dir);
  const records = readHandleRecords(reader);
  const handles = records.processes.flatMap((p) => p.handles);
  const report = buildHandleReport(handles, records.stackFrames, { all: o.all, attribution: ATTRIBUTION });
  if (ctx.json) {
    ctx.out.json({
      capture: dir,
      processes: records.processes.map((p) => ({ pid: p.pid, exited: p.exited, exitCode: p.exitCode, t: p.t, argv: p.info.argv })),
      report,
      problems: reader.problems,
    });
  } else {
    for (const p of records.processes) {
      ctx.out.note(
        `pid ${p.pid} (${p.info.argv.slice(1).join(' ')}): ${p.exited ? `exited (code ${p.exitCode ?? '?'}); handles open at exit` : 'no exit record (killed, or still running); handles open at its last flush'}`,
      );
    }
    for (const problem of reader.problems) ctx.out.warn(problem);
    ctx.out.print(
      renderHandleReport(report, { width: ctx.out.width, top: o.top, stackDepth: o.depth, title: `recorded in ${dir}`, showPids: true }),
    );
  }
  return Promise.resolve(o.failOnLeak && report.shown > 0 ? 1 : 0);
}
