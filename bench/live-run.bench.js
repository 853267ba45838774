// Overhead of `leaktrace run` in its default mode on a loopback HTTP server driven by
// autocannon, against the same server run plain, interleaved over rounds in the same run.
// Target (issue 4): at most 5 % more CPU per request / fewer requests per second.
//
// What a capture costs changes as it ages: a measurement (two full GCs in the target, then
// the profile read) comes at the warm-up's end, then as often as its measured cost allows
// (--measure-budget) but at least every quarter of the capture's age until it has 8 (from
// then on, only the budget and a 60 s ceiling), so each round measures twice: CPU per request
// at a fixed rate early in the capture (age ~5-25 s), then, once the capture is BENCH_AGE
// seconds old, saturation throughput and CPU per request again.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PIN, autocannon, cli, ownCpu, pinLoadGenerator, server, startServer, treeCpu } from './http-load.js';

pinLoadGenerator();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = 20;
const work = mkdtempSync(join(tmpdir(), 'leaktrace-bench-run-'));

/** `leaktrace run` with these options around the server, each round into its own folder. */
const underRun = (name, options) => ({
  name,
  out: (i) => join(work, `${name.replace(/\W+/g, '-')}-${i}`),
  command: (i) => [
    process.execPath,
    cli,
    'run',
    '--quiet',
    '--no-end-snapshot',
    ...options,
    '--out',
    join(work, `${name.replace(/\W+/g, '-')}-${i}`),
    '--',
    process.execPath,
    server,
  ],
});

const LIGHT_AFTER = process.env.BENCH_LIGHT_AFTER;
const variants = [
  { name: 'plain', command: (_i) => [process.execPath, server] },
  // Defaults: V8's inlining off in the program, sampling profiler every 32 KiB, the handle
  // agent, a memory point every second,
  // the first measurement at the warm-up's end (10 s), then paced by their measured cost
  // (--measure-budget 3 %) but at least every quarter of the capture's age until 8 of them;
  // after 5 min judged with nothing growing (the server leaks nothing), watched lightly: a
  // sample every 256 KiB, V8's inlining on again, measurements at a third of their budget (capture/live/light-watch.ts), so at
  // BENCH_AGE (400 s) the capture is light. BENCH_LIGHT_AFTER=1m (with BENCH_AGE=120) gets
  // there sooner: the same light state, a shorter bench.
  LIGHT_AFTER ? underRun(`run --light-after ${LIGHT_AFTER}`, ['--light-after', LIGHT_AFTER]) : underRun('leaktrace run', []),
  // The same, precise throughout (the default before light watching).
  underRun('run --light-after never', ['--light-after', 'never']),
  // Extra variants, by BENCH_VARIANTS=all or a comma list of their keys:
  //   inlining       precise, but V8's inlining left on (`run` turns it off so that every
  //                  allocation is recorded under the function that made it);
  //   no-handles     the memory leak finder alone;
  //   sampling-128k  a sample every 128 KiB instead of 32 KiB;
  //   sampling-512k  a sample every 512 KiB instead of 32 KiB (Node's --heap-prof default):
  //                  the sampler's steady cost against its sensitivity to small leaks;
  //   sampling-auto  --sampling-interval auto: 32 KiB, coarsened at the warm-up's end if the
  //                  sampler costs the server over 2 % of its CPU (128 KiB here);
  //   no-measure     the capture's steady cost alone: sampler, handle agent, memory series,
  //                  but no measurement (the warm-up outlasts the bench);
  //   light          --inlining --sampling-interval 64k: the nearest configuration to the 5 %
  //                  target (allocations of inlined functions recorded under their callers,
  //                  half the samples of the default);
  //   sampler-only   V8's sampler at 32 KiB and the inspector session alone: inlining on, no
  //                  handle agent, no measurement. With no-measure and `run`, it splits `run`'s cost into
  //                  the sampler's (V8's, per sample), the handle agent's and the measurements'.
  ...extraVariants(process.env.BENCH_VARIANTS ?? ''),
];

function extraVariants(wanted) {
  // Each precise throughout, as it was measured before light watching (--light-after).
  const precise = (name, options) => underRun(name, [...options, '--light-after', 'never']);
  const extras = {
    inlining: precise('run --inlining', ['--inlining']),
    'no-handles': precise('run --no-handles', ['--no-handles']),
    'sampling-128k': precise('run --sampling-interval 128k', ['--sampling-interval', '128k']),
    'sampling-512k': precise('run --sampling-interval 512k', ['--sampling-interval', '512k']),
    'sampling-auto': precise('run --sampling-interval auto', ['--sampling-interval', 'auto']),
    'no-measure': precise('run, no measurement', ['--warmup', '2h']),
    light: precise('run --inlining --sampling-interval 64k', ['--inlining', '--sampling-interval', '64k']),
    'sampler-only': precise('run --inlining --no-handles, no meas.', ['--inlining', '--no-handles', '--warmup', '2h']),
  };
  const keys = wanted === 'all' ? Object.keys(extras) : wanted.split(',').filter(Boolean);
  for (const k of keys)
    if (!(k in extras)) throw new Error(`BENCH_VARIANTS: unknown variant '${k}' (known: ${Object.keys(extras).join(', ')}, all)`);
  return keys.map((k) => extras[k]);
}
const AGE_S = Number(process.env.BENCH_AGE ?? (LIGHT_AFTER ? 120 : 400));

/**
 * CPU µs per request over `seconds` at the fixed rate: of the server and leaktrace together,
 * and of the first process alone (leaktrace under `run`: which side a cost is on).
 */
async function cpuPerRequest(child, url, seconds) {
  const before = treeCpu(child.pid);
  const ownBefore = ownCpu(child.pid);
  const fixed = await autocannon({ url, connections: CONNECTIONS, duration: seconds, overallRate: FIXED_RATE });
  const perRequest = (cpu) => (cpu / fixed.requests.total) * 1e6;
  return { total: perRequest(treeCpu(child.pid) - before), own: perRequest(ownCpu(child.pid) - ownBefore) };
}

async function measure(variant, round) {
  const started = Date.now();
  const { child, port } = await startServer(variant.command(round));
  const url = `http://127.0.0.1:${port}/item`;
  await autocannon({ url, connections: CONNECTIONS, duration: 2 }); // warm-up
  // Throughput at saturation swings with whatever else the machine runs; the CPU a request
  // costs at a fixed rate below saturation (server and leaktrace together) swings less.
  const early = await cpuPerRequest(child, url, FIXED_S);
  // Age the capture under the same moderate load.
  const ageLeft = AGE_S - (Date.now() - started) / 1000;
  if (ageLeft > 1) await autocannon({ url, connections: CONNECTIONS, duration: Math.round(ageLeft), overallRate: FIXED_RATE });
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
  const late = await cpuPerRequest(child, url, LATE_S);
  // SIGINT: `leaktrace run` stops capturing, stops the program and reports.
  child.kill('SIGINT');
  await new Promise((res) => child.once('exit', res));
  if (r.errors > 0 || r.non2xx > 0) throw new Error(`${variant.name}: ${r.errors} errors, ${r.non2xx} non-2xx`);
  return { rps: r.requests.average, early, late, watch: watchOf(variant, round) };
}

/** How the capture watched (its report's `watch`): "precise", or "light from 76 s". */
function watchOf(variant, round) {
  if (!variant.out) return null;
  try {
    const epochs = JSON.parse(readFileSync(join(variant.out(round), 'leaks.json'), 'utf8')).watch ?? [];
    return epochs.map((e) => `${e.mode}${e.fromMs > 0 ? ` from ${Math.round(e.fromMs / 1000)} s` : ''}`).join(', ');
  } catch {
    return 'no report';
  }
}

const FIXED_RATE = Number(process.env.BENCH_FIXED_RATE ?? 8000);
const FIXED_S = 20;
// Late in a capture measurements come ~45-60 s apart, so a 20 s window holds one or none:
// BENCH_LATE_S=120 averages over two or three (a steadier figure, a longer bench).
const LATE_S = Number(process.env.BENCH_LATE_S ?? FIXED_S);
const results = new Map(variants.map((v) => [v.name, []]));
const earlyCpu = new Map(variants.map((v) => [v.name, []]));
const lateCpu = new Map(variants.map((v) => [v.name, []]));
const leaktraceOwnLate = new Map(variants.map((v) => [v.name, []]));
const watched = new Map(variants.map((v) => [v.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const v of variants) {
    const m = await measure(v, round);
    results.get(v.name).push(m.rps);
    earlyCpu.get(v.name).push(m.early.total);
    lateCpu.get(v.name).push(m.late.total);
    leaktraceOwnLate.get(v.name).push(m.late.own);
    if (m.watch) watched.get(v.name).push(m.watch);
  }
}
rmSync(work, { recursive: true, force: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const plain = median(results.get('plain'));
console.log(
  `HTTP server, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds (medians)${PIN ? '; server on CPU 0, load generator on CPU 1' : ''}`,
);
console.log(`Requests per second at saturation over ${DURATION_S} s, capture ${AGE_S} s old`);
for (const v of variants) {
  const m = median(results.get(v.name));
  const delta = v.name === 'plain' ? '' : `  ${(((m - plain) / plain) * 100).toFixed(1)} % vs plain (target: no worse than -5 %)`;
  console.log(
    `  ${v.name.padEnd(26)} ${Math.round(m).toLocaleString('en-US').padStart(8)} req/s  rounds: ${results
      .get(v.name)
      .map((x) => Math.round(x))
      .join(', ')}${delta}`,
  );
}
for (const [label, table] of [
  [`early in the capture (age ~5-${5 + FIXED_S} s: measurements from 10 s, every ~5 s)`, earlyCpu],
  [`late in the capture (age ${AGE_S + DURATION_S}-${AGE_S + DURATION_S + LATE_S} s)`, lateCpu],
]) {
  const plainCpu = median(table.get('plain'));
  console.log(`CPU per request at a fixed ${FIXED_RATE.toLocaleString('en-US')} req/s, ${label} (server + leaktrace, µs)`);
  for (const v of variants) {
    const m = median(table.get(v.name));
    const delta = v.name === 'plain' ? '' : `  ${(((m - plainCpu) / plainCpu) * 100).toFixed(1)} % vs plain`;
    console.log(
      `  ${v.name.padEnd(26)} ${m.toFixed(1).padStart(8)} µs  rounds: ${table
        .get(v.name)
        .map((x) => x.toFixed(1))
        .join(', ')}${delta}`,
    );
  }
}
console.log(`Of that, late in the capture: leaktrace's own process (µs per request; the rest is the target)`);
for (const v of variants.filter((v) => v.name !== 'plain')) {
  const own = leaktraceOwnLate.get(v.name);
  console.log(`  ${v.name.padEnd(26)} ${median(own).toFixed(1).padStart(8)} µs  rounds: ${own.map((x) => x.toFixed(1)).join(', ')}`);
}
console.log('How each capture watched (light-watch.ts)');
for (const v of variants.filter((v) => v.name !== 'plain')) console.log(`  ${v.name.padEnd(26)} ${watched.get(v.name).join(' | ')}`);
