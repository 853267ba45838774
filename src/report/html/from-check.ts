import { groupByUserCode } from '../../analysis/leak-groups.js';
import type { Leak } from '../../analysis/leak-report.js';
import { packageLabel } from '../../analysis/snapshot/stat.js';
import type { CheckReport } from '../../check/check-leaks.js';
import { formatBytes, formatCount, formatDuration } from '../../cli/output/format.js';
import { formatFrame } from '../../model/frame.js';
import { LEAKTRACE_VERSION } from '../../version.js';
import { type Breakdown, type Fact, REPORT_LIMITS, type ReportData, type SuspectView } from './report-data.js';
import { suspectView } from './suspect-views.js';
import { userCodeBreakdown } from './user-code-breakdown.js';
import { leakVerdict } from './verdict.js';

export interface CheckContext {
  /** The module that was checked, when known. */
  module?: string;
  /** The Node version the check ran on, when known (the harness runs on leaktrace's own Node). */
  nodeVersion?: string;
  /** Where the report came from, e.g. a saved JSON file. */
  source?: string;
}

/** A `leaktrace check` report (CheckReport: `check --json`, checkLeaks()) as report data. */
export function fromCheckReport(report: CheckReport & { module?: string; mode?: string }, context: CheckContext = {}): ReportData {
  const omitted: string[] = [];
  const leaks = report.leaks ?? [];
  const below = report.belowThreshold ?? [];
  const suspects = capSuspects(leaks, REPORT_LIMITS.suspects, 'suspects', omitted);
  const weak = capSuspects(below, REPORT_LIMITS.belowThreshold, 'sites below the threshold', omitted);
  const module = context.module ?? report.module;
  const measurements = report.measurements ?? [];
  const byPlace = groupByUserCode(leaks);
  const byPlaceBreakdown = userCodeBreakdown(byPlace);
  const measured = `${formatCount(report.iterations)} runs after ${formatCount(report.warmup)} warm-up runs`;
  const facts: Fact[] = [];
  if (module) facts.push({ label: 'Module checked', value: module });
  facts.push({ label: 'Runs', value: `${formatCount(report.iterations)} measured, after ${formatCount(report.warmup)} warm-up runs` });
  facts.push({ label: 'Measurements', value: `${measurements.length}, each after a full garbage collection` });
  if (report.mode)
    facts.push({ label: 'Allocation tracking', value: report.mode === 'exact' ? 'exact (allocation tracker)' : 'sampling heap profiler' });
  if (report.samplingInterval) facts.push({ label: 'Sampling interval', value: `${formatCount(report.samplingInterval)} bytes` });
  if (report.threshold !== undefined) facts.push({ label: 'Leak threshold', value: `probability ≥ ${report.threshold}` });
  if (report.durationMs !== undefined) facts.push({ label: 'Duration', value: formatDuration(report.durationMs) });
  if (context.nodeVersion) facts.push({ label: 'Node version', value: context.nodeVersion });
  facts.push({ label: 'Tracking began', value: report.tracking?.note ?? 'unknown' });
  facts.push({ label: 'leaktrace version', value: LEAKTRACE_VERSION });
  return {
    title: `leaktrace check${module ? ` ${module}` : ''}`,
    source: context.source ?? 'a leaktrace check report',
    generatedAt: new Date().toISOString(),
    leaktraceVersion: LEAKTRACE_VERSION,
    verdict: leakVerdict(suspects, measured, true, byPlace),
    leakFinder: true,
    memory:
      measurements.length > 0
        ? {
            xKind: 'iteration',
            xs: measurements.map((m) => m.iteration),
            series: [
              { name: 'RSS', unit: 'bytes', values: measurements.map((m) => m.rss ?? null) },
              { name: 'heap used', unit: 'bytes', values: measurements.map((m) => m.heapUsed ?? null) },
              { name: 'external', unit: 'bytes', values: measurements.map((m) => m.external ?? null) },
              { name: 'array buffers', unit: 'bytes', values: measurements.map((m) => m.arrayBuffers ?? null) },
            ],
            marks: [],
          }
        : null,
    suspects,
    belowThreshold: weak,
    breakdowns: [...growthBreakdowns([...suspects, ...weak]), ...(byPlaceBreakdown ? [byPlaceBreakdown] : [])],
    flame: null,
    handles: null,
    tables: [],
    events: [],
    facts,
    notes: report.tracking?.note ? [report.tracking.note] : [],
    problems: [],
    omitted,
  };
}

function capSuspects(leaks: readonly Leak[], max: number, what: string, omitted: string[]): SuspectView[] {
  if (leaks.length > max) omitted.push(`${leaks.length - max} of ${leaks.length} ${what} (the least likely) are not shown`);
  return leaks.slice(0, max).map((l, i) => suspectView(l, i + 1, 'iteration'));
}

/**
 * A check has no picture of all live memory, only of the sites that grew: the bars show the
 * live bytes each suspect added between the first and the last measurement.
 */
function growthBreakdowns(suspects: readonly SuspectView[]): Breakdown[] {
  const grown = suspects
    .filter((s) => s.series && s.series.bytes.length > 1)
    .map((s) => ({ s, bytes: s.series!.bytes[s.series!.bytes.length - 1] - s.series!.bytes[0] }))
    .filter((g) => g.bytes > 0);
  if (grown.length === 0) return [];
  const byPackage = new Map<string, number>();
  for (const g of grown) byPackage.set(packageLabel(g.s.package), (byPackage.get(packageLabel(g.s.package)) ?? 0) + g.bytes);
  const total = grown.reduce((t, g) => t + g.bytes, 0);
  const note = `Live bytes added between the first and the last measurement by the sites that grew (${formatBytes(total)} in all).`;
  return [
    {
      id: 'by-package',
      title: 'Growth by package',
      note,
      rows: topRows([...byPackage].map(([label, bytes]) => ({ label, bytes }))),
      total,
    },
    {
      id: 'by-site',
      title: 'Growth by allocation site',
      note,
      rows: topRows(
        grown.map((g) => ({
          label: g.s.site ? g.s.site.functionName || '(anonymous)' : '(internals)',
          detail: g.s.site ? formatFrame(g.s.site) : undefined,
          bytes: g.bytes,
        })),
      ),
      total,
    },
  ];
}

/** The largest rows, the rest folded into one `(N others)` row. */
export function topRows<T extends { label: string; bytes: number; count?: number; detail?: string }>(rows: T[]): Breakdown['rows'] {
  const sorted = [...rows].sort((a, b) => b.bytes - a.bytes);
  const max = REPORT_LIMITS.breakdownRows;
  if (sorted.length <= max) return sorted;
  const rest = sorted.slice(max - 1);
  return [
    ...sorted.slice(0, max - 1),
    {
      label: `(${rest.length} others)`,
      bytes: rest.reduce((t, r) => t + r.bytes, 0),
      count: rest.some((r) => r.count !== undefined) ? rest.reduce((t, r) => t + (r.count ?? 0), 0) : undefined,
    },
  ];
}
