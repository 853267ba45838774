import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The scripts and styles a report inlines, read once per process from where npm installed
 * them: uPlot (time series and bar charts) and flame-chart-js (the icicle of allocation
 * stacks), both small, maintained, MIT, with a single-file browser build. Nothing is fetched
 * when the report is viewed.
 */
export interface ReportAssets {
  uplotJs: string;
  uplotCss: string;
  flameJs: string;
  /** The report's own browser script (src/report/html/client, compiled by tsconfig.client.json). */
  clientJs: string;
  /** Versions, shown in the report's footer. */
  versions: { uplot: string; flameChart: string };
}

let cached: ReportAssets | null = null;

export function loadAssets(): ReportAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  // uPlot has no `exports` map: its files resolve directly. flame-chart-js exports only its
  // entry points, so its single-file UMD build is found beside its package.json.
  const uplotDir = dirname(require.resolve('uplot/package.json'));
  const flameDir = dirname(require.resolve('flame-chart-js/package.json'));
  const read = (path: string): string => readFileSync(path, 'utf8');
  const version = (dir: string): string => (JSON.parse(read(join(dir, 'package.json'))) as { version: string }).version;
  cached = {
    uplotJs: read(join(uplotDir, 'dist', 'uPlot.iife.min.js')),
    uplotCss: read(join(uplotDir, 'dist', 'uPlot.min.css')),
    flameJs: read(join(flameDir, 'dist', 'index.min.js')),
    clientJs: read(fileURLToPath(new URL('./client/report-client.js', import.meta.url))),
    versions: { uplot: version(uplotDir), flameChart: version(flameDir) },
  };
  return cached;
}
