import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectionLimitNote } from '../../src/capture/live/live-capture.js';

test('detectionLimitNote: the smallest steady leak a capture could see, from its interval and judged time', () => {
  // 8 samples of 32 KiB over 40 s: 6.4 KiB/s.
  assert.match(detectionLimitNote(32 * 1024, 40_000), /over the 40 s judged, a steady leak under ~6\.40 KiB\/s \(384 KiB\/min\)/);
  // Ten times longer, four times coarser: 2.5 times smaller.
  assert.match(detectionLimitNote(128 * 1024, 400_000), /under ~2\.56 KiB\/s/);
});
