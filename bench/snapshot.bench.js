// Snapshot engine benchmark: leaktrace summary/stat against memlab on generated snapshots of
// about 500 MB and 2 GB, measured in the same run, with wall time, peak RSS and ratios.
// Snapshots are generated once into bench/out/ (reproducibly: same record count, same shape).
// usage: node bench/snapshot.bench.js [--small-only | --large-only]
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { measure } from './measure.js';

const bench = new URL('.', import.meta.url).pathname;
const root = join(bench, '..');
const out = join(bench, 'out');
mkdirSync(out, { recursive: true });
const leaktrace = join(root, 'bin', 'leaktrace.js');
const memlab = join(bench, 'node_modules', '.bin', 'memlab');
const sizes = [
  { label: '~500 MB', records: 310_000 },
  { label: '~2 GB', records: 1_250_000 },
].slice(process.argv.includes('--large-only') ? 1 : 0, process.argv.includes('--small-only') ? 1 : 2);

const rows = [];
for (const { label, records } of sizes) {
  const file = join(out, `bench-${records}.heapsnapshot`);
  if (!existsSync(file)) {
    console.log(`generating ${label} snapshot (${records.toLocaleString()} records) ...`);
    const g = await measure(process.execPath, ['--max-old-space-size=20000', join(bench, 'generate-snapshot.cjs'), String(records), file]);
    if (!g.ok) throw new Error(`generator failed: ${g.stderr}`);
  }
  const mb = statSync(file).size / 1024 / 1024;
  console.log(`\n${label}: ${file} (${mb.toFixed(0)} MiB)`);
  const runs = [
    { tool: 'leaktrace summary', cmd: process.execPath, args: ['--max-old-space-size=20000', leaktrace, 'summary', file, '--quiet'] },
    { tool: 'leaktrace stat', cmd: process.execPath, args: ['--max-old-space-size=20000', leaktrace, 'stat', file, '--quiet'] },
    // memlab gets the same heap limit, so a failure is memlab's, not a default limit's.
    {
      tool: 'memlab analyze shape',
      cmd: process.execPath,
      args: ['--max-old-space-size=20000', memlab, 'analyze', 'shape', '--snapshot', file],
    },
  ];
  const results = {};
  for (const r of runs) {
    process.stdout.write(`  ${r.tool.padEnd(22)} `);
    const m = await measure(r.cmd, r.args, { timeoutMs: 3_600_000 });
    results[r.tool] = m;
    console.log(
      m.ok
        ? `${m.seconds.toFixed(1)} s, ${m.peakRssMB.toFixed(0)} MiB peak`
        : `FAILED (exit ${m.code}): ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
  const ml = results['memlab analyze shape'];
  for (const tool of ['leaktrace summary', 'leaktrace stat']) {
    const lt = results[tool];
    rows.push({
      size: `${label} (${mb.toFixed(0)} MiB)`,
      tool,
      seconds: lt.seconds,
      peak: lt.peakRssMB,
      speedup: ml.ok && lt.ok ? ml.seconds / lt.seconds : NaN,
      memory: ml.ok && lt.ok ? lt.peakRssMB / ml.peakRssMB : NaN,
    });
  }
}
console.log('\nleaktrace vs memlab (same machine, same run)');
console.log('snapshot              command             time      peak RSS   faster than memlab   memory vs memlab');
for (const r of rows) {
  console.log(
    `${r.size.padEnd(21)} ${r.tool.padEnd(18)} ${`${r.seconds.toFixed(1)} s`.padStart(8)} ${`${r.peak.toFixed(0)} MiB`.padStart(11)}   ${Number.isNaN(r.speedup) ? 'n/a'.padStart(18) : `${r.speedup.toFixed(1)}x`.padStart(18)}   ${Number.isNaN(r.memory) ? 'n/a' : `${(r.memory * 100).toFixed(0)}% of memlab's`}`,
  );
}
