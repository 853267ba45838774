// What a console call costs a program under `leaktrace run`: with any inspector session
// connected Node passes each console call on to V8's inspector (which keeps the last 1,000
// messages), and with the Runtime domain on V8 also sent each one to leaktrace with previews
// of its arguments. The target times console.log of a small object (stdout to /dev/null)
// after `run`'s warm-up, plain and under `run`, in alternation; medians of ROUNDS each.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './http-load.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CALLS = 20_000;
const work = mkdtempSync(join(tmpdir(), 'leaktrace-bench-console-'));
const target = join(work, 'logger.cjs');
writeFileSync(
  target,
  `setTimeout(() => {
  const times = [];
  for (let k = 0; k < 5; k++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < ${CALLS}; i++) console.log({ i, user: 'someone', path: '/items/' + i, ms: 3.2 });
    times.push(Number(process.hrtime.bigint() - t) / 1e3 / ${CALLS});
  }
  process.stderr.write('US ' + times.sort((a, b) => a - b)[2] + '\\n');
  process.exit(0);
}, Number(process.env.DELAY_MS));
`,
);
/** µs per console.log (the median of 5 batches), from the target's own clock. */
function once(argv, delayMs) {
  const r = spawnSync(argv[0], argv.slice(1), {
    env: { ...process.env, DELAY_MS: String(delayMs) },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: 120_000,
  });
  const m = /^US ([\d.]+)$/m.exec(r.stderr ?? '');
  if (!m) throw new Error(`${argv.join(' ')}: no timing (exit ${r.status}): ${r.stderr?.slice(-500)}`);
  return Number(m[1]);
}
const variants = [
  ['plain', () => once([process.execPath, target], 1000)],
  [
    'under run',
    () =>
      once(
        [
          process.execPath,
          cli,
          'run',
          '--quiet',
          '--no-end-snapshot',
          '--out',
          join(work, `cap-${++captures}`),
          '--',
          process.execPath,
          target,
        ],
        12_000,
      ),
  ],
];
let captures = 0;
const results = new Map(variants.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) for (const [name, run] of variants) results.get(name).push(run());
rmSync(work, { recursive: true, force: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const plain = median(results.get('plain'));
console.log(
  `console.log of a small object, stdout to /dev/null: µs per call (median of ${ROUNDS} runs, each the median of 5 × ${CALLS.toLocaleString('en-US')})`,
);
for (const [name, xs] of results) {
  const m = median(xs);
  console.log(`  ${name.padEnd(10)} ${m.toFixed(1).padStart(6)}${name === 'plain' ? '' : `  ×${(m / plain).toFixed(2)} plain`}`);
}
