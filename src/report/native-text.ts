import { basename } from 'node:path';
import type { Leak } from '../analysis/leak-report.js';
import type { NativeDiff } from '../analysis/native/diff.js';
import type { NativeLeakReport } from '../analysis/native/leaks.js';
import type { FrameJson } from '../analysis/native/sites.js';
import { formatNativeFrame } from '../analysis/native/sites.js';
import type { NativeBlockView } from '../analysis/native/show-block.js';
import type { NativeList, NativeStat } from '../analysis/native/stat.js';
import type { NativeSummary } from '../analysis/native/summary.js';
import {
  formatBytes,
  formatBytesDelta,
  formatCount,
  formatCountDelta,
  formatDuration,
  formatPercent,
  sparkline,
} from '../cli/output/format.js';
import { renderTable } from '../cli/output/table.js';

/** Human-readable views of native captures: plain functions from result data to text. */

function notes(tracking: string, problems: readonly string[]): string[] {
  return ['', `note: ${tracking}`, ...problems.map((p) => `note: ${p}`)];
}

export function renderNativeSummary(s: NativeSummary, width: number): string {
  const h = s.heap;
  const p = s.process;
  const lines = [
    `${s.capture}  process ${p.pid}${p.image > 0 ? ` (image ${p.image}, after exec)` : ''}: ${p.exe ?? '(unknown program)'}`,
    `ran ${formatDuration(p.durationMs)}, ${p.exited ? 'exited normally' : 'did not reach exit (stopped, crashed or still running)'}${s.processes.length > 1 ? `; ${s.processes.length} process images in this capture: ${s.processes.map((x) => `${x.pid}-${x.image}`).join(', ')}` : ''}`,
    '',
    `Live heap at the end  ${formatBytes(h.liveBytes).padStart(11)}   ${formatCount(h.liveBlocks)} blocks${h.mmapLiveBytes > 0 ? ` (of which ${formatBytes(h.mmapLiveBytes)} in anonymous mappings)` : ''}`,
    `Peak                  ${formatBytes(h.peakBytes).padStart(11)}   at ${formatDuration(h.peakAtMs)}`,
    `Allocated in all      ${formatBytes(h.allocatedBytes).padStart(11)}   ${formatCount(h.allocations)} allocations, ${formatCount(h.frees)} frees, ${formatCount(h.stacks)} distinct stacks`,
    `Temporary             ${formatPercent(h.temporaryShare).padStart(11)}   ${formatCount(h.temporary)} allocations freed before their thread allocated again`,
    `Descriptors           ${formatCount(s.descriptors.open).padStart(11)}   open at the end (${formatCount(s.descriptors.opened)} opened, ${formatCount(s.descriptors.closed)} closed)`,
  ];
  if (h.unknownFrees > 0)
    lines.push(
      `Unknown frees         ${formatCount(h.unknownFrees).padStart(11)}   frees of blocks allocated before tracking (or inherited at fork)`,
    );
  lines.push(
    '',
    'By module (where the allocating code is, C runtime frames skipped)',
    renderTable(
      [
        { header: 'module', value: (r) => r.module, flexible: true },
        { header: 'live blocks', value: (r) => formatCount(r.liveBlocks), align: 'right' },
        { header: 'live bytes', value: (r) => formatBytes(r.liveBytes), align: 'right' },
        { header: '% live', value: (r) => formatPercent(r.share), align: 'right' },
        { header: 'allocations', value: (r) => formatCount(r.allocations), align: 'right' },
        { header: 'allocated', value: (r) => formatBytes(r.allocatedBytes), align: 'right' },
        { header: 'open fds', value: (r) => formatCount(r.openFds), align: 'right' },
      ],
      s.byModule,
      width,
    ),
    ...notes(s.tracking, s.problems),
  );
  return lines.join('\n');
}

export function renderNativeStat(r: NativeStat, width: number): string {
  const key = {
    site: 'allocation site',
    size: 'block size',
    module: 'module',
    stack: 'stack',
    temporary: 'allocation site',
    fd: 'descriptor kind and site',
  }[r.by];
  const cols =
    r.by === 'temporary'
      ? [
          { header: key, value: (x: NativeStat['rows'][number]) => x.key, flexible: true },
          { header: 'temporary', value: (x: NativeStat['rows'][number]) => formatCount(x.temporary), align: 'right' as const },
          { header: 'allocations', value: (x: NativeStat['rows'][number]) => formatCount(x.allocations), align: 'right' as const },
          { header: '% temporary', value: (x: NativeStat['rows'][number]) => formatPercent(x.share), align: 'right' as const },
        ]
      : r.by === 'fd'
        ? [
            { header: key, value: (x: NativeStat['rows'][number]) => x.key, flexible: true },
            { header: 'open', value: (x: NativeStat['rows'][number]) => formatCount(x.count), align: 'right' as const },
            { header: 'opened in all', value: (x: NativeStat['rows'][number]) => formatCount(x.allocations), align: 'right' as const },
            { header: '% open', value: (x: NativeStat['rows'][number]) => formatPercent(x.share), align: 'right' as const },
          ]
        : [
            {
              header: key,
              value: (x: NativeStat['rows'][number]) => (r.by === 'size' ? `${formatCount(Number(x.key))} B` : x.key),
              flexible: true,
            },
            { header: 'live blocks', value: (x: NativeStat['rows'][number]) => formatCount(x.count), align: 'right' as const },
            { header: 'live bytes', value: (x: NativeStat['rows'][number]) => formatBytes(x.bytes), align: 'right' as const },
            { header: '% of live', value: (x: NativeStat['rows'][number]) => formatPercent(x.share), align: 'right' as const },
            ...(r.by === 'size'
              ? []
              : [{ header: 'allocations', value: (x: NativeStat['rows'][number]) => formatCount(x.allocations), align: 'right' as const }]),
          ];
  const head =
    r.by === 'temporary'
      ? `${formatCount(r.totalCount)} temporary allocations (freed before their thread allocated anything else), ${formatCount(r.groups)} sites`
      : r.by === 'fd'
        ? `${formatCount(r.totalCount)} descriptors open at the end, ${formatCount(r.groups)} groups`
        : `${formatCount(r.totalCount)} live blocks, ${formatBytes(r.totalBytes)} at the end, ${formatCount(r.groups)} groups by ${r.by}`;
  return [head, '', renderTable(cols, r.rows, width), ...notes(r.tracking, r.problems)].join('\n');
}

export function renderNativeList(l: NativeList, width: number): string {
  return [
    `${formatCount(l.matched)} live blocks match (${formatBytes(l.matchedBytes)})${l.matched > l.rows.length ? `; the first ${l.rows.length} in allocation order:` : ''}`,
    '',
    renderTable(
      [
        { header: 'address', value: (r) => r.address },
        { header: 'size', value: (r) => formatCount(r.size), align: 'right' },
        { header: 'call', value: (r) => r.kind },
        { header: 'at', value: (r) => formatDuration(r.allocatedAtMs), align: 'right' },
        { header: 'allocation site', value: (r) => r.site, flexible: true },
      ],
      l.rows,
      width,
    ),
    ...notes(l.tracking, l.problems),
  ].join('\n');
}

function stackLines(frames: readonly FrameJson[], indent = '    ', max = 30): string[] {
  const out = frames.slice(0, max).map((f) => `${indent}${f.address.padEnd(16)} ${formatNativeFrame(f)}${f.inlined ? ' (inlined)' : ''}`);
  if (frames.length > max) out.push(`${indent}… ${frames.length - max} more frames`);
  return out;
}

export function renderNativeBlock(v: NativeBlockView): string {
  const lines: string[] = [`address ${v.address}`];
  if (v.note) lines.push(v.note);
  for (const b of v.blocks) {
    lines.push(
      '',
      `block ${b.start}, ${formatCount(b.size)} bytes (${b.allocation}), the address is at offset ${b.offset}`,
      `  allocated at ${formatDuration(b.allocatedAtMs)}, ${b.freedAtMs === null ? 'still allocated at the end' : `freed at ${formatDuration(b.freedAtMs)}`}`,
      `  site ${b.site}`,
      '  stack:',
      ...stackLines(b.stack),
    );
  }
  return [...lines, ...notes(v.tracking, v.problems)].join('\n');
}

export function renderNativeDiff(d: NativeDiff, width: number, top: number): string {
  return [
    `Outstanding at ${formatDuration(d.fromMs)}: ${formatBytes(d.before.bytes)} in ${formatCount(d.before.count)} blocks; at ${formatDuration(d.toMs)}: ${formatBytes(d.after.bytes)} in ${formatCount(d.after.count)} blocks (${formatBytesDelta(d.after.bytes - d.before.bytes)})`,
    `${formatCount(d.grew)} allocation sites grew; the ${Math.min(top, d.rows.length)} largest changes:`,
    '',
    renderTable(
      [
        { header: 'allocation site', value: (r) => r.site, flexible: true },
        { header: 'before', value: (r) => formatBytes(r.before.bytes), align: 'right' },
        { header: 'after', value: (r) => formatBytes(r.after.bytes), align: 'right' },
        { header: 'change', value: (r) => formatBytesDelta(r.delta.bytes), align: 'right' },
        { header: 'blocks', value: (r) => formatCountDelta(r.delta.count), align: 'right' },
      ],
      d.rows,
      width,
    ),
    ...notes(d.tracking, d.problems),
  ].join('\n');
}

function renderNativeLeak(l: Leak, n: number): string[] {
  const what = l.kind === 'handle' ? `${l.resource ?? 'descriptor'} leak` : 'native memory leak';
  const out = l.outstanding;
  const amount = out
    ? l.kind === 'handle'
      ? `${formatCount(out.count)} open`
      : `${formatBytes(out.bytes)} in ${formatCount(out.count)} blocks`
    : '';
  const rate = l.perMinute
    ? l.kind === 'handle'
      ? `, +${l.perMinute.count.toFixed(1)} per minute`
      : `, ${formatBytesDelta(l.perMinute.bytes)} per minute`
    : '';
  const lines = [`#${n}  ${what}   probability ${formatPercent(l.probability)}   ${amount}${rate}`];
  const field = (name: string, value: string) => lines.push(`    ${name.padEnd(10)} ${value}`);
  field('site', l.site ? formatNativeFrame(l.site as FrameJson) : '(inside the C runtime)');
  field('module', l.module ?? '(unknown)');
  field('your code', l.userFrame ? formatNativeFrame(l.userFrame as FrameJson) : '(no frame in the program’s own code)');
  if (l.package) field('package', l.package);
  if (l.series && l.series.x.length >= 2) {
    const values = l.kind === 'handle' ? l.series.count : l.series.bytes;
    field(
      'growth',
      `${sparkline(values)}  ${l.kind === 'handle' ? `${values[0]} → ${values[values.length - 1]}` : `${formatBytes(values[0])} → ${formatBytes(values[values.length - 1])}`}`,
    );
  }
  field('evidence', l.evidence);
  lines.push('    stack:');
  lines.push(...stackLines(l.stack as unknown as FrameJson[], '      ', 12));
  return lines;
}

export function renderNativeLeaks(r: NativeLeakReport, extra: { headline?: string } = {}): string {
  const p = r.process;
  const lines: string[] = [];
  if (extra.headline) lines.push(extra.headline, '');
  lines.push(
    `process ${p.pid} ${p.exe ? basename(p.exe) : ''}: ran ${formatDuration(p.durationMs)}, ${p.exited ? 'exited normally' : 'did not reach exit'}`,
  );
  if (r.leaks.length === 0) {
    lines.push(
      r.judged.atExit
        ? 'No leak found: everything the program allocated or opened was freed or closed by exit, or kept by the runtime.'
        : 'No leak found: no allocation site or descriptor kept growing while the program ran.',
    );
  } else {
    lines.push(
      `${formatCount(r.leaks.length + r.moreLeaks.paths)} leak${r.leaks.length + r.moreLeaks.paths > 1 ? 's' : ''} found (most likely and largest first)`,
    );
    r.leaks.forEach((l, i) => lines.push('', ...renderNativeLeak(l, i + 1)));
    const m = r.moreLeaks;
    if (m.paths > 0) {
      lines.push(
        '',
        `… and ${formatCount(m.paths)} more leaking paths (${formatBytes(m.bytes)} in ${formatCount(m.blocks)} blocks${m.descriptors ? `, ${formatCount(m.descriptors)} descriptors` : ''}): see --json or 'leaktrace stat'`,
      );
    }
  }
  if (r.belowThreshold.length > 0) {
    lines.push('', `${r.belowThreshold.length} site(s) below the ${formatPercent(r.threshold)} threshold (not counted):`);
    for (const s of r.belowThreshold.slice(0, 5))
      lines.push(`  ${formatPercent(s.probability).padStart(6)}  ${s.site ? formatNativeFrame(s.site as FrameJson) : '(C runtime)'}`);
  }
  const rt = r.runtimeAtExit;
  if (rt.sites > 0) {
    lines.push(
      '',
      `Kept by the runtime until exit, not leaks: ${formatBytes(rt.bytes)} in ${formatCount(rt.blocks)} blocks${rt.descriptors ? ` and ${rt.descriptors} descriptors` : ''} from ${rt.sites} sites (stdio buffers, the dynamic loader, a language runtime's own heap)`,
    );
  }
  lines.push(...notes(r.tracking, r.problems));
  return lines.join('\n');
}
