import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CaptureReader } from '../../src/capture-folder/reader.js';
import { CaptureWriter } from '../../src/capture-folder/writer.js';
import { InputError } from '../../src/errors.js';

function newCapture(): CaptureWriter {
  const dir = join(mkdtempSync(join(tmpdir(), 'lt-cap-')), 'cap');
  return CaptureWriter.create(dir, {
    kind: 'run',
    target: { command: ['node', 'app.js'], pid: 1, nodeVersion: 'v20.0.0', cwd: '/' },
    tracking: { startedAt: new Date().toISOString(), fromProcessStart: true, note: 'from process start' },
  });
}

test('a finished capture reads back whole, with no problems', () => {
  const w = newCapture();
  w.appendSample({ t: 1, rss: 10, heapUsed: 5, heapTotal: 6, external: 1, arrayBuffers: 0 });
  w.appendSample({ t: 2, rss: 12, heapUsed: 6, heapTotal: 6, external: 1, arrayBuffers: 0 });
  const snap = w.nextSnapshot('interval');
  writeFileSync(snap.partialPath, '{}');
  snap.commit();
  w.finish({ code: 0, signal: null });
  const r = CaptureReader.open(w.dir);
  assert.equal(r.manifest.kind, 'run');
  assert.deepEqual(
    r.series().map((s) => s.rss),
    [10, 12],
  );
  assert.equal(r.snapshots().length, 1);
  assert.match(r.snapshots()[0], /001-interval\.heapsnapshot$/);
  assert.equal(r.events()[0].type, 'snapshot');
  assert.deepEqual(r.problems, []);
});

test('a capture cut short is read with its problems stated', () => {
  const w = newCapture();
  w.appendSample({ t: 1, rss: 10, heapUsed: 5, heapTotal: 6, external: 1, arrayBuffers: 0 });
  const snap = w.nextSnapshot('exit');
  writeFileSync(snap.partialPath, '{"snapshot":');
  w.close();
  appendFileSync(join(w.dir, 'series.jsonl'), '{"t":2,"rss":1');
  const r = CaptureReader.open(w.dir);
  assert.equal(r.series().length, 1);
  assert.equal(r.snapshots().length, 0);
  assert.equal(r.problems.length, 3, r.problems.join('\n'));
  assert.match(r.problems.join('\n'), /cut short/);
  assert.match(r.problems.join('\n'), /half-written/);
});

test('a folder that is not a capture is a one-line input error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lt-notcap-'));
  assert.throws(
    () => CaptureReader.open(dir),
    (e: unknown) => e instanceof InputError && /not a capture folder/.test(e.message),
  );
  assert.throws(() => CaptureReader.open(join(dir, 'missing')), InputError);
});
