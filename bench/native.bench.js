// Native tracker benchmark: the same malloc-heavy C program (bench/native/churn.c: 2 M
// short-lived allocations through a few call sites, one block in 1,000 leaked) run plain,
// under heaptrack and under `leaktrace native`, in the same run: wall time, peak RSS and
// ratios, and both tools must agree on the leaked bytes. Also times the unwinders the
// tracker could have used (docs/ARCHITECTURE.md).
// heaptrack comes from Debian (installed with apt-get here when missing).
// usage: node bench/native.bench.js [allocations]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { measure } from './measure.js';

const bench = new URL('.', import.meta.url).pathname;
const root = join(bench, '..');
const out = join(bench, 'out', 'native');
mkdirSync(out, { recursive: true });
const leaktrace = join(root, 'bin', 'leaktrace.js');
const N = Number(process.argv[2] ?? 2_000_000);
const RUNS = 3;

function sh(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

function ensureHeaptrack() {
  if (spawnSync('heaptrack', ['--version'], { stdio: 'ignore' }).status === 0) return true;
  console.log('installing heaptrack (Debian package) ...');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const apt = (args) =>
    spawnSync(sudo[0] ?? 'apt-get', [...(sudo.length ? ['apt-get'] : []), ...args], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', '--no-install-recommends', 'heaptrack']);
  return spawnSync('heaptrack', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Median of RUNS measurements (wall time and peak RSS taken from the same run). */
async function median(label, cmd, args, before) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    before?.();
    const m = await measure(cmd, args, { timeoutMs: 600_000 });
    if (m.code !== 0 && m.code !== 1)
      throw new Error(`${label} failed (exit ${m.code}): ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    runs.push(m);
  }
  runs.sort((a, b) => a.seconds - b.seconds);
  const m = runs[Math.floor(RUNS / 2)];
  console.log(`  ${label.padEnd(34)} ${m.seconds.toFixed(2).padStart(6)} s  ${m.peakRssMB.toFixed(0).padStart(5)} MiB peak`);
  return m;
}

// The program, built like a distribution's code: -O2, no frame pointers, with line info.
const churn = join(out, 'churn');
sh('cc', ['-O2', '-g', '-o', churn, join(bench, 'native', 'churn.c')]);
// The tracker is built once before timing (leaktrace builds it on first use).
sh(process.execPath, [
  '-e',
  `import(${JSON.stringify(join(root, 'dist/src/capture/native/build-preload.js'))}).then((m) => m.ensurePreloadLibrary())`,
]);

console.log(`\n${N.toLocaleString('en-US')} allocations (bench/native/churn.c), median of ${RUNS} runs:`);
const plain = await median('plain', churn, [String(N)]);
const programLeaked = Number(/leaked (\d+) bytes/.exec(plain.stdout)?.[1]);

const capture = join(out, 'capture');
const lt = await median(
  'leaktrace native (run + report)',
  process.execPath,
  [leaktrace, 'native', '--json', '-o', capture, '--', churn, String(N)],
  () => rmSync(capture, { recursive: true, force: true }),
);
const report = JSON.parse(lt.stdout);
const ltLeaked = report.leaks.reduce((s, l) => s + (l.outstanding?.bytes ?? 0), 0) + (report.moreLeaks?.bytes ?? 0);
const summary = JSON.parse(sh(process.execPath, [leaktrace, 'summary', capture, '--json']));
const ltLiveAtExit = summary.heap.liveBytes;

let ht = null;
let htPrint = null;
let htLeaked = NaN;
if (ensureHeaptrack()) {
  const file = join(out, 'heaptrack.out');
  ht = await median('heaptrack (record)', 'heaptrack', ['-o', file, churn, String(N)], () => rmSync(`${file}.zst`, { force: true }));
  htPrint = await median('heaptrack_print (report)', 'heaptrack_print', ['-f', `${file}.zst`]);
  const m = /total memory leaked: ([\d.]+)([KMG]?)/.exec(htPrint.stdout);
  if (m) htLeaked = Number(m[1]) * { '': 1, K: 1e3, M: 1e6, G: 1e9 }[m[2]];
} else console.log('  heaptrack could not be installed: no comparison');

console.log('\nleaked bytes');
console.log(`  the program's own count            ${programLeaked}`);
console.log(`  leaktrace: leaks reported          ${ltLeaked}  ${ltLeaked === programLeaked ? '(equal)' : '(DIFFERENT)'}`);
console.log(`  leaktrace: everything not freed    ${ltLiveAtExit}  (the program's leaks plus what libc keeps, e.g. stdout's buffer)`);
if (!Number.isNaN(htLeaked)) {
  // heaptrack_print rounds to 10 bytes (234.78K).
  const agree = Math.abs(htLeaked - ltLiveAtExit) <= 10;
  console.log(`  heaptrack: total memory leaked     ${htLeaked}  ${agree ? '(agrees with leaktrace)' : '(DISAGREES with leaktrace)'}`);
}

const ratio = (a, b) => `${(a / b).toFixed(1)}x`;
console.log('\nslowdown vs the plain program (wall time; peak RSS)');
console.log(`  leaktrace native, run + leak report   ${ratio(lt.seconds, plain.seconds)}; ${ratio(lt.peakRssMB, plain.peakRssMB)}`);
if (ht) {
  console.log(`  heaptrack, record only                ${ratio(ht.seconds, plain.seconds)}; ${ratio(ht.peakRssMB, plain.peakRssMB)}`);
  console.log(`  heaptrack, record + heaptrack_print   ${ratio(ht.seconds + htPrint.seconds, plain.seconds)}`);
  console.log(
    `\nleaktrace (run + report) vs heaptrack (record + print): ${ratio(ht.seconds + htPrint.seconds, lt.seconds)} faster, ${((lt.peakRssMB / Math.max(ht.peakRssMB, htPrint.peakRssMB)) * 100).toFixed(0)}% of its peak memory`,
  );
  console.log(`leaktrace (run + report) vs heaptrack (record only):   ${ratio(ht.seconds, lt.seconds)} faster`);
}

// Unwinders, from a callback under qsort (libc without frame pointers), 20 frames deep.
const shim = join(out, 'libltunwind.so');
sh('cc', [
  '-O2',
  '-shared',
  '-fPIC',
  '-fno-omit-frame-pointer',
  '-fvisibility=hidden',
  '-o',
  shim,
  join(bench, 'native', 'unwind-shim.c'),
  join(root, 'native', 'unwind.c'),
]);
const hasLibunwind = existsSync('/usr/include/libunwind.h') || existsSync('/usr/include/x86_64-linux-gnu/libunwind.h');
const unw = join(out, 'unwinders');
sh('cc', [
  '-O2',
  ...(hasLibunwind ? ['-DWITH_LIBUNWIND'] : []),
  '-o',
  unw,
  join(bench, 'native', 'unwinders.c'),
  `-L${out}`,
  '-lltunwind',
  ...(hasLibunwind ? ['-lunwind'] : []),
  `-Wl,-rpath,${out}`,
]);
console.log(
  `\nunwinders (per stack; libunwind ${hasLibunwind ? 'from libunwind-dev' : 'not installed: apt-get install libunwind-dev to compare'})`,
);
process.stdout.write(sh(unw, ['300000']).replace(/^/gm, '  '));
