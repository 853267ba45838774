// The HTML report on a big capture: thousands of allocation stacks (many leaking), 100,000
// memory samples, 2,000 events. Measures `leaktrace report` (time, peak RSS), the size of the
// HTML it writes, and how long Debian's Chromium takes to open it (load + charts drawn).
// No peer tool writes such a report from a Node capture, so there is no ratio: the figures
// are the report's own budget (a report of a big capture should open in about a second).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(root, 'package.json'));
const { chromium } = require('playwright-core');
const work = mkdtempSync(join(tmpdir(), 'leaktrace-bench-report-'));
const capture = join(work, 'capture');
const SITES = process.env.BENCH_SITES ?? '4000';
const SAMPLES = process.env.BENCH_SAMPLES ?? '100000';

const gen = spawnSync(process.execPath, ['--no-turbo-inlining', join(root, 'bench', 'generate-capture.mjs'), capture, SITES, SAMPLES], {
  stdio: 'inherit',
});
if (gen.status !== 0) process.exit(1);
const size = (f) => statSync(f).size;
const mib = (n) => `${(n / 1048576).toFixed(1)} MiB`;
console.log(
  `capture: ${SITES} sites, ${SAMPLES} samples; series.jsonl ${mib(size(join(capture, 'series.jsonl')))}, heap profile ${mib(size(join(capture, 'profiles', '001.heapprofile')))}, leaks.json ${mib(size(join(capture, 'leaks.json')))}`,
);

const out = join(work, 'report.html');
const t0 = globalThis.performance.now();
const r = spawnSync(
  '/usr/bin/time',
  ['-f', '%M', process.execPath, join(root, 'bin', 'leaktrace.js'), 'report', capture, '-o', out, '--json'],
  { encoding: 'utf8' },
);
const reportMs = globalThis.performance.now() - t0;
const peakKiB = Number(r.stderr.trim().split('\n').pop());
const result = JSON.parse(r.stdout);
console.log(`leaktrace report: ${(reportMs / 1000).toFixed(2)} s, peak RSS ${mib(peakKiB * 1024)}, HTML ${mib(size(out))}`);
for (const o of result.omitted) console.log(`  left out: ${o}`);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const opens = [];
for (let i = 0; i < 3; i++) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const t = globalThis.performance.now();
  await page.goto(pathToFileURL(out).href, { waitUntil: 'load' });
  await page.waitForFunction('document.documentElement.dataset.chartsDrawn !== undefined');
  opens.push(globalThis.performance.now() - t);
  await page.close();
}
await browser.close();
opens.sort((a, b) => a - b);
console.log(`Chromium open (load + charts): median ${opens[1].toFixed(0)} ms of 3 (${opens.map((o) => o.toFixed(0)).join(', ')} ms)`);
void readFileSync;
rmSync(work, { recursive: true, force: true });
