/**
 * The report's styles: one column, readable on a laptop screen, system fonts; stacks with the
 * user's own frames highlighted and node_modules/internal frames dimmed; a print layout that
 * drops navigation, opens every collapsed part and keeps sections from splitting badly.
 */
export const REPORT_CSS = `
:root { --fg:#1d2126; --muted:#5b6570; --faint:#8a949e; --line:#dde2e7; --bg:#fff; --panel:#f6f8fa;
  --leak:#b42318; --leak-bg:#fef3f2; --clean:#067647; --clean-bg:#ecfdf3; --unknown:#93370d; --unknown-bg:#fffaeb;
  --user:#0b57d0; --user-bg:#e8f0fe; --accent:#6941c6; }
* { box-sizing: border-box; }
html { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0 auto; max-width: 1180px; padding: 24px 28px 48px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 18px 0 8px; overflow-wrap: anywhere; }
h4 { font-size: .92rem; margin: 14px 0 6px; color: var(--muted); }
.source { color: var(--muted); margin: 0 0 14px; overflow-wrap: anywhere; }
.verdict { font-size: 1.1rem; font-weight: 600; padding: 12px 16px; border-radius: 8px; margin: 0 0 12px; border-left: 6px solid; overflow-wrap: anywhere; }
.verdict-leak { color: var(--leak); background: var(--leak-bg); border-color: var(--leak); }
.verdict-clean { color: var(--clean); background: var(--clean-bg); border-color: var(--clean); }
.verdict-unknown { color: var(--unknown); background: var(--unknown-bg); border-color: var(--unknown); }
.notes { color: var(--muted); font-size: .9rem; }
.notes ul { margin: 0 0 10px; padding-left: 18px; }
.problems { background: var(--unknown-bg); border: 1px solid #fedf89; border-radius: 8px; padding: 4px 16px 8px; margin-bottom: 12px; }
.problems h2 { border: 0; margin: 8px 0 4px; color: var(--unknown); }
nav { display: flex; flex-wrap: wrap; gap: 6px 14px; padding: 8px 0; border-bottom: 1px solid var(--line); font-size: .9rem; }
a { color: var(--user); text-decoration: none; }
a:hover { text-decoration: underline; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: .88rem; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; color: var(--muted); }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.site { overflow-wrap: anywhere; }
.fn { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-weight: 600; }
.loc { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; color: var(--muted); font-size: .85em; overflow-wrap: anywhere; }
.none { color: var(--faint); font-style: italic; }
.prob { position: relative; display: inline-block; width: 90px; height: 18px; background: var(--panel); border-radius: 3px; vertical-align: middle; }
.prob-bar { position: absolute; left: 0; top: 0; bottom: 0; background: #fda29b; border-radius: 3px; }
.prob-text { position: relative; padding-left: 6px; font-size: .8rem; font-variant-numeric: tabular-nums; }
.badge { font-size: .8rem; background: var(--leak-bg); color: var(--leak); padding: 1px 8px; border-radius: 10px; vertical-align: middle; }
.suspect { border: 1px solid var(--line); border-radius: 8px; padding: 4px 16px 12px; margin: 14px 0; break-inside: avoid-page; }
dl.fields, dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; font-size: .9rem; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
.evidence { margin: 4px 0; padding-left: 20px; font-size: .88rem; }
.evidence li { margin: 2px 0; overflow-wrap: anywhere; }
ol.stack { list-style: none; margin: 4px 0; padding: 0; font-size: .84rem; }
.frame { padding: 2px 8px; border-left: 3px solid transparent; overflow-wrap: anywhere; }
.frame .tag { display: inline-block; min-width: 86px; font-size: .72rem; color: var(--faint); text-transform: uppercase; letter-spacing: .03em; }
.frame.user { background: var(--user-bg); border-left-color: var(--user); }
.frame.user .fn { color: var(--user); }
.frame.package { opacity: .72; }
.frame.internal { opacity: .5; }
.legend .frame { font-size: .75rem; padding: 1px 6px; margin-right: 4px; font-weight: normal; }
.path { margin: 6px 0; font-size: .84rem; }
.path-title { color: var(--muted); font-size: .8rem; }
.path ol { margin: 2px 0; padding-left: 22px; font-family: ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.chart { width: 100%; min-height: 320px; }
.chart-small { min-height: 180px; margin-top: 8px; }
.spark { width: 100%; max-width: 640px; min-height: 170px; margin: 6px 0; }
.bars { width: 100%; min-height: 60px; }
.breakdowns { display: grid; grid-template-columns: 1fr 1fr; gap: 0 28px; }
@media (max-width: 900px) { .breakdowns { grid-template-columns: 1fr; } }
.flame { width: 100%; height: 420px; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
.flame canvas { display: block; }
.note { color: var(--muted); font-size: .85rem; margin: 4px 0; }
.omitted li, .problem-list li { margin: 2px 0; }
details summary { cursor: pointer; color: var(--user); margin: 6px 0; }
footer { margin-top: 40px; color: var(--faint); font-size: .8rem; border-top: 1px solid var(--line); padding-top: 10px; }
.uplot { font-family: inherit; }
.u-legend { font-size: .8rem; }
@media print {
  html { font-size: 11px; }
  body { max-width: none; padding: 0; }
  nav, .print-hide { display: none; }
  h2 { break-after: avoid-page; }
  table, .suspect, .breakdown, .chart { break-inside: avoid-page; }
  .frame.user { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .verdict, .prob-bar, .badge { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .flame { height: 320px; }
  a { color: inherit; }
}
`;
