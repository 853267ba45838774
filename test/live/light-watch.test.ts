import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { LiveProcess } from '../helpers/live-process.js';
import { type CliResult, fixture, runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/write-snapshot.js';

// Short everything: a warm-up of 3 s, a measurement a second, 4 KiB samples (32 KiB light),
// light after 4 s judged with nothing growing.
const QUICK = ['--warmup', '3s', '--measure-every', '1s', '--series-every', '500ms', '--sampling-interval', '4k'];
const LIGHT_AFTER = ['--light-after', '4s'];
const LATE_LEAK = fixture('live', 'late-leak.cjs');

interface Epoch {
  mode: 'precise' | 'light';
  fromMs: number;
  judgedFromMs: number;
  interval: number;
  inliningOff: boolean;
}

/** The capture's notes as they are written (events.jsonl), while it runs. */
function notesSoFar(out: string): string[] {
  const file = join(out, 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; message: string })
    .filter((e) => e.type === 'note')
    .map((e) => e.message);
}

/**
 * Starts a capture (`capture(out)`) of a program that leaks only once the capture watches
 * lightly: waits for the note that it went light, then creates the `trigger` file the program
 * watches. The capture must have gone light, found a leak (exit 1) and gone back to precise
 * settings; returns its report and capture folder.
 */
// (The report is returned as parsed: the tests read fields of their own.)
async function triggerWhileLight(trigger: string, capture: (out: string) => Promise<CliResult>) {
  const out = join(tempDir(), 'cap');
  const running = capture(out);
  const deadline = Date.now() + 30_000;
  while (!notesSoFar(out).some((n) => n.includes('watched lightly')) && Date.now() < deadline) await sleep(200);
  const wentLight = notesSoFar(out).some((n) => n.includes('watched lightly'));
  writeFileSync(trigger, '');
  const r = await running;
  assert.ok(wentLight, `the capture never went light in 30 s: ${notesSoFar(out).join(' | ')}`);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(
    (report.watch as Epoch[]).map((e) => e.mode),
    ['precise', 'light', 'precise'],
    report.notes.join('\n'),
  );
  return { report, out };
}

/**
 * The leak starts while light: it must trip the wire, and be judged precisely — at the
 * function that allocates (`remember`), not a caller V8 had inlined it into while light
 * (`handle` or `tick`). `capture` starts `run` or `attach` with these options.
 */
async function leakStartsWhileLight(trigger: string, capture: (out: string) => Promise<CliResult>): Promise<void> {
  const { report } = await triggerWhileLight(trigger, capture);
  const watch = report.watch as Epoch[];
  // Light: 8× coarser and V8's inlining on; precise again: inlining off, every code deoptimized.
  assert.deepEqual(
    watch.map((e) => [e.interval, e.inliningOff]),
    [
      [4096, true],
      [32768, false],
      [4096, true],
    ],
  );
  assert.ok(report.notes.some((n: string) => /^from \d+ s, back to precise settings .* grew while watched lightly \(p /.test(n)));
  // Judged on the last stretch, past its own warm-up.
  const leak = report.leaks.find((l: { site: { file: string } | null }) => l.site?.file.endsWith('late-leak.cjs'));
  assert.ok(leak, JSON.stringify(report.leaks.map((l: { site: unknown }) => l.site)));
  assert.equal(leak.site.functionName, 'remember', JSON.stringify(report.leaks.map((l: { site: unknown }) => l.site)));
  assert.ok(
    leak.series.x.every((x: number) => x >= watch[2].judgedFromMs),
    `${leak.series.x} from ${watch[2].judgedFromMs}`,
  );
  assert.equal(report.samplingInterval, 4096);
}

const CAPTURE = ['--duration', '40s', '--holders', '0', '--no-end-snapshot', '--json'];

test('run --light-after: a program that starts leaking while watched lightly is found at the function that allocates, once watched precisely again', async () => {
  const trigger = join(tempDir(), 'leak-now');
  await leakStartsWhileLight(trigger, (out) =>
    runCli(['run', '--out', out, ...QUICK, ...LIGHT_AFTER, ...CAPTURE, '--', 'node', LATE_LEAK], {
      env: { LEAK_WHEN_FILE: trigger, SECONDS_TO_RUN: '90' },
      timeoutMs: 120_000,
    }),
  );
});

test('attach --light-after: the same in a program already running (inlining switched through the attach), which keeps running', async () => {
  const dir = tempDir();
  const trigger = join(dir, 'leak-now');
  const target = new LiveProcess(process.execPath, [LATE_LEAK], { env: { LEAK_WHEN_FILE: trigger, SECONDS_TO_RUN: '120' } });
  try {
    await leakStartsWhileLight(trigger, (out) =>
      runCli(['attach', String(target.child.pid), '--out', out, ...QUICK, ...LIGHT_AFTER, ...CAPTURE], { timeoutMs: 120_000 }),
    );
    assert.equal(target.child.exitCode, null, 'the program still runs after the detach');
  } finally {
    target.kill();
    await target.done;
  }
});

test('run --light-after: a worker thread that starts leaking while watched lightly trips the wire, and its leak is judged on the precise stretch after it', async () => {
  const trigger = join(tempDir(), 'leak-now');
  const { report } = await triggerWhileLight(trigger, (out) =>
    runCli(['run', '--out', out, ...QUICK, ...LIGHT_AFTER, ...CAPTURE, '--', 'node', fixture('live', 'worker-late-leak.cjs')], {
      env: { LEAK_WHEN_FILE: trigger, SECONDS_TO_RUN: '90' },
      timeoutMs: 120_000,
    }),
  );
  const watch = report.watch as Epoch[];
  // The main thread never grows: the worker's growth is what tripped the wire.
  assert.ok(
    report.notes.some((n: string) => /^from \d+ s, back to precise settings .*: .* in worker 1 grew while watched lightly \(p /.test(n)),
    report.notes.join('\n'),
  );
  const leak = report.leaks.find((l: { worker?: { id: string } }) => l.worker?.id === '1');
  assert.ok(leak, JSON.stringify(report.leaks.map((l: { site: unknown }) => l.site)));
  assert.equal(leak.site.functionName, 'remember', JSON.stringify(leak.site));
  // Judged on the worker's own last stretch (its sampler restarted at the switch), past its warm-up.
  assert.ok(
    leak.series.x.every((x: number) => x >= watch[2].fromMs + 3000),
    `${leak.series.x} from ${watch[2].fromMs}`,
  );
  assert.ok(
    report.notes.some((n: string) =>
      /^worker threads: 1 seen, .*measurements judged \(the stretch from \d+ s, a sample every 4 KiB/.test(n),
    ),
    report.notes.join('\n'),
  );
});

test('run --light-after: handles that start leaking while tracing is paused trip the wire (Node counts them), and are traced to the function again once precise', async () => {
  const trigger = join(tempDir(), 'leak-now');
  const { report, out } = await triggerWhileLight(trigger, (out) =>
    runCli(['run', '--out', out, ...QUICK, ...LIGHT_AFTER, ...CAPTURE, '--', 'node', LATE_LEAK], {
      env: { LEAK_WHEN_FILE: trigger, LEAK_KIND: 'timers', SECONDS_TO_RUN: '90' },
      timeoutMs: 120_000,
    }),
  );
  assert.ok(
    report.notes.some((n: string) => /watched lightly \(.*handles counted but not traced, the memory series every/.test(n)),
    report.notes.join('\n'),
  );
  const back = report.notes.find((n: string) => /^from \d+ s, back to precise settings/.test(n));
  assert.match(back, /handles traced again\): (Node's count of active resources|open Timeout handles) .*grew while watched lightly/);
  assert.match(back, /handles opened while watched lightly have no creation stack/);
  const leak = report.leaks.find((l: { kind: string }) => l.kind === 'handle');
  assert.ok(leak, JSON.stringify(report.leaks.map((l: { kind: string; site: unknown }) => [l.kind, l.site])));
  assert.equal(leak.resource, 'Timeout');
  // (Stack traces name it by its receiver too: Timeout.openTimer.) Line 16: its setInterval.
  assert.match(leak.userFrame.functionName, /(^|\.)openTimer$/, JSON.stringify(leak.stack));
  assert.equal(leak.userFrame.line, 16);
  // The capture folder says when tracing was off, for the HTML report's handle table.
  const lines = readFileSync(join(out, 'handles.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.filter((l) => l.kind === 'pause' || l.kind === 'resume').map((l) => l.kind),
    ['pause', 'resume'],
  );
});

test('run --light-after: a program that only makes garbage is watched lightly from the quiet time on, and stays so', async () => {
  const out = join(tempDir(), 'cap');
  const r = await runCli(
    [
      'run',
      '--out',
      out,
      ...QUICK,
      ...LIGHT_AFTER,
      '--duration',
      '24s',
      '--holders',
      '0',
      '--no-end-snapshot',
      '--json',
      '--',
      'node',
      LATE_LEAK,
    ],
    { env: { SECONDS_TO_RUN: '90' }, timeoutMs: 120_000 },
  );
  assert.equal(r.code, 0, r.stdout);
  const report = JSON.parse(r.stdout);
  const watch = report.watch as Epoch[];
  assert.deepEqual(
    watch.map((e) => e.mode),
    ['precise', 'light'],
    report.notes.join('\n'),
  );
  assert.ok(watch[1].fromMs >= 3000 + 4000, `light from ${watch[1].fromMs} ms: before 4 s were judged`);
  const note = report.notes.find((n: string) => n.includes('watched lightly'));
  assert.match(
    note,
    /^from \d+ s, watched lightly \(a sample every 32 KiB, V8's inlining on again, handles counted but not traced, the memory series every 2\.5 s while memory holds still\): nothing grew in the \d+ s judged before/,
  );
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.settings.samplingInterval, 32768);
  assert.equal(manifest.settings.inliningOff, false);
  // The memory series: a point every 500 ms while precise, every 2.5 s once light (its memory
  // holds still), until the end.
  const times = readFileSync(join(out, 'series.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).t as number);
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  assert.ok(median(gaps.slice(0, 8)) < 1000, `first gaps ${gaps.slice(0, 8)}`);
  assert.ok(median(gaps.slice(-3)) >= 2000, `last gaps ${gaps.slice(-3)}`);
});

test('run --light-after never: precise throughout; a value that is not a duration is a usage error', async () => {
  const bad = await runCli(['run', '--light-after', 'soon', '--', 'node', LATE_LEAK], { timeoutMs: 30_000 });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--light-after expects a duration such as 500ms, 5s or 2m, got 'soon'/);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  const out = join(tempDir(), 'cap');
  const r = await runCli(
    ['run', '--out', out, ...QUICK, '--light-after', 'never', '--duration', '12s', '--no-end-snapshot', '--json', '--', 'node', LATE_LEAK],
    { env: { SECONDS_TO_RUN: '90' }, timeoutMs: 120_000 },
  );
  assert.equal(r.code, 0, r.stdout);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(
    report.watch.map((e: Epoch) => e.mode),
    ['precise'],
  );
  assert.ok(!report.notes.some((n: string) => n.includes('watched lightly')));
});
