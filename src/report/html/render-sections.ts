import { noSiteLabel } from './verdict.js';
import { packageLabel } from '../../analysis/snapshot/stat.js';
import { formatBytes, formatCount, formatPercent } from '../../cli/output/format.js';
import type { Frame } from '../../model/frame.js';
import { escapeHtml as e } from './escape.js';
import type { Breakdown, EventRow, FrameView, HandleTable, MemoryChart, ReportData, SuspectView, TableSection } from './report-data.js';

/**
 * The report's sections as static HTML: everything is readable (and printable) without
 * scripts; the client script only draws the charts into the `data-chart` placeholders.
 */

export function frameLocation(f: Frame): string {
  if (!f.file) return '';
  return f.line > 0 ? `${f.file}:${f.line}${f.column > 0 ? `:${f.column}` : ''}` : f.file;
}

function frameHtml(f: Frame | null, empty: string): string {
  if (!f) return `<span class="none">${e(empty)}</span>`;
  const loc = frameLocation(f);
  return `<span class="fn">${e(f.functionName || '(anonymous)')}</span>${loc ? ` <span class="loc">${e(loc)}</span>` : ''}`;
}

export function stackHtml(stack: readonly FrameView[], omitted = 0): string {
  if (stack.length === 0) return '<p class="none">no stack was recorded</p>';
  const items = stack.map((f) => {
    const tag = f.role === 'user' ? 'your code' : f.role === 'package' ? (f.pkg ?? 'package') : 'internal';
    return `<li class="frame ${f.role}"><span class="tag">${e(tag)}</span>${frameHtml(f, '')}</li>`;
  });
  if (omitted > 0) items.push(`<li class="frame internal">… ${formatCount(omitted)} more frames not shown</li>`);
  return `<ol class="stack">${items.join('')}</ol>`;
}

function rateText(s: SuspectView): string {
  if (!s.rate) return '—';
  const count = s.rate.count >= 10 ? formatCount(s.rate.count) : s.rate.count.toFixed(2);
  if (s.kind === 'handle') return `+${count} open / ${s.rate.unit}`;
  // ArrayBuffer memory judged from Node's count of it (buffer-growth.ts): bytes, no objects counted.
  if (s.kind === 'external' && s.rate.count === 0) return `${formatBytes(s.rate.bytes)} of ArrayBuffer memory / ${s.rate.unit}`;
  return `${formatBytes(s.rate.bytes)} · ${count} objects / ${s.rate.unit}`;
}

/** No site and no stack at all (growth judged from the process's own counts): its package is not known either. */
function packageText(s: SuspectView): string {
  return s.site === null && s.stack.length === 0 && s.kind !== 'handle' ? 'not known' : packageLabel(s.package);
}

function probabilityHtml(p: number): string {
  const pct = Math.round(Math.max(0, Math.min(1, p)) * 100);
  return `<span class="prob"><span class="prob-bar" style="width:${pct}%"></span><span class="prob-text">${formatPercent(p)}</span></span>`;
}

export function suspectsTable(suspects: readonly SuspectView[], id: string): string {
  const rows = suspects.map(
    (s) => `<tr>
<td class="num"><a href="#${id}-${s.rank}">#${s.rank}</a></td>
<td>${probabilityHtml(s.probability)}</td>
<td>${e(s.kind === 'handle' ? (s.resource ?? 'handle') : s.kind)}</td>
<td class="site">${frameHtml(s.site, noSiteLabel(s))}</td>
<td>${e(packageText(s))}</td>
<td class="site">${s.userFrame || !s.keptIn ? frameHtml(s.userFrame, '(none outside node_modules)') : `kept in ${e(s.keptIn)}`}</td>
<td class="num">${e(rateText(s))}</td></tr>`,
  );
  return `<table class="suspects" data-table="${id}"><thead><tr><th>#</th><th>probability</th><th>kind</th><th>site</th><th>package</th><th>your code</th><th>growth</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function suspectCard(s: SuspectView, id: string): string {
  const paths = s.retainerPaths.map(
    (p, i) =>
      `<div class="path"><div class="path-title">held by (sample ${i + 1})</div><ol>${p.map((step) => `<li>${e(step)}</li>`).join('')}</ol></div>`,
  );
  const growth = s.series
    ? `<div class="spark" data-chart="suspect" data-rank="${s.rank}" data-group="${id}" role="img" aria-label="live bytes and objects at each measurement"></div>`
    : '';
  return `<section class="suspect" id="${id}-${s.rank}">
<h3>#${s.rank} ${frameHtml(s.site, noSiteLabel(s))} <span class="badge">${formatPercent(s.probability)}</span></h3>
<dl class="fields">
<dt>kind</dt><dd>${e(s.kind === 'handle' ? `handle (${s.resource ?? 'unknown type'})` : s.kind)}</dd>
<dt>package</dt><dd>${e(packageText(s))}</dd>
<dt>your code</dt><dd>${frameHtml(s.userFrame, s.site === null && s.stack.length === 0 ? 'not known (no allocation stack)' : '(no frame outside node_modules and Node on its stacks)')}</dd>
${
  s.keptIn
    ? `<dt>kept in</dt><dd>${e(s.keptIn)}</dd>
`
    : ''
}${
    s.madeOf
      ? `<dt>made of</dt><dd>${e(s.madeOf)}</dd>
`
      : ''
  }<dt>growth</dt><dd>${e(rateText(s))}</dd>
</dl>
${growth}
<h4>Evidence</h4>
<ul class="evidence">${s.evidence.map((c) => `<li>${e(c)}</li>`).join('')}</ul>
<h4>Stack <span class="legend"><span class="frame user">your code</span> <span class="frame package">node_modules</span> <span class="frame internal">Node/V8</span></span></h4>
${stackHtml(s.stack, s.stackOmitted)}
${paths.length > 0 ? `<h4>What holds its objects</h4>${paths.join('')}` : ''}
</section>`;
}

export function memorySection(m: MemoryChart): string {
  const rows = m.series
    .map((s) => {
      const vals = s.values.filter((v): v is number => v !== null);
      if (vals.length === 0) return '';
      const f = s.unit === 'bytes' ? formatBytes : formatCount;
      const first = vals[0];
      const last = vals[vals.length - 1];
      const max = Math.max(...vals);
      return `<tr><td>${e(s.name)}</td><td class="num">${e(f(first))}</td><td class="num">${e(f(last))}</td><td class="num">${e(f(max))}</td><td class="num">${e((last >= first ? '+' : '') + f(last - first))}</td></tr>`;
    })
    .join('');
  const axis = m.xKind === 'time' ? 'seconds since tracking began' : 'runs of the operation';
  const marks =
    m.marks.length > 0
      ? `<p class="note">Dashed lines: ${m.marks.filter((k) => k.kind === 'snapshot').length} heap snapshot(s) and ${m.marks.filter((k) => k.kind !== 'snapshot').length} rule(s)/mark(s) — listed under Events.</p>`
      : '';
  const counts = m.series.some((s) => s.unit === 'count')
    ? '<div class="chart chart-small" data-chart="memory-count" role="img" aria-label="open handles and descriptors over time"></div>'
    : '';
  return `<div class="chart" data-chart="memory-bytes" role="img" aria-label="memory over time"></div>${counts}
<p class="note">x axis: ${e(axis)}. Click a legend entry to hide or show its line. ${m.note ? e(m.note) : ''}</p>${marks}
<table class="compact"><thead><tr><th>series</th><th>first</th><th>last</th><th>max</th><th>change</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function breakdownSection(b: Breakdown): string {
  const rows = b.rows
    .map(
      (r) =>
        `<tr><td title="${e(r.detail ?? r.label)}">${e(r.label)}${r.detail && r.detail !== r.label ? ` <span class="loc">${e(r.detail)}</span>` : ''}</td><td class="num">${e(formatBytes(r.bytes))}</td><td class="num">${r.count !== undefined ? e(formatCount(r.count)) : ''}</td><td class="num">${e(formatPercent(b.total > 0 ? r.bytes / b.total : 0))}</td></tr>`,
    )
    .join('');
  return `<div class="breakdown"><h3>${e(b.title)}</h3><p class="note">${e(b.note)}</p>
<div class="bars" data-chart="bars" data-breakdown="${e(b.id)}" role="img" aria-label="${e(b.title)}"></div>
<table class="compact"><thead><tr><th>${e(b.columns?.key ?? (b.id === 'by-package' ? 'package' : 'site'))}</th><th>bytes</th><th>${e(b.columns?.count ?? 'objects')}</th><th>share</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function handlesSection(h: HandleTable): string {
  const rows = h.rows
    .map((r, i) => {
      const where = r.userFrame ?? r.site;
      const details = r.details.length > 0 ? `<div class="loc">${r.details.map((d) => e(d)).join(' · ')}</div>` : '';
      return `<tr class="handle-row"><td>${e(r.type)}</td><td class="num">${e(formatCount(r.count))}</td><td class="num">${e(formatCount(r.keepingAlive))}</td><td class="num">${e(formatCount(r.unrefd))}</td><td class="site">${frameHtml(where, '(Node internals only)')}${r.package ? ` <span class="loc">[${e(packageLabel(r.package))}]</span>` : ''}${details}</td></tr>
<tr class="handle-stack"><td colspan="5"><details${i < 3 ? ' open' : ''}><summary>creation stack (${r.stack.length + r.stackOmitted} frames)</summary><p class="note">${e(r.evidence)}</p>${stackHtml(r.stack, r.stackOmitted)}</details></td></tr>`;
    })
    .join('');
  return `<p class="note">${e(h.note)}</p><table class="handles" data-table="handles"><thead><tr><th>type</th><th class="num">open</th><th class="num">keep it running</th><th class="num">unref'd</th><th>opened at (your code)</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function tableSection(t: TableSection): string {
  const head = t.columns.map((c) => `<th${c.numeric ? ' class="num"' : ''}>${e(c.header)}</th>`).join('');
  const body = t.rows
    .map((r) => `<tr>${r.map((cell, i) => `<td${t.columns[i]?.numeric ? ' class="num"' : ''}>${e(cell)}</td>`).join('')}</tr>`)
    .join('');
  const details = (t.details ?? [])
    .map(
      (d) =>
        `<div class="path"><div class="path-title">${e(d.title)}</div><ol>${d.lines.map((l) => `<li>${e(l)}</li>`).join('')}</ol></div>`,
    )
    .join('');
  return `${t.note ? `<p class="note">${e(t.note)}</p>` : ''}<table class="compact" data-table="${e(t.id)}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${details}`;
}

export function eventsSection(events: readonly EventRow[]): string {
  const rows = events
    .map(
      (ev) =>
        `<tr><td class="num">${ev.at === null ? '' : e(`${ev.at.toFixed(1)} s`)}</td><td>${e(ev.type)}</td><td>${e(ev.message)}</td></tr>`,
    )
    .join('');
  return `<table class="compact"><thead><tr><th>at</th><th>type</th><th>what happened</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function factsSection(d: ReportData): string {
  return `<dl class="facts">${d.facts.map((f) => `<dt>${e(f.label)}</dt><dd>${e(f.value)}</dd>`).join('')}</dl>`;
}

export function listSection(items: readonly string[], cls: string): string {
  return `<ul class="${cls}">${items.map((p) => `<li>${e(p)}</li>`).join('')}</ul>`;
}
