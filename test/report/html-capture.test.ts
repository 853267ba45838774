import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeHtmlReport } from '../../src/report/html/write-html-report.js';
import { pngStats, ReportBrowser } from '../helpers/browser.js';
import { fixture, runCli, runProcess } from '../helpers/run-cli.js';

// Reports of capture folders written by a real program that captures itself with the pieces
// `leaktrace run` is built from (CaptureWriter, the sampling heap profiler, streamed
// snapshots, the leak finder's scoring): a leaky run, a clean run, and one killed mid-capture.
let browser: ReportBrowser;
let dir: string;
const capture = (name: string): string => join(dir, name);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leaktrace-html-capture-'));
  const program = fixture('report', 'capture-program.mjs');
  const [b, leaky, clean, crashed, handles, closed] = await Promise.all([
    ReportBrowser.launch(),
    // --no-turbo-inlining: V8 records an inlined function's allocations under its caller.
    // --max-opt=1 (as `leaktrace check` runs operations): code that optimizing tiers compile
    // mid-capture is heap that grows under the hot function and once made a clean run look
    // leaky on a slow CI machine.
    runProcess(process.execPath, ['--no-turbo-inlining', '--max-opt=1', program, capture('leaky'), 'leaky']),
    runProcess(process.execPath, ['--no-turbo-inlining', '--max-opt=1', program, capture('clean'), 'clean']),
    runProcess(process.execPath, ['--no-turbo-inlining', '--max-opt=1', program, capture('crashed'), 'leaky', '--crash']),
    // Handle captures from `leaktrace handles`: a program that leaves sockets, timers, a
    // watcher... open at exit, and its twin that closes them.
    runCli(['handles', '--capture', capture('handles'), '--', process.execPath, fixture('handles', 'leaky.js'), 'timer,socket,fd', 'exit']),
    runCli(['handles', '--capture', capture('closed'), '--', process.execPath, fixture('handles', 'clean.js')]),
  ]);
  browser = b;
  assert.equal(leaky.code, 0, leaky.stderr);
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(crashed.code, null, 'the crashing capture is killed by SIGKILL');
  assert.equal(handles.code, 0, handles.stderr);
  assert.equal(closed.code, 0, closed.stderr);
});

after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a leaky capture: verdict, suspect, memory chart with snapshot marks, icicle, facts', async () => {
  const out = join(dir, 'leaky.html');
  const r = await runCli(['report', capture('leaky'), '-o', out]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const { page, errors, requests } = await browser.open(out);
  try {
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
    assert.match((await page.textContent('#verdict')) ?? '', /leak suspect.*per minute.*retainSession/);
    assert.match((await page.textContent('table[data-table="suspect"] tbody tr:first-child')) ?? '', /retainSession/);
    assert.match((await page.textContent('table[data-table="suspect"]')) ?? '', /\/ minute/);
    assert.match((await page.textContent('#memory')) ?? '', /2 heap snapshot\(s\) and 1 rule/);
    assert.equal(await page.locator('[data-chart="memory-bytes"] canvas').count(), 1);
    // Handles and descriptors were sampled: their own chart.
    assert.equal(await page.locator('[data-chart="memory-count"] canvas').count(), 1);
    // The icicle drew its canvas with something on it.
    // (a string: the test is compiled without the DOM library)
    const inked = (await page.evaluate(`(() => {
      const c = document.querySelector('[data-chart="flame"] canvas');
      const px = c.getContext('2d').getImageData(0, 0, c.width, Math.min(c.height, 200)).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && px[i] + px[i + 1] + px[i + 2] < 700) n++;
      return n;
    })()`)) as number;
    assert.ok(inked > 1000, `icicle has ${inked} inked pixels`);
    const facts = (await page.textContent('#facts')) ?? '';
    assert.ok(facts.includes(process.version), 'the Node version is a fact');
    assert.match(facts, /Tracking began.*with the process/);
    assert.match(facts, /Rules fired\s*growth \(1×\)/);
    assert.match((await page.textContent('#snapshots')) ?? '', /001-interval\.heapsnapshot.*002-growth\.heapsnapshot/s);
    const shot = join(dir, 'leaky.png');
    await page.screenshot({ path: shot, fullPage: true });
    const s = pngStats(shot);
    assert.ok(s.variance > 200 && s.inked > 0.03, `screenshot variance ${s.variance.toFixed(0)}, inked ${s.inked.toFixed(3)}`);
  } finally {
    await page.close();
  }
});

test('a clean capture: a clean verdict, exit 0', async () => {
  const out = join(dir, 'clean.html');
  const r = await runCli(['report', capture('clean'), '-o', out]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const { page, errors } = await browser.open(out);
  try {
    assert.deepEqual(errors, []);
    assert.equal(await page.getAttribute('#verdict', 'class'), 'verdict verdict-clean');
    assert.equal(await page.locator('table[data-table="suspect"] tbody tr').count(), 0);
  } finally {
    await page.close();
  }
});

test('a capture killed mid-snapshot, with a cut-off series line: a report of what is there, what is missing stated', async () => {
  const dead = capture('crashed');
  appendFileSync(join(dead, 'series.jsonl'), '{"t":17000000,"rss":12');
  const out = join(dir, 'crashed.html');
  const r = await runCli(['report', dead, '-o', out]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /missing: .*cut short/);
  const { page, errors } = await browser.open(out);
  try {
    assert.deepEqual(errors, []);
    const missing = (await page.textContent('#missing')) ?? '';
    assert.match(missing, /no end time/);
    assert.match(missing, /002-signal\.heapsnapshot\.partial: half-written snapshot/);
    assert.match(missing, /series\.jsonl: 1 line\(s\) could not be read/);
    // What was captured before the crash is still shown.
    assert.equal(await page.locator('[data-chart="memory-bytes"] canvas').count(), 1);
    assert.match((await page.textContent('#verdict')) ?? '', /No leak analysis in this capture/);
  } finally {
    await page.close();
  }
});

test('a capture without its manifest is salvaged; a folder that is no capture is a one-line error', async () => {
  const noManifest = join(dir, 'no-manifest');
  cpSync(capture('leaky'), noManifest, { recursive: true });
  unlinkSync(join(noManifest, 'manifest.json'));
  const result = await writeHtmlReport(noManifest, join(dir, 'no-manifest.html'));
  assert.equal(result.verdict.level, 'leak');
  assert.match(result.problems.join('\n'), /no manifest\.json.*Node version and tracking start are unknown/);
  assert.match(readFileSync(join(dir, 'no-manifest.html'), 'utf8'), /retainSession/);

  const damaged = join(dir, 'damaged');
  cpSync(capture('clean'), damaged, { recursive: true });
  writeFileSync(join(damaged, 'manifest.json'), '{"format": "leaktrace-capt');
  const d = await runCli(['report', damaged, '-o', join(dir, 'damaged.html')]);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /missing: manifest\.json: damaged/);

  const empty = join(dir, 'empty');
  mkdirSync(empty);
  writeFileSync(join(empty, 'notes.txt'), 'hello');
  const e = await runCli(['report', empty, '-o', join(dir, 'empty.html')]);
  assert.equal(e.code, 2);
  assert.match(e.stderr, /not a capture folder/);
  assert.equal(e.stderr.trim().split('\n').length, 1, e.stderr);
});

test('a handles capture: the handle table with types, counts, what keeps it running and creation stacks', async () => {
  const out = join(dir, 'handles.html');
  const r = await runCli(['report', capture('handles'), '-o', out]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const { page, errors, requests } = await browser.open(out);
  try {
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
    assert.match((await page.textContent('#verdict')) ?? '', /handle\(s\) still open when the traced processes exited/);
    const rows = await page.locator('table[data-table="handles"] tr.handle-row').allTextContents();
    const row = (fn: string): string => rows.find((t) => t.includes(fn)) ?? '';
    assert.match(row('leakTimer'), /^Timeout\s*1\s*1\s*0/);
    assert.match(row('leakSocket'), /^TCPWRAP\s*1\s*1/);
    assert.match(row('leakFd'), /^fd\s*1\s*0/);
    // The creation stack: the user's line highlighted.
    assert.ok((await page.locator('table[data-table="handles"] li.frame.user .fn', { hasText: 'leakTimer' }).count()) >= 1);
    assert.equal(await page.locator('#suspects').count(), 0, 'no leak finder ran: no suspects section');
  } finally {
    await page.close();
  }
  const clean = await runCli(['report', capture('closed'), '-o', join(dir, 'closed.html'), '--json']);
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  assert.equal(JSON.parse(clean.stdout).verdict.level, 'clean');
});
