// Handle tracing overhead: a loopback HTTP server (127.0.0.1 only) driven by autocannon for a
// bounded time, plain, under leaktrace's handle agent (promise tracking off and on), and under
// why-is-node-running, in the same run, interleaved over rounds; then micro-measurements of
// promise-heavy code, timers, and the cost of agent.outstanding().
// Target: leaktrace with promise tracking off at most 10% slower than plain.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const require = createRequire(join(benchDir, 'package.json'));
const autocannon = require('autocannon');
const whyInclude = require.resolve('why-is-node-running/include');
const { agentEnvironment } = await import(new URL('../dist/src/capture/agent/install.js', import.meta.url).href);

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 20;
const captureDir = mkdtempSync(join(tmpdir(), 'leaktrace-bench-handles-'));

const variants = [
  { name: 'plain', args: [], env: {} },
  { name: 'leaktrace handles', args: [], env: agentEnvironment({ captureDir, control: true }) },
  { name: 'leaktrace handles --promises', args: [], env: agentEnvironment({ captureDir, control: true, promises: true }) },
  { name: 'why-is-node-running', args: ['--import', whyInclude], env: {} },
];

function startServer(variant) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...variant.args, join(benchDir, 'handles-server.cjs')], {
      env: { ...process.env, ...variant.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^(\d+)$/m.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`${variant.name}: server exited (${code}) before listening`)));
  });
}

async function measureHttp(variant) {
  const { child, port } = await startServer(variant);
  const url = `http://127.0.0.1:${port}/item`;
  await autocannon({ url, connections: CONNECTIONS, duration: 1 }); // warm-up
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
  child.kill('SIGKILL');
  await new Promise((res) => child.once('exit', res));
  if (r.errors > 0 || r.non2xx > 0) throw new Error(`${variant.name}: ${r.errors} errors, ${r.non2xx} non-2xx`);
  return r.requests.average;
}

function runMicro(variant) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...variant.args, join(benchDir, 'handles-micro.cjs')], {
      env: { ...process.env, ...variant.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', () => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) reject(new Error(`${variant.name}: no result from the micro-benchmark`));
      else resolve(JSON.parse(line));
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (x, base) => `${x >= base ? '+' : ''}${(((x - base) / base) * 100).toFixed(1)}%`;

console.log(`HTTP: ${ROUNDS} rounds x ${DURATION_S}s, ${CONNECTIONS} connections, 127.0.0.1 (variants interleaved)`);
const rps = Object.fromEntries(variants.map((v) => [v.name, []]));
for (let round = 1; round <= ROUNDS; round++) {
  for (const v of variants) {
    const r = await measureHttp(v);
    rps[v.name].push(r);
    console.log(`  round ${round}  ${v.name.padEnd(30)} ${Math.round(r).toLocaleString('en-US').padStart(8)} req/s`);
  }
}
const plainRps = median(rps.plain);
console.log('');
console.log('variant                          req/s (median)   vs plain');
for (const v of variants) {
  const m = median(rps[v.name]);
  console.log(`${v.name.padEnd(32)} ${Math.round(m).toLocaleString('en-US').padStart(14)}   ${v.name === 'plain' ? '' : pct(m, plainRps)}`);
}
const ours = median(rps['leaktrace handles']);
const why = median(rps['why-is-node-running']);
console.log(
  `leaktrace handles / plain: ${(ours / plainRps).toFixed(3)} (target >= 0.90); leaktrace / why-is-node-running: ${(ours / why).toFixed(2)}x`,
);

console.log('');
console.log(
  'micro: 200k awaits, 100k setTimeout+clearTimeout, outstanding() with 5,000 open handles, 1,000 timer chains x 50 beats (same callback / a new arrow each beat) (median of 3)',
);
console.log('variant                          awaits ms   timers ms   outstanding() ms   chains ms   arrows ms');
const micro = {};
for (const v of variants) {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await runMicro(v));
  micro[v.name] = {
    promises: median(runs.map((r) => r.promises)),
    timers: median(runs.map((r) => r.timers)),
    outstanding: runs[0].outstanding === null ? null : median(runs.map((r) => r.outstanding)),
    chains: median(runs.map((r) => r.chains)),
    arrows: median(runs.map((r) => r.arrows)),
  };
  const m = micro[v.name];
  console.log(
    `${v.name.padEnd(32)} ${m.promises.toFixed(0).padStart(9)}   ${m.timers.toFixed(0).padStart(9)}   ${(m.outstanding === null ? '-' : m.outstanding.toFixed(1)).padStart(16)}   ${m.chains.toFixed(0).padStart(9)}   ${m.arrows.toFixed(0).padStart(9)}`,
  );
}
const p = micro.plain;
for (const v of variants.slice(1)) {
  const m = micro[v.name];
  console.log(
    `${v.name}: awaits ${(m.promises / p.promises).toFixed(2)}x plain, timers ${(m.timers / p.timers).toFixed(2)}x plain, chains ${(m.chains / p.chains).toFixed(2)}x / ${(m.arrows / p.arrows).toFixed(2)}x plain`,
  );
}
rmSync(captureDir, { recursive: true, force: true });
