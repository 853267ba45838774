import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ReportBrowser } from '../helpers/browser.js';
import { REPO_ROOT, runCli, runProcess } from '../helpers/run-cli.js';

// Reports of plain .heapsnapshot files: README's leaky example writes three snapshots of
// itself with allocation tracking on.
let browser: ReportBrowser;
let dir: string;
const snap = (n: number): string => join(dir, `example-${n}.heapsnapshot`);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leaktrace-html-snap-'));
  const [b, r] = await Promise.all([
    ReportBrowser.launch(),
    runProcess(process.execPath, ['--track-heap-objects', '--no-turbo-inlining', join(REPO_ROOT, 'examples', 'leaky-snapshots.cjs')], {
      cwd: dir,
    }),
  ]);
  browser = b;
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('three snapshots: leak candidates with their site and retainer path; the icicle of allocation stacks', async () => {
  const out = join(dir, 'three.html');
  const r = await runCli(['report', snap(1), snap(2), snap(3), '-o', out]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const { page, errors, requests } = await browser.open(out);
  try {
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
    assert.equal(await page.getAttribute('#verdict', 'class'), 'verdict verdict-leak');
    const candidates = (await page.textContent('#candidates')) ?? '';
    assert.match(candidates, /handleRequest/);
    assert.match(candidates, /recentRequests/);
    assert.match((await page.textContent('#breakdown')) ?? '', /handleRequest/);
    assert.equal(await page.locator('[data-chart="flame"] canvas').count(), 1);
    assert.ok(Number(await page.getAttribute('html', 'data-charts-drawn')) >= 3);
  } finally {
    await page.close();
  }
});

test('one snapshot: a summary, exit 0; two: a diff', async () => {
  const one = await runCli(['report', snap(3), '-o', join(dir, 'one.html'), '--json']);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(JSON.parse(one.stdout).verdict.level, 'unknown');
  assert.match(readFileSync(join(dir, 'one.html'), 'utf8'), /Top constructors by retained size/);
  const two = await runCli(['report', snap(1), snap(2), '-o', join(dir, 'two.html')]);
  assert.equal(two.code, 0, two.stderr);
  const { page, errors } = await browser.open(join(dir, 'two.html'));
  try {
    assert.deepEqual(errors, []);
    assert.match((await page.textContent('#diff')) ?? '', /Object/);
  } finally {
    await page.close();
  }
});

test('a snapshot cut in half: one line and exit 2 alone; listed as missing beside good ones', async () => {
  const half = join(dir, 'half.heapsnapshot');
  const whole = readFileSync(snap(2));
  writeFileSync(half, whole.subarray(0, whole.length >> 1));
  const alone = await runCli(['report', half, '-o', join(dir, 'half.html')]);
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /half\.heapsnapshot/);
  assert.equal(alone.stderr.trim().split('\n').length, 1, alone.stderr);

  const out = join(dir, 'mixed.html');
  const mixed = await runCli(['report', snap(1), half, snap(3), '-o', out]);
  assert.equal(mixed.code, 0, mixed.stderr);
  assert.match(mixed.stdout, /missing: second snapshot: .*half\.heapsnapshot/);
  assert.ok(statSync(out).size > 10_000);
  const { page, errors } = await browser.open(out);
  try {
    assert.deepEqual(errors, []);
    assert.match((await page.textContent('#verdict')) ?? '', /Only 2 of 3 snapshots could be read/);
  } finally {
    await page.close();
  }
});
