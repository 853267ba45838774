import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectionLimitNote } from '../../src/capture/live/live-capture.js';
import { renderLeakReport } from '../../src/report/leak-text.js';

test('detectionLimitNote: the smallest steady leak a capture could see, from its interval and judged time', () => {
  // 8 samples of 32 KiB over 40 s: 6.4 KiB/s.
  assert.match(detectionLimitNote(32 * 1024, 40_000), /over the 40 s judged, a steady leak under ~6\.40 KiB\/s \(384 KiB\/min\)/);
  // Ten times longer, four times coarser: 2.5 times smaller.
  assert.match(detectionLimitNote(128 * 1024, 400_000), /under ~2\.56 KiB\/s/);
  // Not a promise: a leak split over sites counts at each by its share (blind red-team: 3.8 KiB/s over two packages' sites, missed at a 3.2 KiB/s floor).
  assert.match(detectionLimitNote(32 * 1024, 80_000), /a floor, not a promise: .* counts at each site by that site's share/);
});

test('a clean verdict of a live capture says how long the stretch judged was and what it could miss', () => {
  const text = renderLeakReport({
    headline: 'h',
    leaks: [],
    judged: { fromMs: 10_000, toMs: 15_200, measurements: 4, unseenBelowBytesPerSecond: 51_200 },
  });
  assert.match(
    text,
    /^No leak found in the 5\.2s judged \(4 measurements after the warm-up\): no allocation site or handle kept growing; a steady leak under ~50\.0 KiB\/s could go unseen in that time — a longer capture sees smaller ones\.$/m,
  );
  // check's verdict (no judged stretch) is as before.
  assert.match(renderLeakReport({ headline: 'h', leaks: [] }), /^No leak found: no allocation site or handle kept growing/m);
});

test('detectionLimitNote: a sampler made finer since the capture began keeps the least growth judged at that interval', () => {
  // 8 KiB over 80 s: 8 samples is 64 KiB, but the least growth judged is 4 samples at 32 KiB.
  const note = detectionLimitNote(8 * 1024, 80_000, 32 * 1024);
  assert.match(
    note,
    /a sample every 8\.00 KiB over the 80 s judged, a steady leak under ~1\.60 KiB\/s \(96\.0 KiB\/min\) grows less than 128 KiB, the least growth judged/,
  );
  // Where 8 samples is more than the floor, the note is as before.
  assert.match(detectionLimitNote(32 * 1024, 40_000, 32 * 1024), /under ~6\.40 KiB\/s \(384 KiB\/min\) earns fewer than 8 samples/);
});
