import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BufferReading, MIN_BUFFER_GROWTH, bufferGrowth } from '../../src/analysis/growth/buffer-growth.js';

const MiB = 1024 * 1024;
/** A reading every 2 s from 10 s, of `bytes(i)`. */
const readings = (n: number, bytes: (i: number) => number): BufferReading[] =>
  Array.from({ length: n }, (_, i) => ({ x: 10_000 + 2000 * i, arrayBuffers: bytes(i) }));

test('bufferGrowth: ArrayBuffer memory that keeps growing after full GCs is an external leak with no site, its rate per minute', () => {
  // 640 KiB a second (a 64 KiB Buffer kept ten times a second), on 2 MiB of Node's own.
  const leak = bufferGrowth(
    readings(12, (i) => 2 * MiB + i * 2 * 640 * 1024),
    0.5,
  );
  assert.ok(leak);
  assert.equal(leak.kind, 'external');
  assert.equal(leak.site, null);
  assert.deepEqual(leak.stack, []);
  assert.ok(leak.probability >= 0.9, String(leak.probability));
  assert.ok(Math.abs(leak.perMinute!.bytes - 640 * 1024 * 60) < 1024, String(leak.perMinute!.bytes));
  assert.match(
    leak.evidence,
    /^the program's ArrayBuffer memory \(Buffers' and typed arrays' bytes, outside the JavaScript heap\), after a full GC at each of 12 measurements: 2\.00 MiB → /,
  );
  assert.equal(leak.series!.bytes.length, 12);
});

test('bufferGrowth: a pool of buffers that fills and stops, growth under 1 MiB, and too few readings are not leaks', () => {
  // 64 buffers of 64 KiB taken one a reading until the pool is full (4 MiB), then reused.
  assert.equal(
    bufferGrowth(
      readings(16, (i) => 2 * MiB + Math.min(i, 5) * 800 * 1024),
      0.5,
    ),
    null,
  );
  // Steady, but under the least growth judged at all (Node's own pools and streams come and go).
  assert.equal(
    bufferGrowth(
      readings(12, (i) => 2 * MiB + i * ((MIN_BUFFER_GROWTH * 0.8) / 11)),
      0.5,
    ),
    null,
  );
  assert.equal(
    bufferGrowth(
      readings(3, (i) => 2 * MiB + i * 10 * MiB),
      0.5,
    ),
    null,
  );
});
