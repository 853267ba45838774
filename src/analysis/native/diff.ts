import { UsageError } from '../../errors.js';
import { NO_STACK } from '../../model/native/event-log.js';
import type { NativeAnalysis } from './native-analysis.js';
import { type FrameJson, frameJson, siteOf } from './sites.js';

/**
 * `diff` over a native capture: the UMDH log diff between two instants of one run —
 * outstanding bytes and blocks per allocation site at each, and the change, largest growth
 * first. Instants are parsed by parseInstant; the analysis must have been opened with
 * `replay: { marks: [from, to] }`.
 */
export interface NativeDiffRow {
  site: string;
  module: string;
  before: { bytes: number; count: number };
  after: { bytes: number; count: number };
  delta: { bytes: number; count: number };
  stack: FrameJson[];
}

export interface NativeDiff {
  kind: 'native';
  fromMs: number;
  toMs: number;
  before: { bytes: number; count: number };
  after: { bytes: number; count: number };
  rows: NativeDiffRow[];
  grew: number;
  tracking: string;
  problems: string[];
}

/**
 * An instant of the run in µs: `start`, `end`, `exit`, `peak`, a duration since the start
 * (`1.5s`, `200ms`), or a percentage of the run (`50%`). The state at an instant counts the
 * events before it: `start` is empty, `end` has every event. `peak`, `exit` and `%` need the
 * replayed run, so they are resolved against `lastUs`/`peakUs`/`exitUs`.
 */
export function parseInstant(text: string, run: { lastUs: number; peakUs: number }): number | 'exit' {
  const t = text.trim().toLowerCase();
  if (t === 'start') return 0;
  if (t === 'end') return Number.POSITIVE_INFINITY; // after the last event
  if (t === 'exit') return 'exit';
  if (t === 'peak') return run.peakUs;
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(t);
  if (pct) return Math.round((Number(pct[1]) / 100) * run.lastUs);
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|min|h)?$/.exec(t);
  if (!m) throw new UsageError(`expected an instant such as start, end, exit, peak, 2s, 500ms or 50%, got '${text}'`);
  const scale = { us: 1, ms: 1e3, s: 1e6, m: 6e7, min: 6e7, h: 3.6e9 }[m[2] ?? 's'] ?? 1e6;
  return Math.round(Number(m[1]) * scale);
}

export function diffNative(a: NativeAnalysis, options: { top?: number } = {}): NativeDiff {
  const [m1, m2] = a.replay.marks;
  if (!m1 || !m2) throw new Error('diffNative: the analysis was opened without two marks');
  const groups = new Map<string, NativeDiffRow & { best: number; weight: number }>();
  const n = Math.max(m1.bytesByStack.length, m2.bytesByStack.length);
  for (let s = 0; s < n; s++) {
    const b1 = m1.bytesByStack[s] ?? 0;
    const b2 = m2.bytesByStack[s] ?? 0;
    const c1 = m1.countByStack[s] ?? 0;
    const c2 = m2.countByStack[s] ?? 0;
    if (b1 === 0 && b2 === 0 && c1 === 0 && c2 === 0) continue;
    const site = siteOf(a, s);
    let g = groups.get(site.key);
    if (!g) {
      g = {
        site: site.label,
        module: site.module,
        before: { bytes: 0, count: 0 },
        after: { bytes: 0, count: 0 },
        delta: { bytes: 0, count: 0 },
        stack: [],
        best: NO_STACK,
        weight: -Infinity,
      };
      groups.set(site.key, g);
    }
    g.before.bytes += b1;
    g.before.count += c1;
    g.after.bytes += b2;
    g.after.count += c2;
    if (b2 - b1 > g.weight) {
      g.weight = b2 - b1;
      g.best = s;
    }
  }
  const rows = [...groups.values()];
  for (const g of rows) {
    g.delta = { bytes: g.after.bytes - g.before.bytes, count: g.after.count - g.before.count };
  }
  rows.sort((x, y) => y.delta.bytes - x.delta.bytes || y.delta.count - x.delta.count);
  const top = rows.slice(0, options.top ?? 20).map(({ best, weight: _w, ...row }) => ({ ...row, stack: a.frames(best).map(frameJson) }));
  return {
    kind: 'native',
    fromMs: Math.min(m1.us, a.replay.lastUs) / 1000,
    toMs: Math.min(m2.us, a.replay.lastUs) / 1000,
    before: { bytes: m1.liveBytes, count: m1.liveBlocks },
    after: { bytes: m2.liveBytes, count: m2.liveBlocks },
    rows: top,
    grew: rows.filter((r) => r.delta.bytes > 0).length,
    tracking: a.trackingNote(),
    problems: a.problems,
  };
}
