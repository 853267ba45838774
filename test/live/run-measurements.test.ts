// `run`'s measurements: their GCs, the sampler's interval, and how growth is judged (split from
// run.test.ts, whose file ran past the runner's 10-minute limit).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertVerdictExit, fixture, runCli } from '../helpers/run-cli.js';
import { lineOf } from '../helpers/source-line.js';
import { FAST, runFixture } from '../helpers/run-fixture.js';
import { tempDir } from '../helpers/write-snapshot.js';

function gcCountResults(seenFile: string, out: string) {
  const { seen, majorGcs, at } = JSON.parse(readFileSync(seenFile, 'utf8')) as {
    seen: unknown;
    majorGcs: { at: number; forced: boolean }[];
    at: number;
  };
  const measuredAt = readFileSync(join(out, 'sites.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { t: number }).t)
    .filter((t) => t <= at);
  assert.ok(measuredAt.length >= 3, `only ${measuredAt.length} measurements`);
  // A measurement's line is written when it ends: the GCs of one still under way when the
  // program wrote its file (begun before, its line after) are not counted, nor is it. Counted
  // up to the program's time instead, they made 9 GCs for 3 measurements in 1 run of 2 (a
  // slow day, 2026-12-07, old and new builds alike).
  const lastEnd = measuredAt[measuredAt.length - 1];
  return { seen, gcs: majorGcs.filter((g) => g.at <= lastEnd), measuredAt };
}

test('run: two full GCs per measurement, none forced on the program, and no gc() for it to see', async () => {
  const dir = tempDir();
  const out = join(dir, 'cap');
  const seenFile = join(dir, 'seen.json');
  const r = await runCli(['run', '--out', out, ...FAST, '--no-end-snapshot', '--json', '--', 'node', fixture('live', 'gc-count.cjs')], {
    env: { OUT_FILE: seenFile, SECONDS: '6' },
    timeoutMs: 120_000,
  });
  assertVerdictExit(r);
  const { seen, gcs, measuredAt } = gcCountResults(seenFile, out);
  // leaktrace's helper is kept under a symbol, out of the program's sight.
  assert.deepEqual(seen, { globalGc: 'undefined', vmContextGc: 'undefined', exposeGcFlag: false, leaktraceGc: 'object' });
  // Two each: one V8 marked incrementally after our external-memory nudge, and the profile
  // read's own. The inspector's collectGarbage (memory-reducing rounds) would make at least
  // three. Two spare for a GC V8 chose itself or a measurement under way when the program looked.
  assert.ok(
    gcs.length >= 2 * measuredAt.length && gcs.length <= 2 * measuredAt.length + 2,
    `${gcs.length} full GCs for ${measuredAt.length} measurements`,
  );
  // None forced: a gc() (the atomic fallback, and what measurements did before) is.
  assert.deepEqual(
    gcs.filter((g) => g.forced),
    [],
  );
});

test('run: where V8 cannot be nudged into incremental marking, each measurement still gets its GCs, and the notes say so', async () => {
  // With a 64 MB heap limit V8's limit for external memory is ~32 MB: an 80 MiB nudge would make
  // V8 run a memory-reducing GC itself, so leaktrace falls back to an atomic gc().
  const dir = tempDir();
  const out = join(dir, 'cap');
  const seenFile = join(dir, 'seen.json');
  const r = await runCli(
    ['run', '--out', out, ...FAST, '--no-end-snapshot', '--json', '--', 'node', '--max-old-space-size=64', fixture('live', 'gc-count.cjs')],
    { env: { OUT_FILE: seenFile, SECONDS: '6' }, timeoutMs: 120_000 },
  );
  assertVerdictExit(r);
  const report = JSON.parse(r.stdout) as { notes: string[]; measurements: number };
  const note = report.notes.find((n) => n.startsWith('measurement GCs:'));
  assert.match(
    note ?? '',
    /^measurement GCs: 0 marked incrementally, (\d+) atomic \(\1× external memory too near the limit V8 sets for it/,
    report.notes.join('\n'),
  );
  const { gcs, measuredAt } = gcCountResults(seenFile, out);
  assert.ok(gcs.filter((g) => g.forced).length >= measuredAt.length, JSON.stringify(gcs));
});

test('run: measurements mark incrementally, and the GC the program runs through throws away none of its optimized code', async () => {
  // V8 prints a line per full GC (--trace-gc): one marked incrementally says how long since
  // marking started and in how many steps; an atomic one (gc(), collectGarbage, a bare profile
  // read) does not. After a full GC V8 deoptimizes code that embeds objects it found dead
  // ("weak objects", printed before that GC's line): after an atomic GC, ~6 functions of this
  // fixture. Each measurement's first GC is marked while the program runs (steps > 0), as V8's
  // own are: those deoptimize nothing (0 in 287 such GCs over 27 runs, with and without a CPU
  // burner beside). The second is the profile read's: it finishes a marking started just
  // before it with no program code run in between (0 steps), and deoptimizes like an atomic GC
  // in some runs (0 to 23 in 5 measurements under a burner), so it is not bounded here
  // (ARCHITECTURE, "Cost", says why the read is sent so).
  const out = join(tempDir(), 'cap');
  const r = await runCli(
    ['run', '--out', out, ...FAST, '--no-end-snapshot', '--', 'node', '--trace-gc', '--trace-deopt', fixture('live', 'hot-code.cjs')],
    {
      env: { SECONDS: '8' },
      timeoutMs: 120_000,
    },
  );
  assert.ok(r.code === 0 || r.code === 1 || (r.code === 2 && /not judged: /.test(r.stderr)), r.stderr);
  const fullGcs: { line: string; steps: number | null; weakDeopts: number }[] = [];
  let weakDeopts = 0;
  for (const line of r.stdout.split('\n')) {
    if (line.includes('reason: weak objects')) weakDeopts++;
    else if (line.includes('Mark-Compact')) {
      const steps = /in (\d+) steps since start of marking/.exec(line);
      fullGcs.push({ line, steps: steps ? Number(steps[1]) : null, weakDeopts });
      weakDeopts = 0;
    }
  }
  const measurements = readFileSync(join(out, 'sites.jsonl'), 'utf8').trim().split('\n').length;
  assert.ok(measurements >= 4, `only ${measurements} measurements`);
  assert.ok(fullGcs.length >= 2 * measurements, `${fullGcs.length} full GCs for ${measurements} measurements`);
  const atomic = fullGcs.filter((gc) => gc.steps === null);
  // One spare: a read that arrived after V8 had already finished the marking.
  assert.ok(
    atomic.length <= 1,
    `${atomic.length} of ${fullGcs.length} full GCs marked atomically:\n${atomic.map((gc) => gc.line).join('\n')}`,
  );
  const markedAsTheProgramRan = fullGcs.filter((gc) => gc.steps !== null && gc.steps > 0);
  assert.ok(markedAsTheProgramRan.length >= measurements, `only ${markedAsTheProgramRan.length} full GCs marked while the program ran`);
  // One GC's worth of spare in the whole run, for a GC of V8's own.
  const deopted = markedAsTheProgramRan.reduce((n, gc) => n + gc.weakDeopts, 0);
  assert.ok(
    deopted <= 7,
    `${deopted} "weak objects" deoptimizations after the ${markedAsTheProgramRan.length} GCs marked while the program ran`,
  );
});

test('run: data Node received and the program keeps (no JavaScript on its stack) is a leak in node:', async () => {
  // The chunks' wrappers are small (the bytes are outside the heap): at the default 32 KiB
  // interval they make under one sample a second, and 11 points of that missed the leak in 1
  // run of 4 (the later half's samples came out few enough to read as growth stopping). At
  // 8 KiB, 8 runs of 8 found it at p ≥ 0.99. This test is about where the leak is put.
  const args = [
    'run',
    '--out',
    join(tempDir(), 'cap'),
    ...FAST,
    '--sampling-interval',
    '8k',
    '--json',
    '--',
    'node',
    fixture('live', 'chunks.cjs'),
  ];
  const r = await runCli(args, {
    env: { SERVER_SECONDS: '14' },
    timeoutMs: 120_000,
  });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  const leak = report.leaks.find((l: { package: string; userFrame: unknown }) => l.package === 'node:' && l.userFrame === null);
  assert.ok(leak, JSON.stringify(report.leaks.map((l: { site: unknown; package: string }) => [l.site, l.package])));
  assert.match(leak.evidence, /no JavaScript on the stack/);
  assert.ok(leak.probability >= 0.5);
});

test('run: a quiet program is sampled more finely from the warm-up’s end (within the sampler’s budget), said so, its leak found, and the least growth judged kept', async () => {
  const out = join(tempDir(), 'cap');
  const args = ['run', '--out', out, ...FAST, '--duration', '14s', '--no-end-snapshot', '--holders', '0', '--json'];
  const r = await runCli([...args, '--', 'node', fixture('live', 'garbage.cjs')], {
    // ~100 KiB/s of small garbage and 40 KB/s kept, on a few % of a CPU: a few hundred samples
    // per CPU-second at 32 KiB, est. well under 0.5 %, so 8 KiB fits the 2 % budget — or, when
    // its timers used less CPU (1,120 samples per CPU-second in one CI run), costs under 0.1 %
    // of one core, which counts as nothing (sampling-rate.ts).
    env: { GARBAGE_KB: '1', LEAK_BYTES: '400', SECONDS_TO_RUN: '40' },
    timeoutMs: 120_000,
  });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.samplingInterval, 8192, report.notes.join(' | '));
  const note = report.notes.find((n: string) => n.startsWith('sampled every'));
  assert.match(
    note,
    /^sampled every 8 KiB from [34] s, not 32 KiB: the program took [\d,]+ samples per second of its CPU at 32 KiB, .*(within the 2 % budget|under the 0\.1 % that counts as nothing)\); .*a small leak earns samples 4× faster/,
  );
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.settings.samplingInterval, 8192);
  assert.ok(
    report.leaks.some((l: { site: { functionName: string } }) => l.site?.functionName === 'keep'),
    JSON.stringify(report.leaks.map((l: { site: unknown }) => l.site)),
  );
  // A finer sampler judges on more samples, not smaller growth: the sensitivity note's floor
  // is 4 samples at the 32 KiB the capture began at where that is more than 8 samples at 8 KiB.
  const sensitivity = report.notes.find((n: string) => n.startsWith('sensitivity:'));
  assert.match(sensitivity, /grows less than 128 KiB, the least growth judged \(4 samples at the 32\.0 KiB the capture began at/);
});

test('run --sampling-interval auto: a program making a lot of garbage is sampled more coarsely from the warm-up’s end, said so, and its leak still found', async () => {
  const out = join(tempDir(), 'cap');
  const args = [
    'run',
    '--out',
    out,
    ...FAST,
    '--sampling-interval',
    'auto',
    '--duration',
    '14s',
    '--no-end-snapshot',
    '--holders',
    '0',
    '--json',
  ];
  const r = await runCli([...args, '--', 'node', fixture('live', 'garbage.cjs')], {
    // Garbage as 1 KiB arrays: ~28,000 samples per CPU-second at 32 KiB measured here (est.
    // 17 %, 8× the budget). With small objects (~8,000-14,000, 2.5-4×) a CI run once measured
    // 2,823 and kept 32 KiB: the estimate counts ~6 µs a sample whatever the machine's speed.
    env: { GARBAGE_SHAPE: 'arrays', GARBAGE_KB: '1000', LEAK_BYTES: '32000', SECONDS_TO_RUN: '40' },
    timeoutMs: 120_000,
  });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  // 128 KiB here; on a loaded machine the short warm-up's startup CPU weighs more (measured:
  // 64 KiB with a CPU burner).
  assert.ok([65536, 131072].includes(report.samplingInterval), `${report.samplingInterval}: ${report.notes.join(' | ')}`);
  const note = report.notes.find((n: string) => n.startsWith('sampled every'));
  assert.match(
    note,
    /^sampled every (64|128) KiB from [34] s, not 32 KiB: the program took [\d,]+ samples per second of its CPU at 32 KiB, an estimated [\d.]+ %/,
  );
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.settings.samplingInterval, report.samplingInterval);
  // The restart leaves the sampler empty: the first judged measurement is an exact zero for every site.
  const records = readFileSync(join(out, 'sites.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { x: number; sites: unknown[] });
  assert.ok(records[0]!.x >= 3000 && records[0]!.sites.length === 0, JSON.stringify(records[0]));
  const leak = report.leaks.find((l: { site: { functionName: string; file: string } }) => l.site?.file.endsWith('garbage.cjs'));
  assert.ok(leak, JSON.stringify(report.leaks.map((l: { site: unknown }) => l.site)));
  assert.ok(['keep', 'tick'].includes(leak.site.functionName), leak.site.functionName);
});

test('run: a leak in a program that gets less done per CPU-second is judged against its own allocation, where it grows steadily; a cache filling in the same program is not', async () => {
  // In wall time the leak slows like a cache filling up (p 0.29 without the work clock, "its rate
  // fell step after step"): a red-team leak of 1.3 GB in 90 s was "no leak found" so.
  const program = fixture('live', 'slowing-leak.cjs');
  const r = await runFixture('slowing-leak.cjs', { duration: '20s', flags: ['--no-end-snapshot'] });
  assert.equal(r.code, 1, r.stderr);
  const leak = (JSON.parse(r.stdout).leaks as { site: { file: string; line: number }; probability: number; evidence: string }[]).find(
    (l) => l.site?.file === program,
  );
  assert.ok(leak, r.stdout);
  // V8's sampler records the function; the line is the statement whose object literal has the
  // kept objects' keys (the cache's entries have others) — where the holders window saw enough
  // of them: this program saturates a core, V8 optimizes doUnit again within the window, and
  // its optimized code allocates past the tracker (2 to 400 objects attributed; in 1 CI run of
  // 5 and 1 local run of 4 too few to tell the statement, said so, and the function's first
  // line given). Holding the optimizing tiers off in the window (--max-opt=1) was tried and
  // was worse here: the program's spin ran unoptimized and made 4 objects in the window.
  if (leak.site.line !== lineOf(program, '// the leak')) {
    assert.equal(leak.site.line, lineOf(program, 'function doUnit'));
    assert.match(leak.evidence, /where doUnit starts \(the allocating statement in it is not known\)/);
  }
  assert.ok(leak.probability >= 0.5, String(leak.probability));
  // Judged against its work where wall time read it as slowing; in a run where the program
  // slowed less (fresh-clone CI: its later half grew at 80 % of the overall rate, "still
  // growing") the wall-time verdict was a leak already and the work clock, no likelier, was
  // not used — the evidence then says the growth kept going.
  if (!/judged against the program's own allocation/.test(leak.evidence))
    assert.match(leak.evidence, /the later half grew at \d+% of the overall rate \(still growing\)/);
  else
    assert.match(
      leak.evidence,
      /judged against the program's own allocation \(its work\): the program got less done per second of its CPU/,
    );

  // The same slowing program filling a cache over 3,000 keys: it fills more slowly per byte the
  // program allocates too, and stays quiet. Judged from 6 s: on a slower machine (fresh-clone
  // CI, 1 run of 6) the cache was still filling its last keys after a 3 s warm-up, and that
  // tail, a few samples, was reported — a known weakness (the session's note), not the claim here.
  const cache = await runFixture('slowing-leak.cjs', {
    duration: '20s',
    flags: ['--no-end-snapshot', '--warmup', '6s'],
    env: { SLOWING_CACHE_KEYS: '3000' },
  });
  assert.equal(cache.code, 0, cache.stdout);
  assert.deepEqual(JSON.parse(cache.stdout).leaks, []);
});
