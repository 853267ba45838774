import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pngStats, ReportBrowser } from '../helpers/browser.js';
import { type CliResult, fixture, runCli } from '../helpers/run-cli.js';

// HTML reports of real `leaktrace check` runs, opened in Debian's Chromium as a person would.
// The leaky operation sits in a folder whose name is markup, so the run's own data (paths in
// every frame) tries to inject HTML into the report.
const HOSTILE = `op<img src=x onerror=alert(1)>"'&<b>`;

let browser: ReportBrowser;
let dir: string;
let leaky: CliResult & { html: string; json: string };
let clean: CliResult & { html: string };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leaktrace-html-check-'));
  const opDir = join(dir, HOSTILE);
  mkdirSync(opDir);
  copyFileSync(fixture('report', 'leaky-op.cjs'), join(opDir, 'leaky-op.cjs'));
  const leakyHtml = join(dir, 'leaky.html');
  const cleanHtml = join(dir, 'clean.html');
  const [b, l] = await Promise.all([
    ReportBrowser.launch(),
    runCli(['check', join(opDir, 'leaky-op.cjs'), '--html', leakyHtml, '--json'], { timeoutMs: 120_000 }),
  ]);
  browser = b;
  const json = join(dir, 'leaky-check.json');
  writeFileSync(json, l.stdout);
  leaky = { ...l, html: leakyHtml, json };
  clean = {
    ...(await runCli(['check', fixture('clean', 'garbage-only.cjs'), '--html', cleanHtml], { timeoutMs: 120_000 })),
    html: cleanHtml,
  };
});

after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('check --html on a leaky operation: the suspect is named, nothing loads, nothing breaks', async () => {
  assert.equal(leaky.code, 1, leaky.stderr);
  assert.ok(existsSync(leaky.html));
  const { page, errors, requests } = await browser.open(leaky.html);
  try {
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
    assert.match((await page.textContent('#verdict')) ?? '', /1 leak suspect.*rememberRequest/);
    assert.equal(await page.getAttribute('#verdict', 'class'), 'verdict verdict-leak');
    const firstRow = (await page.textContent('table[data-table="suspect"] tbody tr:first-child')) ?? '';
    assert.match(firstRow, /rememberRequest/);
    assert.match(firstRow, /leaky-op\.cjs:\d+/);
    // What the kept objects are, from the holders snapshot, where it showed them (the
    // allocation tracker may attribute too few of them to tell: then no line).
    const fields = (await page.textContent('#suspect-1 dl.fields')) ?? '';
    const first = JSON.parse(leaky.stdout).leaks[0];
    if (first.shape) assert.match(fields, new RegExp(`made of\\s*${first.shape.className === 'Object' ? 'objects with keys ' : ''}`));
    else assert.doesNotMatch(fields, /made of/);
    // The module-level Map that keeps them, a variable of the user's code on the holders path
    // (its file's folder name is markup: shown as text).
    assert.equal(first.keptIn?.variable, 'remembered', first.evidence);
    assert.ok(fields.includes(`kept in${first.keptIn.expression} (${first.keptIn.file}:4)`), fields);
    // The user's own frame is highlighted in the full stack.
    assert.match((await page.textContent('#suspect-1 ol.stack li.frame.user')) ?? '', /rememberRequest/);
    // Memory chart, the suspect's series chart and the growth bars are drawn (canvas by uPlot).
    assert.ok(Number(await page.getAttribute('html', 'data-charts-drawn')) >= 3);
    assert.ok((await page.locator('[data-chart="memory-bytes"] canvas').count()) === 1);
    assert.ok((await page.locator('#suspect-1 [data-chart="suspect"] canvas').count()) === 1);
    const shot = join(dir, 'leaky.png');
    await page.screenshot({ path: shot, fullPage: true });
    const s = pngStats(shot);
    assert.ok(s.variance > 200, `screenshot variance ${s.variance.toFixed(0)}`);
    assert.ok(s.inked > 0.03, `only ${(s.inked * 100).toFixed(1)}% of the screenshot is not white`);
  } finally {
    await page.close();
  }
});

test('the run’s own data cannot inject markup into the report', async () => {
  const html = readFileSync(leaky.html, 'utf8');
  assert.ok(!html.includes('<img src=x'), 'the folder name appears unescaped');
  const { page, errors } = await browser.open(leaky.html);
  try {
    assert.deepEqual(errors, []);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.locator('main b').count(), 0);
    // ...and it is shown as the text it is.
    assert.ok(((await page.textContent('#suspect-1 ol.stack')) ?? '').includes(HOSTILE));
  } finally {
    await page.close();
  }
});

test('check --html on a clean operation: a clean verdict and no suspect', async () => {
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  const { page, errors, requests } = await browser.open(clean.html);
  try {
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
    assert.equal(await page.getAttribute('#verdict', 'class'), 'verdict verdict-clean');
    assert.match((await page.textContent('#verdict')) ?? '', /No leak found/);
    assert.equal(await page.locator('table[data-table="suspect"] tbody tr').count(), 0);
    assert.ok((await page.locator('[data-chart="memory-bytes"] canvas').count()) === 1);
  } finally {
    await page.close();
  }
});

test('report on a saved `check --json`: the same verdict, exit 1; printable', async () => {
  const out = join(dir, 'from-json.html');
  const r = await runCli(['report', leaky.json, '-o', out]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /rememberRequest/);
  const { page, errors } = await browser.open(out, { width: 1024, height: 768 });
  try {
    assert.deepEqual(errors, []);
    assert.match((await page.textContent('table[data-table="suspect"]')) ?? '', /rememberRequest/);
    // Print layout: navigation hidden, and a PDF with the report's text comes out.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('nav').isVisible(), false);
    const pdf = await page.pdf({ format: 'A4' });
    assert.ok(pdf.length > 20_000, `PDF of ${pdf.length} bytes`);
  } finally {
    await page.close();
  }
});

test('report on a JSON that is not a check report, or cut short: one line, exit 2', async () => {
  const cut = join(dir, 'cut.json');
  writeFileSync(cut, readFileSync(leaky.json, 'utf8').slice(0, 500));
  const other = join(dir, 'other.json');
  writeFileSync(other, JSON.stringify({ hello: 'world' }));
  for (const [file, pattern] of [
    [cut, /not valid JSON.*complete/],
    [other, /not a leaktrace check report/],
  ] as const) {
    const r = await runCli(['report', file, '-o', join(dir, 'x.html')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.ok(!existsSync(join(dir, 'x.html')));
});
