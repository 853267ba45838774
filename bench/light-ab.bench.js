// What light watching buys, measured so that the machine's drift cancels: the bench's HTTP
// server plain, under `run --light-after 20s` (light from ~30 s: a sample every 256 KiB,
// V8's inlining on again, measurements at a third of their budget) and under `run
// --light-after never` (precise: 32 KiB, inlining off),
// all three alive at once, each loaded in turn for WINDOW_S seconds at a fixed rate below
// saturation, round after round. Each window gives the CPU a request cost that variant (its
// whole process tree: server and leaktrace); a variant's windows are compared with plain's in
// the same round. On this shared 2-core machine the rounds of live-run.bench.js, minutes
// apart, spread by up to ±30 % (plain alone: 35,884 and 23,915 req/s in one run); windows
// seconds apart spread far less.
//
// Means, not only medians: a measurement (two full GCs) lands in a few windows only, and is
// part of the cost.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autocannon, cli, mean, ownCpu, pinLoadGenerator, printPairedTable, server, startServer, treeCpu } from './http-load.js';

pinLoadGenerator();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 24);
const WINDOW_S = Number(process.env.BENCH_WINDOW ?? 4);
const RATE = Number(process.env.BENCH_FIXED_RATE ?? 4000);
const CONNECTIONS = 20;
const work = mkdtempSync(join(tmpdir(), 'leaktrace-bench-ab-'));

const underRun = (name, options) => ({
  name,
  out: join(work, name.replace(/\W+/g, '-')),
  argv: (out) => [process.execPath, cli, 'run', '--quiet', '--no-end-snapshot', ...options, '--out', out, '--', process.execPath, server],
});
const variants = [
  { name: 'plain', argv: () => [process.execPath, server] },
  underRun('run, light (after 20 s)', ['--light-after', '20s']),
  underRun('run --light-after never', ['--light-after', 'never']),
];
// More, by BENCH_AB=a,b: the light settings fixed from the start (no switch), with and
// without the handle agent, to split what light watching costs.
const extras = {
  // A second plain server: two processes of one program differ by a few % for the whole run
  // (their JIT and memory layout are their own), which no number of rounds averages away; the
  // gap between the two plains is the floor under which a variant's ratio says nothing.
  'plain-2': { name: 'plain (a second process)', argv: () => [process.execPath, server] },
  'light-no-handles': underRun('light, --no-handles', ['--light-after', '20s', '--no-handles']),
  // What the precise settings' cost is made of: the handle agent's traced creations, V8's
  // inlining off.
  'precise-no-handles': underRun('precise, --no-handles', ['--light-after', 'never', '--no-handles']),
  'precise-inlining': underRun('precise, --inlining', ['--light-after', 'never', '--inlining']),
  // The same two with no measurement at all (the warm-up never ends): whether what the agent
  // costs in precise mode comes with the measurements (its settle and read, the GCs).
  'precise-unmeasured': underRun('precise, never measured', ['--light-after', 'never', '--warmup', '2h']),
  'precise-unmeasured-no-handles': underRun('same, --no-handles', ['--light-after', 'never', '--warmup', '2h', '--no-handles']),
  static: underRun('--inlining, 128k, never', ['--inlining', '--sampling-interval', '128k', '--light-after', 'never']),
  'static-no-handles': underRun('same, --no-handles', [
    '--inlining',
    '--sampling-interval',
    '128k',
    '--no-handles',
    '--light-after',
    'never',
  ]),
  'no-measure': underRun('same, no measurement', ['--inlining', '--sampling-interval', '128k', '--warmup', '2h', '--light-after', 'never']),
  'sampler-only': underRun('same, sampler alone', [
    '--inlining',
    '--sampling-interval',
    '128k',
    '--warmup',
    '2h',
    '--no-handles',
    '--light-after',
    'never',
  ]),
};
// BENCH_AB_ONLY=1: plain, light and the extras (precise left out).
if (process.env.BENCH_AB_ONLY === '1') variants.splice(2, 1);
for (const k of (process.env.BENCH_AB ?? '').split(',').filter(Boolean)) {
  if (!(k in extras)) throw new Error(`BENCH_AB: unknown variant '${k}' (known: ${Object.keys(extras).join(', ')})`);
  variants.push(extras[k]);
}

async function start(v) {
  const { child, port } = await startServer(v.argv(v.out));
  return { ...v, child, url: `http://127.0.0.1:${port}/item` };
}

/** The capture's switch notes so far (events.jsonl). */
function switches(v) {
  const file = join(v.out ?? '', 'events.jsonl');
  if (!v.out || !existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes('watched lightly') || l.includes('back to precise'))
    .map((l) => JSON.parse(l).message.split(':')[0]);
}

const live = [];
for (const v of variants) live.push(await start(v));
const started = Date.now();
// Load them all while the light one waits for its quiet time, then until it is light.
while (Date.now() - started < 120_000 && !switches(live[1]).some((s) => s.includes('watched lightly'))) {
  for (const v of live) await autocannon({ url: v.url, connections: CONNECTIONS, duration: 2, overallRate: RATE });
}
if (!switches(live[1]).some((s) => s.includes('watched lightly'))) throw new Error('the light variant never went light');
for (const v of live) await autocannon({ url: v.url, connections: CONNECTIONS, duration: 5, overallRate: RATE });

const perRequest = new Map(live.map((v) => [v.name, []]));
// leaktrace's own process (the variant's root; the server is its child): its share of the cost.
const ownPerRequest = new Map(live.map((v) => [v.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  // Rotated, so that no variant always follows the same one.
  for (let k = 0; k < live.length; k++) {
    const v = live[(round + k) % live.length];
    const before = treeCpu(v.child.pid);
    const ownBefore = ownCpu(v.child.pid);
    const r = await autocannon({ url: v.url, connections: CONNECTIONS, duration: WINDOW_S, overallRate: RATE });
    perRequest.get(v.name).push(((treeCpu(v.child.pid) - before) / r.requests.total) * 1e6);
    ownPerRequest.get(v.name).push(((ownCpu(v.child.pid) - ownBefore) / r.requests.total) * 1e6);
  }
}
const watched = live.map((v) => [v.name, switches(v)]);
for (const v of live) v.child.kill('SIGINT');
await new Promise((r) => setTimeout(r, 3000));
rmSync(work, { recursive: true, force: true });

printPairedTable(perRequest, { rate: RATE, rounds: ROUNDS, windowS: WINDOW_S, what: 'server + leaktrace' });
console.log("Of which leaktrace's own process (not the server), µs per request: mean");
for (const v of live) if (v.out) console.log(`  ${v.name.padEnd(26)} ${mean(ownPerRequest.get(v.name)).toFixed(2).padStart(6)}`);
console.log('Switches (light-watch.ts)');
for (const [name, s] of watched) if (!name.startsWith('plain')) console.log(`  ${name.padEnd(26)} ${s.join('; ') || 'none'}`);
