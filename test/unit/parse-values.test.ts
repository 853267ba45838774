import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCount, parseDuration, parseSize } from '../../src/cli/parse-values.js';
import { UsageError } from '../../src/errors.js';

test('sizes, durations and counts parse, and bad values are usage errors', () => {
  assert.equal(parseSize('x', '4096'), 4096);
  assert.equal(parseSize('x', '64k'), 65536);
  assert.equal(parseSize('x', '10MB'), 10 * 1024 * 1024);
  assert.equal(parseDuration('x', '500ms'), 500);
  assert.equal(parseDuration('x', '5s'), 5000);
  assert.equal(parseDuration('x', '2m'), 120000);
  assert.equal(parseCount('n', '12'), 12);
  assert.throws(
    () => parseSize('min-size', 'lots'),
    (e: unknown) => e instanceof UsageError && /--min-size/.test(e.message),
  );
  assert.throws(() => parseDuration('every', '5 parsecs'), UsageError);
  assert.throws(() => parseCount('n', '-1'), UsageError);
});
