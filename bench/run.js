// `npm run bench`: runs every bench/*.bench.js in turn (or those named on the command line)
// and prints each one's figures and its ratios against the peer tools measured in the same
// run. Not part of CI: it takes minutes and gigabytes.
//
// Peer tools (memlab, autocannon, why-is-node-running, ...) are installed for the benchmark
// only, from bench/package.json into bench/node_modules, on first run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const benchDir = new URL('.', import.meta.url).pathname;
if (!existsSync(join(benchDir, 'node_modules'))) {
  console.log('bench: installing peer tools into bench/node_modules ...');
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], {
    cwd: benchDir,
    stdio: 'inherit',
    env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' },
  });
  if (r.status !== 0) process.exit(2);
}
const wanted = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
if (files.length === 0) {
  console.error('bench: no benchmark matched');
  process.exit(2);
}
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, [join(benchDir, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
