// Writes a big capture folder with the real pieces (CaptureWriter, V8's sampling heap
// profiler, the leak finder's scoring), for bench/report.bench.js: a workload with thousands
// of distinct allocation stacks, many of them leaking, a long memory series and many events.
// Usage: node --no-turbo-inlining generate-capture.mjs <dir> [sites] [samples]
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSiteSeries } from '../dist/src/analysis/leaks/site-series.js';
import { scoreSites, toLeak } from '../dist/src/analysis/leaks/score-sites.js';
import { SamplingSiteSampler } from '../dist/src/capture/heap/sampling-sampler.js';
import { InProcessSession } from '../dist/src/capture/inspector/in-process-session.js';
import { CaptureWriter } from '../dist/src/capture-folder/writer.js';
import { StackTable } from '../dist/src/model/stack-table.js';

const [dir, sitesArg = '4000', samplesArg = '100000'] = process.argv.slice(2);
const SITES = Number(sitesArg);
const SAMPLES = Number(samplesArg);
const INTERVAL = 2048;
const started = Date.now();
const writer = CaptureWriter.create(dir, {
  kind: 'run',
  target: { command: [process.execPath, ...process.argv.slice(1)], pid: process.pid, nodeVersion: process.version, cwd: process.cwd() },
  tracking: { startedAt: new Date(started).toISOString(), fromProcessStart: true, note: 'tracking began with the process' },
  settings: { samplingInterval: INTERVAL },
});

// The workload: SITES leaf functions in a generated module, reached through 3 levels of
// callers; every fourth one keeps what it allocates, the others make garbage.
const src = dir + '/../bench-workload.cjs';
const lines = ["'use strict';", 'const kept = [];'];
for (let i = 0; i < SITES; i++) {
  lines.push(`function site${i}(n) { const o = { i: ${i}, n, s: 'v' + n }; ${i % 4 === 0 ? 'kept.push(o);' : ''} return o; }`);
}
const groups = Math.ceil(SITES / 50);
for (let g = 0; g < groups; g++) {
  const calls = [];
  for (let i = g * 50; i < Math.min(SITES, g * 50 + 50); i++) calls.push(`site${i}(n);`);
  lines.push(`function group${g}(n) { ${calls.join(' ')} }`);
}
lines.push(`exports.step = function step(n) { ${Array.from({ length: groups }, (_v, g) => `group${g}(n);`).join(' ')} };`);
writeFileSync(src, lines.join('\n'));
const { step } = (await import('node:module')).createRequire(import.meta.url)(src);

const session = new InProcessSession();
const stacks = new StackTable();
const sampler = new SamplingSiteSampler(session, stacks, INTERVAL);
await sampler.start();
const points = [];
const perStep = Math.ceil(SAMPLES / 40);
let t = 0;
for (let s = 0; s < 40; s++) {
  for (let k = 0; k < 20; k++) step(s * 20 + k);
  for (let i = 0; i < perStep && t < SAMPLES; i++, t++) {
    const m = process.memoryUsage();
    writer.appendSample({
      t: Date.now(),
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      handles: 3,
      fds: readdirSync('/proc/self/fd').length,
    });
  }
  for (let e = 0; e < 50; e++) writer.appendEvent({ t: Date.now(), type: 'rule', rule: `rule-${e % 5}`, message: `rule ${e % 5} fired` });
  if (s % 4 === 3) points.push({ x: Date.now() - started, sites: await sampler.measure() });
}
mkdirSync(join(dir, 'profiles'), { recursive: true });
writeFileSync(join(dir, 'profiles', '001.heapprofile'), JSON.stringify(await sampler.profile()));
const TOOLING = [new URL('../dist/', import.meta.url).pathname, new URL(import.meta.url).pathname];
const scored = scoreSites(buildSiteSeries(points, stacks, { ignorePrefixes: TOOLING }).values(), { exactCounts: false });
writer.writeJson('leaks.json', {
  iterations: 0,
  warmup: 0,
  leaks: scored.filter((s) => s.probability >= 0.5).map((s) => toLeak(s, stacks, 'minute', TOOLING)),
  belowThreshold: scored.filter((s) => s.probability < 0.5 && s.probability >= 0.2).map((s) => toLeak(s, stacks, 'minute', TOOLING)),
});
await sampler.stop();
await session.close();
writer.finish({ code: 0, signal: null });
