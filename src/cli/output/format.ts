/** Number formatting shared by every human-readable view. */

/** 1536 → `1.5 KiB`; exact bytes below 1 KiB. (Repeated in the HTML report's browser script.) */
export function formatBytes(n: number): string {
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

/** Like formatBytes with an explicit `+` for growth. */
export function formatBytesDelta(n: number): string {
  return n > 0 ? `+${formatBytes(n)}` : formatBytes(n);
}

/** 1234567 → `1,234,567`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatCountDelta(n: number): string {
  return n > 0 ? `+${formatCount(n)}` : formatCount(n);
}

/** 0.1234 → `12.3%`. */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '-';
  return `${(fraction * 100).toFixed(fraction < 0.001 && fraction > 0 ? 2 : 1)}%`;
}

/** Milliseconds → `850ms`, `12.3s`, `4m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m}m${String(s).padStart(2, '0')}s`;
}

const BLOCKS = '▁▂▃▄▅▆▇█';

/** A one-line chart of a series, scaled between its min and max. */
export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  return values.map((v) => BLOCKS[span === 0 ? 0 : Math.min(7, Math.floor(((v - lo) / span) * 8))]).join('');
}
