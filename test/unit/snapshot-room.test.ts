import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import {
  describeSkippedSnapshot,
  estimateSnapshotCost,
  judgeSnapshotRoom,
  largestHeapThatFits,
  readMemoryRoom,
  readRss,
  snapshotRoomFor,
  type SystemRoots,
} from '../../src/capture/live/snapshot-room.js';

const MiB = 1024 * 1024;
const PID = 4242;

/** A /proc and a /sys/fs/cgroup of our own, as files in a temporary folder. */
function fakeSystem(files: Record<string, string>): { roots: SystemRoots; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'leaktrace-room-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { roots: { proc: join(dir, 'proc'), cgroup: join(dir, 'cgroup') }, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('the machine: MemAvailable when no cgroup limits the target', () => {
  const sys = fakeSystem({
    'proc/meminfo': 'MemTotal:       24000000 kB\nMemFree:        1000 kB\nMemAvailable:   2048000 kB\n',
    [`proc/${PID}/cgroup`]: '0::/user.slice/app.service\n',
    'cgroup/user.slice/app.service/memory.max': 'max\n',
    'cgroup/user.slice/app.service/memory.current': '104857600\n',
    [`proc/${PID}/status`]: 'Name:\tnode\nVmRSS:\t   61440 kB\n',
  });
  try {
    assert.deepEqual(readMemoryRoom(PID, sys.roots), { bytes: 2048000 * 1024, where: 'the machine' });
    assert.equal(readRss(PID, sys.roots), 60 * MiB);
  } finally {
    sys.done();
  }
});

test('cgroup v2: the tightest limit on the path up to the root, reclaimable page cache not counted', () => {
  const sys = fakeSystem({
    'proc/meminfo': 'MemAvailable:   20000000 kB\n',
    [`proc/${PID}/cgroup`]: '0::/kubepods/pod1/ctr\n',
    // The container itself has no limit; its pod has 512 MiB, of which 400 MiB used, 100 of them
    // inactive page cache.
    'cgroup/kubepods/pod1/ctr/memory.max': 'max\n',
    'cgroup/kubepods/pod1/ctr/memory.current': `${300 * MiB}\n`,
    'cgroup/kubepods/pod1/memory.max': `${512 * MiB}\n`,
    'cgroup/kubepods/pod1/memory.current': `${400 * MiB}\n`,
    'cgroup/kubepods/pod1/memory.stat': `anon ${300 * MiB}\ninactive_file ${100 * MiB}\nactive_file 0\n`,
    'cgroup/kubepods/memory.max': `${64 * 1024 * MiB}\n`,
    'cgroup/kubepods/memory.current': `${1024 * MiB}\n`,
  });
  try {
    const room = readMemoryRoom(PID, sys.roots)!;
    assert.equal(room.bytes, 212 * MiB);
    assert.match(room.where, /its cgroup \(limit 512(\.0)? MiB\)/);
  } finally {
    sys.done();
  }
});

test('cgroup v1: the memory controller line; "no limit" is ignored', () => {
  const sys = fakeSystem({
    'proc/meminfo': 'MemAvailable:   20000000 kB\n',
    [`proc/${PID}/cgroup`]: '9:pids:/docker/abc\n4:cpu,cpuacct:/docker/abc\n3:memory:/docker/abc\n0::/\n',
    'cgroup/memory/docker/abc/memory.limit_in_bytes': `${256 * MiB}\n`,
    'cgroup/memory/docker/abc/memory.usage_in_bytes': `${200 * MiB}\n`,
    'cgroup/memory/docker/abc/memory.stat': `cache 0\ntotal_inactive_file ${8 * MiB}\n`,
    'cgroup/memory/docker/memory.limit_in_bytes': '9223372036854771712\n',
    'cgroup/memory/docker/memory.usage_in_bytes': `${900 * MiB}\n`,
    'cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n',
  });
  try {
    assert.equal(readMemoryRoom(PID, sys.roots)!.bytes, 64 * MiB);
  } finally {
    sys.done();
  }
});

test('a snapshot that would not fit is refused, with the estimate, the limit and the way round it', () => {
  const sys = fakeSystem({
    'proc/meminfo': 'MemAvailable:   20000000 kB\n',
    [`proc/${PID}/cgroup`]: '0::/ctr\n',
    'cgroup/ctr/memory.max': `${1024 * MiB}\n`,
    'cgroup/ctr/memory.current': `${700 * MiB}\n`,
  });
  try {
    // A 200 MiB heap: ~3.9 GiB estimated, 324 MiB free under the limit.
    const big = judgeSnapshotRoom(200 * MiB, PID, null, { roots: sys.roots });
    assert.equal(big.fits, false);
    assert.equal(big.estimate, estimateSnapshotCost(200 * MiB));
    assert.ok(big.estimate > 200 * MiB * 10, 'the estimate allows for the generator being many times the heap');
    const words = describeSkippedSnapshot('retainer paths', 200 * MiB, big);
    assert.match(words, /^no retainer paths: a heap snapshot of the target's 200(\.0)? MiB heap could need ~3\.9\d GiB/);
    assert.match(words, /its cgroup \(limit 1\.00 GiB\) has 324(\.0)? MiB free/);
    assert.match(words, /--max-snapshot-memory SIZE/);
    // A 5 MiB heap fits.
    assert.equal(judgeSnapshotRoom(5 * MiB, PID, null, { roots: sys.roots }).fits, true);
    // The user's cap replaces what is free: higher takes it, lower refuses it.
    assert.equal(judgeSnapshotRoom(200 * MiB, PID, 8 * 1024 * MiB, { roots: sys.roots }).fits, true);
    const capped = judgeSnapshotRoom(5 * MiB, PID, 50 * MiB, { roots: sys.roots });
    assert.equal(capped.fits, false);
    assert.match(
      describeSkippedSnapshot('heap snapshot (end)', 5 * MiB, capped),
      /more than --max-snapshot-memory allows \(50(\.0)? MiB\)/,
    );
    // A target on another machine, no cap: nothing to go by.
    assert.equal(judgeSnapshotRoom(200 * MiB, null, null, { roots: sys.roots }).fits, true);
  } finally {
    sys.done();
  }
});

test("between the worst and the least ratio measured, the count of the heap's objects decides", () => {
  const sys = fakeSystem({
    'proc/meminfo': 'MemAvailable:   20000000 kB\n',
    [`proc/${PID}/cgroup`]: '0::/ctr\n',
    'cgroup/ctr/memory.max': `${512 * MiB}\n`,
    'cgroup/ctr/memory.current': `${212 * MiB}\n`,
  });
  try {
    // 300 MiB free. A 20 MiB heap: 432 MiB by its size (no), 132 MiB at the least ratio (maybe).
    const bySize = judgeSnapshotRoom(20 * MiB, PID, null, { roots: sys.roots });
    assert.equal(bySize.fits, false);
    assert.equal(bySize.mightFit, true);
    // 150,000 objects (a heap of large ones, as a service's code and strings): ~146 MiB, fits.
    const counted = judgeSnapshotRoom(20 * MiB, PID, null, { roots: sys.roots, objects: 150_000 });
    assert.equal(counted.fits, true);
    assert.equal(counted.estimate, estimateSnapshotCost(20 * MiB, 150_000));
    // 600,000 small objects in the same 20 MiB: ~586 MiB, does not; said with the count.
    const many = judgeSnapshotRoom(20 * MiB, PID, null, { roots: sys.roots, objects: 600_000 });
    assert.equal(many.fits, false);
    assert.equal(many.mightFit, false, 'counted already: nothing more to learn');
    assert.match(
      describeSkippedSnapshot('retainer paths', 20 * MiB, many),
      /20\.0 MiB heap \(600000 objects\) could need ~586 MiB .+ per object/,
    );
    // A 100 MiB heap: even the least ratio (532 MiB) does not fit: no count is worth taking.
    assert.equal(judgeSnapshotRoom(100 * MiB, PID, null, { roots: sys.roots }).mightFit, false);
  } finally {
    sys.done();
  }
});

test('the program told the largest heap that fits checks by the same estimate (its at-exit snapshot)', () => {
  const sys = fakeSystem({
    'proc/meminfo': 'MemAvailable:   20000000 kB\n',
    [`proc/${PID}/cgroup`]: '0::/ctr\n',
    'cgroup/ctr/memory.max': `${512 * MiB}\n`,
    'cgroup/ctr/memory.current': `${212 * MiB}\n`,
  });
  try {
    const room = snapshotRoomFor(PID, null, sys.roots)!;
    assert.equal(room.bytes, 300 * MiB);
    const largest = largestHeapThatFits(room);
    assert.ok(estimateSnapshotCost(largest) <= room.bytes && estimateSnapshotCost(largest + 20) > room.bytes, String(largest));
    assert.equal(judgeSnapshotRoom(largest, PID, null, { roots: sys.roots }).fits, true);
    assert.equal(judgeSnapshotRoom(largest + 1024, PID, null, { roots: sys.roots }).fits, false);
    assert.deepEqual(snapshotRoomFor(PID, 64 * MiB, sys.roots), { bytes: 64 * MiB, where: '--max-snapshot-memory' });
    assert.equal(snapshotRoomFor(null, null, sys.roots), null);
    assert.equal(largestHeapThatFits({ bytes: 10 * MiB, where: 'the machine' }), 0, 'less room than the base: no heap fits');
  } finally {
    sys.done();
  }
});
