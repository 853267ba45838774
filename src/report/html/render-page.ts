import { createHash } from 'node:crypto';
import { type ReportAssets, loadAssets } from './assets.js';
import { escapeHtml as e, jsonForScript, scriptSafe, styleSafe } from './escape.js';
import type { ReportData } from './report-data.js';
import { REPORT_CSS } from './report-css.js';
import {
  breakdownSection,
  eventsSection,
  factsSection,
  handlesSection,
  listSection,
  memorySection,
  suspectCard,
  suspectsTable,
  tableSection,
} from './render-sections.js';

/** What the client script reads to draw the charts (the rest of the page is static HTML). */
export interface ChartData {
  memory: ReportData['memory'];
  suspects: Record<string, { rank: number; xKind: 'time' | 'iteration'; x: number[]; bytes: number[]; count: number[]; handle: boolean }[]>;
  breakdowns: ReportData['breakdowns'];
  flame: ReportData['flame'];
}

/**
 * One self-contained HTML document: styles, scripts (uPlot, flame-chart-js when there is an
 * icicle, the report's own client) and data inlined. A Content-Security-Policy allows only
 * those exact scripts (by hash) and no network access of any kind, so the page cannot load
 * anything when viewed, and markup that slipped through escaping could not run.
 */
export function renderHtmlPage(d: ReportData, assets: ReportAssets = loadAssets()): string {
  const sections: { id: string; title: string; html: string }[] = [];
  if (d.leakFinder || d.suspects.length > 0) {
    const html =
      d.suspects.length > 0
        ? `${suspectsTable(d.suspects, 'suspect')}${d.suspects.map((s) => suspectCard(s, 'suspect')).join('')}`
        : '<p class="none">No suspect: nothing kept growing.</p>';
    sections.push({ id: 'suspects', title: 'Leak suspects', html });
  }
  if (d.memory) sections.push({ id: 'memory', title: 'Memory over time', html: memorySection(d.memory) });
  if (d.belowThreshold.length > 0) {
    sections.push({
      id: 'weak',
      title: 'Grew, without convincing evidence',
      html: `<p class="note">These sites grew, but not steadily enough to be called leaks (a cache filling up, a pool, noise), or freed what they gained and made more (followed sample by sample: a cache with expiry, a window of recent items). Open one for its evidence.</p>${suspectsTable(d.belowThreshold, 'weak')}<details><summary>Details of ${d.belowThreshold.length} site(s)</summary>${d.belowThreshold.map((s) => suspectCard(s, 'weak')).join('')}</details>`,
    });
  }
  if (d.breakdowns.length > 0)
    sections.push({
      id: 'breakdown',
      title: 'Where the bytes are',
      html: `<div class="breakdowns">${d.breakdowns.map(breakdownSection).join('')}</div>`,
    });
  if (d.flame) {
    sections.push({
      id: 'flame',
      title: d.flame.title,
      html: `<p class="note">${e(d.flame.note)}</p><div class="flame" data-chart="flame" role="img" aria-label="allocation stacks"><canvas></canvas></div><p class="note print-hide">Scroll to zoom, drag to pan, hover a frame for its bytes.</p>`,
    });
  }
  if (d.handles) sections.push({ id: 'handles', title: 'Open handles', html: handlesSection(d.handles) });
  for (const t of d.tables) sections.push({ id: t.id, title: t.title, html: tableSection(t) });
  if (d.events.length > 0) sections.push({ id: 'events', title: 'Events', html: eventsSection(d.events) });
  sections.push({ id: 'facts', title: 'Facts', html: factsSection(d) });
  if (d.omitted.length > 0) sections.push({ id: 'omitted', title: 'Left out of this page', html: listSection(d.omitted, 'omitted') });

  const chartData: ChartData = {
    memory: d.memory,
    suspects: {
      suspect: d.suspects.filter((s) => s.series).map((s) => ({ rank: s.rank, handle: s.kind === 'handle', ...s.series! })),
      weak: d.belowThreshold.filter((s) => s.series).map((s) => ({ rank: s.rank, handle: s.kind === 'handle', ...s.series! })),
    },
    breakdowns: d.breakdowns,
    flame: d.flame,
  };
  const scripts = [scriptSafe(assets.uplotJs), ...(d.flame ? [scriptSafe(assets.flameJs)] : []), scriptSafe(assets.clientJs)];
  const csp = [
    "default-src 'none'",
    `script-src ${scripts.map((s) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`).join(' ')}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "connect-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
  const nav = sections.map((s) => `<a href="#${s.id}">${e(s.title)}</a>`).join('');
  const notes = d.notes.length > 0 ? `<div class="notes">${listSection(d.notes, 'notes-list')}</div>` : '';
  const problems =
    d.problems.length > 0
      ? `<section class="problems" id="missing"><h2>What is missing</h2><p>This input is incomplete or damaged; the report shows what could be read.</p>${listSection(d.problems, 'problem-list')}</section>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${e(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="leaktrace ${e(d.leaktraceVersion)}">
<title>${e(d.title)}</title>
<style>${styleSafe(assets.uplotCss)}</style>
<style>${styleSafe(REPORT_CSS)}</style>
</head>
<body>
<header>
<h1>${e(d.title)}</h1>
<p class="source">${e(d.source)} · report generated ${e(d.generatedAt)}</p>
<p class="verdict verdict-${d.verdict.level}" id="verdict">${e(d.verdict.text)}</p>
${notes}
${problems}
<nav>${nav}</nav>
</header>
<main>
${sections.map((s) => `<section class="part" id="${s.id}"><h2>${e(s.title)}</h2>${s.html}</section>`).join('\n')}
</main>
<footer>leaktrace ${e(d.leaktraceVersion)} · charts: uPlot ${e(assets.versions.uplot)}${d.flame ? `, flame-chart-js ${e(assets.versions.flameChart)}` : ''} · this file is self-contained and loads nothing from the network</footer>
<script type="application/json" id="leaktrace-data">${jsonForScript(chartData)}</script>
${scripts.map((s) => `<script>${s}</script>`).join('\n')}
</body>
</html>
`;
}
