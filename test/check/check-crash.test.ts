import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixture, runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/write-snapshot.js';

test('a check process that crashes once is run again, and the report says so', async () => {
  const marker = join(tempDir(), 'crashed');
  const r = await runCli(['check', fixture('crash-once.cjs'), '--json', '--iterations', '200'], { env: { CRASH_ONCE_MARKER: marker } });
  assert.ok(existsSync(marker), 'the first check process did crash');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.match(report.tracking.note, /crashed \(SIGSEGV\) and the check was run again/);
});

test('a check process that crashes every time is an error, exit 2, one line', async () => {
  const r = await runCli(['check', fixture('crash-once.cjs'), '--json'], { env: { CRASH_ONCE_MARKER: 'always' } });
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /SIGSEGV/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});
