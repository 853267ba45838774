import { basename } from 'node:path';
import { SnapshotAnalysis } from '../../analysis/snapshot/analysis.js';
import { diffSnapshots } from '../../analysis/snapshot/diff.js';
import { leakCandidates } from '../../analysis/snapshot/leak-candidates.js';
import { statBy } from '../../analysis/snapshot/stat.js';
import { summarize } from '../../analysis/snapshot/summary.js';
import { formatBytes, formatBytesDelta, formatCount, formatCountDelta, formatPercent } from '../../cli/output/format.js';
import { loadSnapshot } from '../../model/snapshot/load.js';
import { LEAKTRACE_VERSION } from '../../version.js';
import { type Fact, REPORT_LIMITS, type ReportData, type TableSection, type Verdict } from './report-data.js';
import { flameFromStacks, stackBreakdowns } from './stack-summaries.js';
import type { HtmlReportOptions } from './write-html-report.js';

/**
 * Plain `.heapsnapshot` files as report data, with the snapshot engine's verbs: one file is a
 * summary (sizes, top constructors, bytes by site and package when it has allocation stacks);
 * two are a diff; three (baseline, target, final) are leak candidates. A file that cannot be
 * read is listed under "what is missing" and the others are reported.
 */
export async function fromSnapshots(files: readonly string[], options: HtmlReportOptions = {}): Promise<ReportData> {
  const problems: string[] = [];
  const omitted: string[] = [];
  const loaded: SnapshotAnalysis[] = [];
  let firstError: unknown = null;
  for (const [i, file] of files.entries()) {
    try {
      const snapshot = await loadSnapshot(file, {
        signal: options.signal,
        onProgress: (p) => options.onProgress?.({ ...p, phase: `${basename(file)}: ${p.phase}` }),
      });
      loaded.push(new SnapshotAnalysis(snapshot, { onProgress: options.onProgress }));
    } catch (err) {
      firstError ??= err;
      problems.push(`${['first', 'second', 'third'][i]} snapshot: ${(err as Error).message}`);
    }
  }
  if (loaded.length === 0) throw firstError;
  const tables: TableSection[] = [];
  const facts: Fact[] = [];
  let verdict: Verdict;
  let breakdowns: ReportData['breakdowns'] = [];
  let flame: ReportData['flame'] = null;
  const cap = <T>(rows: T[], what: string): T[] => {
    if (rows.length > REPORT_LIMITS.tableRows) omitted.push(`${what}: ${rows.length - REPORT_LIMITS.tableRows} of ${rows.length} rows`);
    return rows.slice(0, REPORT_LIMITS.tableRows);
  };

  for (const a of loaded) {
    const s = summarize(a, { top: 20 });
    facts.push({
      label: basename(s.file),
      value: `${formatBytes(s.fileSize)} on disk; ${formatCount(s.nodeCount)} objects, ${formatBytes(s.totalSize)} in all (V8 heap ${formatBytes(s.memory.jsHeap)}, ArrayBuffer contents ${formatBytes(s.memory.arrayBufferBackingStores)}, other native ${formatBytes(s.memory.otherNative)}); ${s.allocationTraces.present ? `${formatCount(s.allocationTraces.stacks)} allocation stacks` : 'no allocation stacks'}`,
    });
  }
  const last = loaded[loaded.length - 1];

  const partial =
    loaded.length < files.length ? `Only ${loaded.length} of ${files.length} snapshots could be read (see “What is missing”). ` : '';
  if (loaded.length === 3) {
    const c = leakCandidates(loaded[0], loaded[1], loaded[2]);
    verdict =
      c.topLevelCount > 0
        ? {
            level: 'leak',
            text: `${formatCount(c.topLevelCount)} leak candidate object(s) retaining ${formatBytes(c.retainedSize)}: allocated between ${basename(c.baseline)} and ${basename(c.target)} and still alive in ${basename(c.final)}. Largest cluster: ${c.byRetainerPath[0]?.className ?? '?'} held by ${c.byRetainerPath[0]?.key ?? '?'}.`,
          }
        : {
            level: 'clean',
            text: `No leak candidates: nothing allocated between ${basename(c.baseline)} and ${basename(c.target)} is alive in ${basename(c.final)}.`,
          };
    const clusters = cap(c.byRetainerPath, 'leak candidate clusters');
    tables.push({
      id: 'candidates',
      title: 'Leak candidates, by what holds them',
      note: 'Objects allocated between the baseline and the target snapshot that are still alive in the final one, folded into the object that dominates them, grouped by the shape of their retainer path; largest retained size first.',
      columns: [
        { header: 'class' },
        { header: 'objects', numeric: true },
        { header: 'retained', numeric: true },
        { header: 'self', numeric: true },
        { header: 'allocated at' },
        { header: 'held by' },
      ],
      rows: clusters.map((k) => [
        k.className,
        formatCount(k.count),
        formatBytes(k.retainedSize),
        formatBytes(k.selfSize),
        k.site ?? '(no allocation stack)',
        k.key,
      ]),
      details: clusters.slice(0, 10).map((k, i) => ({
        title: `cluster ${i + 1}: retainer path of the largest ${k.className} (ids ${k.sampleIds.map((id) => `@${id}`).join(' ')})`,
        lines: k.samplePath,
      })),
    });
    if (c.bySite) {
      tables.push({
        id: 'candidates-by-site',
        title: 'Leak candidates, by allocation site',
        columns: [
          { header: 'allocated at' },
          { header: 'objects', numeric: true },
          { header: 'retained', numeric: true },
          { header: 'class' },
        ],
        rows: cap(c.bySite, 'candidates by site').map((k) => [k.key, formatCount(k.count), formatBytes(k.retainedSize), k.className]),
      });
    }
  } else if (loaded.length === 2) {
    const d = diffSnapshots(loaded[0], loaded[1]);
    const top = d.rows[0];
    verdict = {
      level: 'unknown',
      text: `${partial}${formatCountDelta(d.newObjects - d.deletedObjects)} objects (${formatBytesDelta(d.sizeDelta)}) from ${basename(d.before)} to ${basename(d.after)}${top ? `; largest growth: ${top.className} (${formatCountDelta(top.countDelta)}, ${formatBytesDelta(top.sizeDelta)})` : ''}. Two snapshots show change, not a leak: a third shows what stays alive.`,
    };
    tables.push({
      id: 'diff',
      title: `What changed from ${basename(d.before)} to ${basename(d.after)}`,
      note: `${formatCount(d.newObjects)} new, ${formatCount(d.deletedObjects)} deleted, ${formatCount(d.survivingObjects)} surviving objects, matched by V8 object id.`,
      columns: [
        { header: 'class' },
        { header: 'new', numeric: true },
        { header: 'deleted', numeric: true },
        { header: 'Δ count', numeric: true },
        { header: 'Δ size', numeric: true },
        { header: 'retained by new', numeric: true },
      ],
      rows: cap(d.rows, 'diff').map((r) => [
        r.className,
        formatCount(r.newCount),
        formatCount(r.deletedCount),
        formatCountDelta(r.countDelta),
        formatBytesDelta(r.sizeDelta),
        formatBytes(r.newRetainedSize),
      ]),
    });
  } else {
    const s = summarize(last, { top: 20 });
    verdict = {
      level: 'unknown',
      text: `${partial}${formatBytes(s.totalSize)} in ${formatCount(s.nodeCount)} objects; largest: ${s.topConstructors[0]?.key ?? '?'} retaining ${formatBytes(s.topConstructors[0]?.retainedSize ?? 0)}. One snapshot cannot show growth: give three (baseline, target, final) for leak candidates.`,
    };
  }

  // What the last snapshot holds: by type, by constructor, and by site/package when stacks exist.
  const s = summarize(last, { top: 30 });
  tables.push({
    id: 'constructors',
    title: `Top constructors by retained size in ${basename(s.file)}`,
    columns: [
      { header: 'constructor' },
      { header: 'objects', numeric: true },
      { header: 'self', numeric: true },
      { header: 'retained', numeric: true },
      { header: '% of self', numeric: true },
    ],
    rows: s.topConstructors.map((r) => [
      r.key,
      formatCount(r.count),
      formatBytes(r.selfSize),
      formatBytes(r.retainedSize),
      formatPercent(r.share),
    ]),
  });
  tables.push({
    id: 'types',
    title: `By node type in ${basename(s.file)}`,
    note: `${formatCount(s.unreachable.count)} unreachable objects (${formatBytes(s.unreachable.size)}) V8 had not collected yet are not counted in retained sizes.`,
    columns: [
      { header: 'type' },
      { header: 'objects', numeric: true },
      { header: 'self size', numeric: true },
      { header: 'share', numeric: true },
    ],
    rows: s.byType.map((r) => [r.type, formatCount(r.count), formatBytes(r.size), formatPercent(r.share)]),
  });
  const traces = last.snapshot.traces;
  if (traces) {
    const sn = last.snapshot;
    const bytes = new Float64Array(traces.stacks.size + 1);
    const counts = new Float64Array(traces.stacks.size + 1);
    const reachable = last.dominators.reachable;
    for (let o = 1; o < sn.nodeCount; o++) {
      if (!reachable[o]) continue;
      const st = last.stackOf(o);
      if (st === 0) continue;
      bytes[st] += sn.selfSize(o);
      counts[st]++;
    }
    const amounts = { stacks: traces.stacks, bytes: (id: number) => bytes[id], count: (id: number) => counts[id] };
    const ids = Array.from({ length: traces.stacks.size }, (_v, i) => i + 1);
    const what = `Live objects' self sizes in ${basename(s.file)} by the stack that allocated them (objects allocated before tracking began have no stack and are not counted).`;
    breakdowns = stackBreakdowns(amounts, what, ids);
    const f = flameFromStacks(amounts, 'Allocation stacks of live objects', `${what} Blue: your code, amber: node_modules, grey: Node/V8.`);
    flame = f.flame;
    if (f.folded > 0) omitted.push(`${formatCount(f.folded)} small branches of the allocation-stack icicle are folded`);
  } else {
    const st = statBy(last, 'constructor', { top: 1 });
    omitted.push(
      `${basename(s.file)} has no allocation stacks (${formatCount(st.totalCount)} objects): bytes by site and package need a snapshot taken with allocation tracking (node --track-heap-objects)`,
    );
  }
  return {
    title: `leaktrace report — ${files.map((f) => basename(f)).join(', ')}`,
    source: `${files.length} heap snapshot${files.length > 1 ? 's' : ''}: ${files.join(', ')}`,
    generatedAt: new Date().toISOString(),
    leaktraceVersion: LEAKTRACE_VERSION,
    verdict,
    memory: null,
    leakFinder: false,
    suspects: [],
    belowThreshold: [],
    breakdowns,
    flame,
    handles: null,
    tables,
    events: [],
    facts: [...facts, { label: 'Report made by', value: `leaktrace ${LEAKTRACE_VERSION}` }],
    notes: [
      'Heap snapshots show what was alive when they were taken; allocation stacks exist only for objects allocated while allocation tracking was on.',
    ],
    problems,
    omitted,
  };
}
