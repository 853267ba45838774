/// <reference types="uplot" />
/**
 * The report's browser script. The page is complete without it (tables, stacks, evidence are
 * static HTML); this only draws the charts, from the JSON in #leaktrace-data, with the two
 * libraries inlined before it: uPlot (memory over time, each suspect's series, bar charts)
 * and flame-chart-js (the icicle of allocation stacks). It never touches the network.
 */
// uPlot's types declare its browser global (`export as namespace uPlot`).
declare const flameChartJs: typeof import('flame-chart-js');

type UPlot = uPlot;
type UOptions = uPlot.Options;
type UAligned = uPlot.AlignedData;

interface FrameRoleNode {
  name: string;
  where: string;
  role: 'user' | 'package' | 'internal';
  total: number;
  self: number;
  children: FrameRoleNode[];
}

interface ClientData {
  memory: {
    xKind: 'time' | 'iteration';
    xs: number[];
    series: { name: string; unit: 'bytes' | 'count'; values: (number | null)[] }[];
    marks: { x: number; label: string; kind: string }[];
  } | null;
  suspects: Record<string, { rank: number; xKind: 'time' | 'iteration'; x: number[]; bytes: number[]; count: number[]; handle: boolean }[]>;
  breakdowns: { id: string; title: string; rows: { label: string; detail?: string; bytes: number; count?: number }[]; total: number }[];
  flame: { title: string; note: string; root: FrameRoleNode } | null;
}

(function main(): void {
  const el = document.getElementById('leaktrace-data');
  if (!el || !el.textContent) return;
  const data = JSON.parse(el.textContent) as ClientData;
  const charts: { plot: UPlot; box: HTMLElement; height: number }[] = [];
  const palette = ['#d92d20', '#0b57d0', '#7a5af8', '#079455', '#dc6803', '#667085', '#c11574'];

  // Same output as src/cli/output/format.ts formatBytes/formatCount, repeated on purpose:
  // this file is a plain browser script with no imports (see tsconfig.client.json), and the
  // page's chart labels must read like the tables rendered on the Node side. Change both.
  function formatBytes(n: number): string {
    const sign = n < 0 ? '-' : '';
    let v = Math.abs(n);
    if (v < 1024) return `${sign}${Math.round(v)} B`;
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return `${sign}${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
  }
  function formatCount(n: number): string {
    return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 100) / 100);
  }
  function widthOf(box: HTMLElement): number {
    return Math.max(280, Math.floor(box.clientWidth || box.getBoundingClientRect().width || 800));
  }

  /** Dashed vertical lines at the moments snapshots were taken and rules fired. */
  function marksPlugin(marks: { x: number; label: string; kind: string }[]): uPlot.Plugin {
    return {
      hooks: {
        draw: [
          (u: UPlot) => {
            const ctx = u.ctx;
            const { top, height } = u.bbox;
            ctx.save();
            ctx.setLineDash([5, 4]);
            ctx.lineWidth = devicePixelRatio;
            ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
            ctx.fillStyle = '#475467';
            for (const m of marks) {
              const x = Math.round(u.valToPos(m.x, 'x', true));
              ctx.strokeStyle = m.kind === 'snapshot' ? '#6941c6' : '#dc6803';
              ctx.beginPath();
              ctx.moveTo(x, top);
              ctx.lineTo(x, top + height);
              ctx.stroke();
              ctx.fillText(m.kind === 'snapshot' ? '◆' : '▲', x + 3 * devicePixelRatio, top + 12 * devicePixelRatio);
            }
            ctx.restore();
          },
        ],
      },
    };
  }

  function addPlot(box: HTMLElement, height: number, opts: Omit<UOptions, 'width' | 'height'>, aligned: UAligned): void {
    // With no cursor on the chart, uPlot's legend shows "—" for every line; the latest
    // values say more, so the legend falls back to the last point.
    const last = Math.max(0, (aligned[0]?.length ?? 1) - 1);
    const showLatest = (u: UPlot): void => {
      if (u.legend.show !== false && u.cursor.idx == null) u.setLegend({ idx: last }, false);
    };
    const hooks = { ...(opts.hooks ?? {}), setCursor: [...(opts.hooks?.setCursor ?? []), showLatest] };
    const plot = new uPlot({ ...opts, hooks, width: widthOf(box), height } as UOptions, aligned, box);
    showLatest(plot);
    charts.push({ plot, box, height });
  }

  /** Memory in bytes on one chart; handle and descriptor counts, when captured, on a second. */
  function drawMemory(): void {
    const m = data.memory;
    if (!m || m.xs.length === 0) return;
    const xLabel = m.xKind === 'time' ? 's' : 'runs';
    const axisLabel = m.xKind === 'time' ? 'seconds since tracking began' : 'runs of the operation';
    for (const unit of ['bytes', 'count'] as const) {
      const box = document.querySelector<HTMLElement>(`[data-chart="memory-${unit}"]`);
      const shown = m.series.map((s, i) => ({ s, color: palette[i % palette.length] })).filter((x) => x.s.unit === unit);
      if (!box || shown.length === 0) continue;
      const fmt = unit === 'bytes' ? formatBytes : formatCount;
      addPlot(
        box,
        unit === 'bytes' ? 320 : 180,
        {
          scales: { x: { time: false } },
          axes: [{ label: axisLabel }, { scale: unit, values: (_u, ticks) => ticks.map(fmt), size: 80 }],
          series: [
            { label: xLabel, value: (_u, v) => (v == null ? '—' : m.xKind === 'time' ? `${v.toFixed(1)} s` : formatCount(v)) },
            ...shown.map(({ s, color }) => ({
              label: s.name,
              scale: unit,
              stroke: color,
              width: 2,
              spanGaps: true,
              value: (_u: UPlot, v: number | null) => (v == null ? '—' : fmt(v)),
            })),
          ],
          plugins: [marksPlugin(m.marks)],
        },
        [m.xs, ...shown.map(({ s }) => s.values)] as UAligned,
      );
    }
  }

  function drawSuspects(): void {
    for (const box of Array.from(document.querySelectorAll<HTMLElement>('[data-chart="suspect"]'))) {
      const group = box.dataset.group ?? 'suspect';
      const rank = Number(box.dataset.rank);
      const s = (data.suspects[group] ?? []).find((x) => x.rank === rank);
      if (!s || s.x.length === 0) continue;
      const xs = s.xKind === 'time' ? s.x.map((v) => v / 1000) : s.x;
      const series: UOptions['series'] = [
        {
          label: s.xKind === 'time' ? 's' : 'runs',
          value: (_u, v) => (v == null ? '—' : s.xKind === 'time' ? `${v.toFixed(1)} s` : formatCount(v)),
        },
      ];
      const values: (number[] | null)[] = [xs];
      if (!s.handle && s.bytes.length === xs.length) {
        series.push({
          label: 'live bytes',
          scale: 'bytes',
          stroke: '#d92d20',
          width: 2,
          points: { show: true },
          value: (_u, v) => (v == null ? '—' : formatBytes(v)),
        });
        values.push(s.bytes);
      }
      if (s.count.length === xs.length) {
        series.push({
          label: s.handle ? 'open' : 'live objects',
          scale: 'count',
          stroke: '#0b57d0',
          width: 2,
          dash: s.handle ? undefined : [4, 3],
          points: { show: true },
          value: (_u, v) => (v == null ? '—' : formatCount(v)),
        });
        values.push(s.count);
      }
      addPlot(
        box,
        150,
        {
          scales: { x: { time: false } },
          axes: [
            {},
            { scale: s.handle ? 'count' : 'bytes', values: (_u, t) => t.map(s.handle ? formatCount : formatBytes), size: 70 },
            ...(s.handle
              ? []
              : [{ scale: 'count', side: 1 as const, grid: { show: false }, values: (_u: UPlot, t: number[]) => t.map(formatCount) }]),
          ],
          series,
          cursor: { drag: { x: false, y: false } },
        },
        values as UAligned,
      );
    }
  }

  function drawBars(): void {
    for (const box of Array.from(document.querySelectorAll<HTMLElement>('[data-chart="bars"]'))) {
      const b = data.breakdowns.find((x) => x.id === box.dataset.breakdown);
      if (!b || b.rows.length === 0) continue;
      const labels = b.rows.map((r) => (r.label.length > 28 ? `${r.label.slice(0, 27)}…` : r.label));
      const xs = b.rows.map((_r, i) => i);
      addPlot(
        box,
        Math.max(90, 26 * b.rows.length + 40),
        {
          // Horizontal bars: the category scale runs down the left side, bytes along the bottom.
          scales: {
            x: { time: false, ori: 1, dir: -1, range: [-0.5, b.rows.length - 0.5] },
            y: { ori: 0, range: (_u, _lo, hi) => [0, hi * 1.05] },
          },
          axes: [
            {
              side: 3,
              size: 190,
              gap: 4,
              grid: { show: false },
              ticks: { show: false },
              splits: () => xs,
              values: (_u, t) => t.map((i) => labels[i] ?? ''),
            },
            { side: 2, space: 90, values: (_u, t) => t.map(formatBytes) },
          ],
          legend: { show: false },
          cursor: { show: false },
          series: [
            {},
            {
              label: 'bytes',
              fill: '#fda29b',
              stroke: '#d92d20',
              paths: uPlot.paths.bars!({ size: [0.7, 22], align: 0 }),
              points: { show: false },
            },
          ],
        },
        [xs, b.rows.map((r) => r.bytes)],
      );
    }
  }

  function drawFlame(): void {
    const f = data.flame;
    const box = document.querySelector<HTMLElement>('[data-chart="flame"]');
    const canvas = box?.querySelector('canvas');
    if (!f || !box || !canvas) return;
    const colors = { user: '#84adff', package: '#fdb022', internal: '#d0d5dd' };
    const details = new Map<object, FrameRoleNode>();
    type FNode = import('flame-chart-js').FlameChartNode;
    const convert = (n: FrameRoleNode, start: number): FNode => {
      let at = start;
      const node: FNode = {
        name: n.name,
        start,
        duration: n.total,
        color: colors[n.role],
        children: n.children.map((c) => {
          const child = convert(c, at);
          at += c.total;
          return child;
        }),
      };
      details.set(node, n);
      return node;
    };
    canvas.width = widthOf(box);
    canvas.height = box.clientHeight || 420;
    const chart = new flameChartJs.FlameChartContainer({
      canvas,
      plugins: [new flameChartJs.FlameChartPlugin({ data: [convert(f.root, 0)], name: 'stacks' })],
      settings: {
        options: {
          timeUnits: 'B',
          tooltip: (
            region: { data?: { nodes?: { source: object }[] } } | null,
            engine: { renderTooltipFromData: (fields: { text: string }[], mouse: unknown) => void },
            mouse: unknown,
          ) => {
            const src = region?.data?.nodes?.[0]?.source;
            const n = src ? details.get(src) : undefined;
            if (!n) return;
            const share = f.root.total > 0 ? ((n.total / f.root.total) * 100).toFixed(1) : '0';
            engine.renderTooltipFromData(
              [
                { text: n.name },
                { text: n.where || '(no script)' },
                { text: `${formatBytes(n.total)} (${share}%) here and below, ${formatBytes(n.self)} allocated by the frame itself` },
              ],
              mouse,
            );
          },
        },
      },
    } as unknown as ConstructorParameters<typeof flameChartJs.FlameChartContainer>[0]);
    window.addEventListener('resize', () => chart.resize(widthOf(box), box.clientHeight || 420));
  }

  function resizeAll(): void {
    for (const c of charts) c.plot.setSize({ width: widthOf(c.box), height: c.height });
  }

  for (const draw of [drawMemory, drawSuspects, drawBars, drawFlame]) {
    try {
      draw();
    } catch (err) {
      // A chart that cannot be drawn must not take the rest of the page with it; the tables
      // under each chart carry the same numbers.
      console.warn('leaktrace report: a chart could not be drawn:', err);
    }
  }
  let pending = 0;
  window.addEventListener('resize', () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(resizeAll);
  });
  // Printing: every collapsed part is opened, and charts are redrawn at the page's width.
  window.addEventListener('beforeprint', () => {
    for (const d of Array.from(document.querySelectorAll('details'))) d.open = true;
    resizeAll();
  });
  document.documentElement.dataset.chartsDrawn = String(charts.length + (data.flame ? 1 : 0));
})();
