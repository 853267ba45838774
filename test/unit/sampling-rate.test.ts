import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InProcessSession } from '../../src/capture/inspector/in-process-session.js';
import type { SamplingProfile } from '../../src/capture/heap/sampling-sampler.js';
import {
  chooseSamplingInterval,
  describeSamplingChange,
  dropSampleMarker,
  describeSamplingKept,
  MAX_ADAPTED_INTERVAL,
  MIN_ADAPTED_INTERVAL,
  placeSampleMarker,
  samplesTaken,
} from '../../src/capture/live/sampling-rate.js';

test('the interval is doubled until the sampler’s estimated cost fits 2 % of the CPU, at most to 128 KiB', () => {
  // The bench's HTTP server: ~12,500 samples per CPU-second at 32 KiB, ~7.5 % at 6 µs each.
  const busy = chooseSamplingInterval(32768, 12_500, 1000);
  assert.equal(busy.interval, 131072);
  assert.ok(Math.abs(busy.estimatedShare - 0.075) < 1e-9 && Math.abs(busy.estimatedShareAfter - 0.01875) < 1e-9, JSON.stringify(busy));
  // 5,000 per CPU-second (3 %): one doubling is enough.
  assert.equal(chooseSamplingInterval(32768, 5000, 1000).interval, 65536);
  // Heavy garbage: 25,000 per CPU-second would need 256 KiB for 2 %; never coarser than 128 KiB.
  const heavy = chooseSamplingInterval(32768, 50_000, 2000);
  assert.equal(heavy.interval, MAX_ADAPTED_INTERVAL);
  assert.ok(heavy.estimatedShareAfter > 0.02);
  // No CPU time seen: unchanged.
  assert.equal(chooseSamplingInterval(32768, 300, 0).interval, 32768);
  // The default's adaptation never coarsens, however costly.
  assert.equal(chooseSamplingInterval(32768, 12_500, 1000, 'finer').interval, 32768);
  const note = describeSamplingChange(busy, 10_200);
  assert.match(
    note,
    /^sampled every 128 KiB from 10 s, not 32 KiB: the program took 12,500 samples per second of its CPU at 32 KiB, an estimated 7\.5 %/,
  );
  assert.match(note, /allocation sites count only objects allocated since then/);
});

test('samplesTaken: the marker’s ordinal, else the newest live sample’s, else null', () => {
  const head = { callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 }, selfSize: 0, id: 1, children: [] };
  const marker = 16 + 8 * (32768 + 1);
  const withMarker: SamplingProfile = {
    head,
    samples: [
      { size: 40, nodeId: 1, ordinal: 900 },
      { size: marker, nodeId: 1, ordinal: 700 },
    ],
  };
  assert.equal(samplesTaken(withMarker, 32768), 700);
  const without: SamplingProfile = {
    head,
    samples: [
      { size: 40, nodeId: 1, ordinal: 12 },
      { size: 64, nodeId: 1, ordinal: 31 },
    ],
  };
  assert.equal(samplesTaken(without, 32768), 31);
  assert.equal(samplesTaken({ head, samples: [] }, 32768), null);
});

test('the marker is sampled by this Node’s V8 with the size samplesTaken looks for, and gives the count so far', async () => {
  const session = new InProcessSession();
  await session.post('HeapProfiler.enable');
  const interval = 16384;
  await session.post('HeapProfiler.startSampling', { samplingInterval: interval });
  const kept: object[] = [];
  try {
    for (let i = 0; i < 200_000; i++) kept.push({ i, s: `item ${i}` }); // ~20 MB: hundreds of samples
    await placeSampleMarker(session, interval);
    const { profile } = await session.post<{ profile: SamplingProfile }>('HeapProfiler.getSamplingProfile');
    const markerSample = profile.samples!.find((s) => s.size === 16 + 8 * (interval + 1));
    assert.ok(markerSample, `no sample of the marker's size among ${profile.samples!.length}`);
    const taken = samplesTaken(profile, interval)!;
    assert.equal(taken, markerSample.ordinal);
    // The objects kept above are still live and were all sampled before the marker.
    const older = profile.samples!.filter((s) => s.ordinal < taken).length;
    assert.ok(older >= 100 && taken >= older, `ordinal ${taken}, ${older} live samples before it`);
  } finally {
    kept.length = 0; // held until here, so that they were live at the read
    await dropSampleMarker(session);
    await session.post('HeapProfiler.stopSampling');
    await session.close();
  }
});

test('a quiet program is sampled finer, while the finer sampler’s estimated cost stays within 2 % of its CPU, at most to 8 KiB', () => {
  // 300 samples per CPU-second at 32 KiB: 0.18 %; 8 KiB (4×) is 0.72 %, and no finer than that.
  const quiet = chooseSamplingInterval(32768, 300, 1000, 'finer');
  assert.equal(quiet.interval, MIN_ADAPTED_INTERVAL);
  assert.ok(Math.abs(quiet.estimatedShareAfter - 0.0072) < 1e-9, JSON.stringify(quiet));
  // 1,500 per CPU-second (0.9 %): 16 KiB costs 1.8 %, 8 KiB would cost 3.6 %.
  assert.equal(chooseSamplingInterval(32768, 1500, 1000, 'finer').interval, 16384);
  assert.equal(chooseSamplingInterval(32768, 1500, 1000, 'both').interval, 16384);
  // 2,000 per CPU-second (1.2 %): 16 KiB would cost 2.4 %, so 32 KiB is kept.
  const kept = chooseSamplingInterval(32768, 2000, 1000, 'finer');
  assert.equal(kept.interval, 32768);
  assert.match(
    describeSamplingKept(kept, undefined, 'finer'),
    /^sampled every 32 KiB throughout: .*1\.2 % .*a finer one would cost over the 2 % budget$/,
  );
  const note = describeSamplingChange(quiet, 10_200);
  assert.match(note, /^sampled every 8 KiB from 10 s, not 32 KiB: .*0\.2 % .*\(~0\.7 % now, within the 2 % budget\)/);
  assert.match(note, /a small leak earns samples 4× faster/);
});

test('chooseSamplingInterval: a cost under 0.1 % of one core counts as nothing, whatever its share of a quiet program’s CPU', () => {
  // 1,120 samples per CPU-second at 32 KiB (a CI run): 8 KiB would be ~2.7 % of the program's
  // CPU, over the 2 % budget — but the program took 4.5 samples a second, ~0.01 % of a core at 8 KiB.
  const quiet = chooseSamplingInterval(32768, 45, 40, 'finer', 10_000);
  assert.equal(quiet.interval, 8192);
  assert.ok(quiet.estimatedShareAfter > 0.02);
  assert.ok(quiet.wallShareAfter! < 0.001);
  assert.match(describeSamplingChange(quiet, 3000), /over the 2 % budget of its CPU but ~0\.01 % of one core's time, under the 0\.1 %/);
  // Without the wall time, as before: 16 KiB only.
  assert.equal(chooseSamplingInterval(32768, 45, 40, 'finer').interval, 16384);
  // A busy program is not spared by the floor: 12,500 samples a second is ~7.5 % of a core.
  assert.equal(chooseSamplingInterval(32768, 12_500, 1000, 'both', 1000).interval, 131072);
});
