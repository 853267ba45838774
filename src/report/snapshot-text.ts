import type { SnapshotDiff } from '../analysis/snapshot/diff.js';
import type { ObjectDescription } from '../analysis/snapshot/describe.js';
import type { LeakCandidates } from '../analysis/snapshot/leak-candidates.js';
import type { ListResult } from '../analysis/snapshot/list.js';
import type { StatResult } from '../analysis/snapshot/stat.js';
import type { SnapshotSummary } from '../analysis/snapshot/summary.js';
import { formatBytes, formatBytesDelta, formatCount, formatCountDelta, formatPercent } from '../cli/output/format.js';
import { renderTable } from '../cli/output/table.js';
import { formatFrame } from '../model/frame.js';

/** Human-readable views of the snapshot verbs. Plain functions from result data to text. */

export function renderSummary(s: SnapshotSummary, width: number): string {
  const m = s.memory;
  const lines = [
    `${s.file}  (${formatBytes(s.fileSize)} on disk)`,
    `${formatCount(s.nodeCount)} nodes, ${formatCount(s.edgeCount)} edges, ${formatCount(s.stringCount)} strings`,
    '',
    `Total self size     ${formatBytes(s.totalSize).padStart(12)}`,
    `  V8 heap           ${formatBytes(m.jsHeap).padStart(12)}   (strings ${formatBytes(m.strings)}, code ${formatBytes(m.code)})`,
    `  external buffers  ${formatBytes(m.arrayBufferBackingStores).padStart(12)}   ArrayBuffer/Buffer contents, outside the V8 heap`,
    `  other native      ${formatBytes(m.otherNative).padStart(12)}`,
    `Unreachable         ${formatBytes(s.unreachable.size).padStart(12)}   ${formatCount(s.unreachable.count)} objects V8 had not collected yet (not counted below)`,
    s.allocationTraces.present
      ? `Allocation stacks   ${formatCount(s.allocationTraces.stacks)} distinct, on ${formatCount(s.allocationTraces.objectsWithStack)} objects (objects allocated before tracking began have none)`
      : 'Allocation stacks   none (the snapshot was taken without allocation tracking)',
    '',
    'By node type',
    renderTable(
      [
        { header: 'type', value: (r) => r.type },
        { header: 'count', value: (r) => formatCount(r.count), align: 'right' },
        { header: 'self size', value: (r) => formatBytes(r.size), align: 'right' },
        { header: '%', value: (r) => formatPercent(r.share), align: 'right' },
      ],
      s.byType,
      width,
    ),
    '',
    'Top constructors by retained size',
    renderStatRows(s.topConstructors, 'constructor', width),
  ];
  return lines.join('\n');
}

function renderStatRows(rows: StatResult['rows'], keyHeader: string, width: number): string {
  return renderTable(
    [
      { header: keyHeader, value: (r) => r.key, flexible: true },
      { header: 'count', value: (r) => formatCount(r.count), align: 'right' },
      { header: 'self size', value: (r) => formatBytes(r.selfSize), align: 'right' },
      { header: 'retained', value: (r) => formatBytes(r.retainedSize), align: 'right' },
      { header: '% of self', value: (r) => formatPercent(r.share), align: 'right' },
    ],
    rows,
    width,
  );
}

export function renderStat(r: StatResult, width: number): string {
  const header = r.by === 'size' ? 'self size (bytes)' : r.by;
  const lines = [
    renderStatRows(r.rows, header, width),
    '',
    `${formatCount(r.rows.length)} of ${formatCount(r.groupCount)} groups shown; ${formatCount(r.totalCount)} objects, ${formatBytes(r.totalSelfSize)} self size in all.`,
  ];
  if (r.unreachableCount > 0) lines.push(`${formatCount(r.unreachableCount)} unreachable objects (uncollected garbage) left out.`);
  if (r.withoutStack)
    lines.push(`${formatCount(r.withoutStack)} objects have no allocation stack: they were allocated before tracking began.`);
  return lines.join('\n');
}

export function renderList(r: ListResult, width: number): string {
  return [
    renderTable(
      [
        { header: 'id', value: (o) => `@${o.id}`, align: 'right' },
        { header: 'type', value: (o) => o.type },
        { header: 'class', value: (o) => o.className },
        { header: 'self', value: (o) => formatBytes(o.selfSize), align: 'right' },
        { header: 'retained', value: (o) => formatBytes(o.retainedSize), align: 'right' },
        { header: 'dist', value: (o) => (o.distance === null ? '-' : String(o.distance)), align: 'right' },
        { header: 'name / site', value: (o) => [o.name, o.site].filter(Boolean).join('  '), flexible: true },
      ],
      r.rows,
      width,
    ),
    '',
    `${formatCount(r.rows.length)} of ${formatCount(r.matched)} matching objects shown (${formatBytes(r.totalSelfSize)} self size in all).`,
  ].join('\n');
}

export function renderDescription(d: ObjectDescription, width: number): string {
  const o = d.object;
  const lines = [
    `@${o.id}  ${o.className}  (${o.type})`,
    `  name        ${o.fullName || '-'}`,
    `  self size   ${formatBytes(o.selfSize)}`,
    `  retained    ${formatBytes(o.retainedSize)}`,
    `  distance    ${o.distance === null ? 'unreachable (garbage V8 had not collected)' : `${o.distance} edges from the root`}`,
  ];
  if (o.location)
    lines.push(`  source      line ${o.location.line}, column ${o.location.column} (its function's position, as V8 records it)`);
  if (d.dominator)
    lines.push(`  dominator   ${d.dominator.className} @${d.dominator.id} (retains ${formatBytes(d.dominator.retainedSize)})`);
  lines.push('', 'Allocation stack');
  if (d.allocationStack && d.allocationStack.length > 0) for (const f of d.allocationStack) lines.push(`  at ${formatFrame(f)}`);
  lines.push(`  (${d.allocationNote})`);
  lines.push('', 'Shortest retainer path (from the root)');
  if (d.retainerPath.length === 0) lines.push('  none: the object is not reachable from the root');
  d.retainerPath.forEach((step, i) => {
    const edge = step.edge === null ? '' : step.edgeType === 'property' ? `.${step.edge}` : `${step.edge} (${step.edgeType})`;
    lines.push(`  ${' '.repeat(Math.min(i, 20))}${edge ? `${edge} → ` : ''}${step.className} @${step.id}`);
  });
  const edgeTable = (rows: ObjectDescription['contents'], header: string) =>
    renderTable(
      [
        { header, value: (e) => e.edge },
        { header: 'kind', value: (e) => e.edgeType },
        { header: 'value', value: (e) => e.value, flexible: true },
        { header: 'retained', value: (e) => formatBytes(e.retainedSize), align: 'right' },
      ],
      rows,
      width,
    );
  lines.push('', `Contents (${d.contentCount} edges${d.contents.length < d.contentCount ? `, first ${d.contents.length} shown` : ''})`);
  lines.push(d.contents.length ? edgeTable(d.contents, 'edge') : '  (none)');
  lines.push('', `Retainers (${d.retainerCount}${d.retainers.length < d.retainerCount ? `, first ${d.retainers.length} shown` : ''})`);
  lines.push(d.retainers.length ? edgeTable(d.retainers, 'edge') : '  (none)');
  lines.push('', 'A snapshot holds no buffer bytes; `leaktrace show --pid <pid> @ID` reads them from a live process.');
  return lines.join('\n');
}

export function renderDiff(d: SnapshotDiff, width: number, top: number): string {
  return [
    `${d.before} → ${d.after}`,
    `${formatCount(d.newObjects)} new, ${formatCount(d.deletedObjects)} deleted, ${formatCount(d.survivingObjects)} surviving objects; self size ${formatBytesDelta(d.sizeDelta)}`,
    '',
    renderTable(
      [
        { header: 'class', value: (r) => r.className, flexible: true },
        { header: '# new', value: (r) => formatCount(r.newCount), align: 'right' },
        { header: '# deleted', value: (r) => formatCount(r.deletedCount), align: 'right' },
        { header: '# delta', value: (r) => formatCountDelta(r.countDelta), align: 'right' },
        { header: 'alloc', value: (r) => formatBytes(r.allocatedSize), align: 'right' },
        { header: 'freed', value: (r) => formatBytes(r.freedSize), align: 'right' },
        { header: 'size delta', value: (r) => formatBytesDelta(r.sizeDelta), align: 'right' },
        { header: 'new retained', value: (r) => formatBytes(r.newRetainedSize), align: 'right' },
      ],
      d.rows.slice(0, top),
      width,
    ),
  ].join('\n');
}

export function renderCandidates(c: LeakCandidates, width: number, top: number): string {
  const lines = [
    `baseline ${c.baseline}`,
    `target   ${c.target}`,
    `final    ${c.final}`,
    '',
    `${formatCount(c.candidateCount)} objects allocated between baseline and target are still alive in final;`,
    `${formatCount(c.topLevelCount)} of them are not held inside another candidate, retaining ${formatBytes(c.retainedSize)}.`,
  ];
  if (c.candidateCount === 0) {
    lines.push('', 'No leak candidates: everything allocated between the first two snapshots was freed.');
    return lines.join('\n');
  }
  lines.push('', 'Clusters by retainer path (largest retained first)');
  c.byRetainerPath.slice(0, top).forEach((k, i) => {
    lines.push(
      '',
      `#${i + 1}  ${formatCount(k.count)} × ${k.className}, retaining ${formatBytes(k.retainedSize)}${k.site ? `, allocated at ${k.site}` : ''}`,
      `    e.g. ${k.sampleIds.map((id) => `@${id}`).join(' ')}`,
      ...k.samplePath.map((p, j) => `    ${' '.repeat(Math.min(j, 16))}${p}`),
    );
  });
  if (c.bySite) {
    lines.push('', 'Clusters by allocation site');
    lines.push(
      renderTable(
        [
          { header: 'site', value: (k) => k.key, flexible: true },
          { header: 'count', value: (k) => formatCount(k.count), align: 'right' },
          { header: 'retained', value: (k) => formatBytes(k.retainedSize), align: 'right' },
          { header: 'class', value: (k) => k.className },
        ],
        c.bySite.slice(0, top),
        width,
      ),
    );
  } else {
    lines.push('', 'No allocation sites: the final snapshot was taken without allocation tracking.');
  }
  return lines.join('\n');
}
