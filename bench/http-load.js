// What the two HTTP benches (live-run.bench.js, light-ab.bench.js) share: the server they load,
// the CPU pinning, starting a server (plain or under leaktrace) and reading the CPU it used.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
export const autocannon = createRequire(join(benchDir, 'package.json'))('autocannon');
export const cli = fileURLToPath(new URL('../bin/leaktrace.js', import.meta.url));
/** A small JSON answer after a few awaits, keep-alive sockets; prints its port. */
export const server = join(benchDir, 'handles-server.cjs');
// The same /proc reader `run` paces its measurements with.
const { readCpuMs } = await import(new URL('../dist/src/capture/live/measure-schedule.js', import.meta.url).href);

// On a shared machine the load generator and the server fight for the same cores and the
// spread between rounds (±25 % measured unpinned) hides a 5 % effect: the server (with
// leaktrace beside it, as on a one-core box) runs on CPU 0, autocannon (this process) on CPU 1.
export const PIN = process.env.BENCH_PIN !== '0' && spawnSync('taskset', ['-c', '1', 'true']).status === 0;

/** Runs this bench again on CPU 1 (once), and exits with its status. */
export function pinLoadGenerator() {
  if (!PIN || process.env.BENCH_PINNED === '1') return;
  const r = spawnSync('taskset', ['-c', '1', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_PINNED: '1' },
  });
  process.exit(r.status ?? 1);
}

/** Starts `argv` (the server, or leaktrace around it; `env` added to ours) on CPU 0; resolves once it printed its port. */
export function startServer(argv, env = {}) {
  const pinned = PIN ? ['taskset', '-c', '0', ...argv] : argv;
  return new Promise((resolve, reject) => {
    const child = spawn(pinned[0], pinned.slice(1), { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^(\d+)$/m.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`${pinned.join(' ')}: exited (${code}) before listening`)));
  });
}

/** CPU seconds (user + system) used so far by the process alone (0 once it is gone). */
export function ownCpu(pid) {
  return (readCpuMs(pid) ?? 0) / 1000;
}

/** CPU seconds used so far by a process and all its descendants. */
export function treeCpu(pid) {
  let total = ownCpu(pid);
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      for (const c of children ? children.split(' ') : []) total += treeCpu(Number(c));
    }
  } catch {
    // gone meanwhile
  }
  return total;
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Prints the paired-window table both A/B benches end with: each variant's CPU per request
 * (median | mean) and its ratio to plain in the same round (median of ratios, and of means).
 * `perRequest`: variant name → one figure per round, 'plain' among them; `what` names what the
 * CPU was read from.
 */
export function printPairedTable(perRequest, { rate, rounds, windowS, what }) {
  const plain = perRequest.get('plain');
  console.log(
    `HTTP server at ${rate.toLocaleString('en-US')} req/s, ${rounds} rounds of ${windowS} s windows in turn${PIN ? '; servers on CPU 0, load generator on CPU 1' : ''}`,
  );
  console.log(`CPU per request (${what}), µs: median | mean; paired with plain in the same round (median of ratios)`);
  for (const [name, xs] of perRequest) {
    const ratio =
      name === 'plain'
        ? ''
        : `  ${((median(xs.map((x, i) => x / plain[i])) - 1) * 100).toFixed(1)} % vs plain (mean ${(((mean(xs) - mean(plain)) / mean(plain)) * 100).toFixed(1)} %)`;
    console.log(`  ${name.padEnd(26)} ${median(xs).toFixed(1).padStart(6)} | ${mean(xs).toFixed(1).padStart(6)}${ratio}`);
  }
}
