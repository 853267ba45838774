import type { AttributionOptions } from '../../analysis/attribution.js';
import { buildHandleReport } from '../../analysis/handles/report.js';
import { AGENT_PATH } from '../../capture/agent/install.js';
import { readHandleRecords } from '../../capture/handles/handle-records.js';
import { formatCount } from '../../cli/output/format.js';
import { formatFrame } from '../../model/frame.js';
import type { CaptureSource } from './capture-source.js';
import { type HandleTable, REPORT_LIMITS, type Verdict } from './report-data.js';
import { stackView } from './suspect-views.js';

/** The handle agent's own frames are tooling, never the site (as in `leaktrace handles`). */
const ATTRIBUTION: AttributionOptions = { ignorePrefixes: [AGENT_PATH] };

/**
 * The handles a capture's traced processes still had open — at exit, or at their last
 * records when they were killed — grouped by type and creation stack, with Node's own noise
 * (stdio, the DNS resolver) set aside and counted, as `leaktrace handles` prints them.
 */
export function handleTable(
  src: CaptureSource,
  omitted: string[],
): { table: HandleTable; verdict: Verdict; nodeVersions: string[] } | null {
  const records = readHandleRecords(src);
  if (records.processes.length === 0) return null;
  const handles = records.processes.flatMap((p) => p.handles);
  const report = buildHandleReport(handles, records.stackFrames, { attribution: ATTRIBUTION });
  const groups = report.groups.slice(0, REPORT_LIMITS.handleRows);
  if (report.groups.length > groups.length)
    omitted.push(`${report.groups.length - groups.length} of ${report.groups.length} handle groups (the smallest) are not listed`);
  const killed = records.processes.filter((p) => !p.exited);
  const when =
    killed.length === 0
      ? 'still open when the traced processes exited'
      : `open at the last records of process(es) ${killed.map((p) => p.pid).join(', ')}, which wrote no exit record (killed, or still running)`;
  const noise = report.filtered.map((f) => `${formatCount(f.count)} ${f.types.join('/')} (${f.reason})`).join('; ');
  const paused = records.processes.flatMap((p) => p.untraced.map((u) => ({ pid: p.pid, start: p.info.startedAt, ...u })));
  const pausedText = paused.length
    ? ` Tracing was paused while the capture watched lightly (${paused
        .map(
          (u) =>
            `process ${u.pid}: ${Math.round((u.from - u.start) / 1000)} s to ${u.to === null ? 'the end' : `${Math.round((u.to - u.start) / 1000)} s`}`,
        )
        .join('; ')}): handles opened then are not listed.`
    : '';
  const note = `${formatCount(report.shown)} handle(s) ${when}, by type and creation stack; ${formatCount(report.keepingAlive)} keep the process running.${noise ? ` Set aside as Node's own: ${noise}.` : ''}${pausedText}`;
  const table: HandleTable = {
    note,
    rows: groups.map((g) => {
      const { stack, omitted: cut } = stackView(g.stack);
      return {
        type: g.type,
        count: g.count,
        keepingAlive: g.keepingAlive,
        unrefd: g.unrefd,
        site: g.site,
        userFrame: g.userFrame,
        package: g.package,
        details: g.details,
        evidence: g.evidence,
        stack,
        stackOmitted: cut,
      };
    }),
  };
  const top = report.groups[0];
  const verdict: Verdict =
    report.shown === 0
      ? {
          level: 'clean',
          text: `No handle left open: every socket, timer, watcher and descriptor the program opened was closed (${when.replace(/^still open /, '')}).`,
        }
      : {
          level: 'leak',
          text: `${formatCount(report.shown)} handle(s) ${when}, ${formatCount(report.keepingAlive)} keeping the process running. Most: ${formatCount(top.count)} ${top.type} opened at ${top.userFrame ? formatFrame(top.userFrame) : top.site ? formatFrame(top.site) : '(Node internals)'}.`,
        };
  const nodeVersions = [...new Set(records.processes.map((p) => p.info.nodeVersion).filter((v): v is string => typeof v === 'string'))];
  return { table, verdict, nodeVersions };
}
