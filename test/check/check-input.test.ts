import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixture, runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/write-snapshot.js';

test('check: bad modules and failing operations are one-line errors with exit code 2', async () => {
  const dir = tempDir();
  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const cases: [string[], RegExp][] = [
    [['check', join(dir, 'missing.js')], /missing\.js: no such file/],
    [['check', write('no-default.mjs', 'export const x = 1;\n')], /the default export must be a function/],
    [['check', write('throws-on-load.cjs', "throw new Error('boom at load');\n")], /loading the module failed: boom at load/],
    [['check', write('op-throws.cjs', "module.exports = () => { throw new Error('op failed'); };\n")], /the operation threw: op failed/],
    [
      ['check', write('setup-throws.cjs', "module.exports = () => {}; module.exports.setup = () => { throw new Error('no db'); };\n")],
      /setup\(\) threw: no db/,
    ],
    [['check', write('hangs.cjs', 'module.exports = () => new Promise(() => {});\n'), '--timeout', '1s'], /did not finish within 1 s/],
    [
      ['check', write('exits.cjs', 'module.exports = () => process.exit(3);\n')],
      /ended the process before the check finished \(exit code 3\)/,
    ],
    [['check', write('op.ts', 'export default function op(): void {}\n')], /TypeScript module needs tsx/],
    [['check', write('ok.cjs', 'module.exports = () => {};\n'), '--threshold', '2'], /--threshold must be a probability/],
    [['check', write('ok2.cjs', 'module.exports = () => {};\n'), '--iterations', 'many'], /--iterations expects a whole number/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args, { timeoutMs: 120_000 });
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${args.join(' ')}: no stack trace`);
  }
});

test('check --json prints exactly one JSON document on stdout, even when the operation logs', async () => {
  const dir = tempDir();
  const file = join(dir, 'noisy.cjs');
  writeFileSync(file, "let n = 0; module.exports = () => { if (n++ % 1000 === 0) console.log('operation says hi'); };\n");
  const r = await runCli(['check', file, '--json', '--iterations', '200']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.leaks.length, 0);
  assert.equal(report.iterations >= 200, true);
  assert.match(r.stderr, /operation says hi/);
});

test('check --mode: exact records every allocation, sampling one per 32 KiB — and the headline says which', async () => {
  const leaky = fixture('leaks', 'unbounded-map.cjs');
  const sampled = await runCli(['check', leaky, '--mode', 'sampling', '--iterations', '20000']);
  assert.equal(sampled.code, 1, sampled.stderr);
  assert.match(sampled.stdout, /^leaktrace check .*\(sampling heap profiler, one sample per 32,768 bytes\)/);
  assert.match(sampled.stdout, /openSession/);
  const exact = await runCli(['check', leaky, '--mode', 'exact', '--iterations', '2000', '--json']);
  assert.equal(exact.code, 1, exact.stderr);
  assert.equal(JSON.parse(exact.stdout).samplingInterval, 1);
  const bad = await runCli(['check', leaky, '--mode', 'approximate']);
  assert.equal(bad.code, 2);
});
