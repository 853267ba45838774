import type { NativeAnalysis } from './native-analysis.js';
import { siteOf } from './sites.js';

/** The `!heap -s` of a native capture: live and peak heap, by module, and descriptors. */
export interface NativeSummary {
  kind: 'native';
  capture: string;
  process: {
    pid: number;
    image: number;
    exe: string | null;
    forked: boolean;
    startedAt: string;
    durationMs: number;
    /** True when the program reached exit (its log has the exit record). */
    exited: boolean;
  };
  /** Every process image with a log in the capture. */
  processes: { pid: number; image: number; bytes: number }[];
  tracking: string;
  heap: {
    liveBytes: number;
    liveBlocks: number;
    peakBytes: number;
    peakAtMs: number;
    allocations: number;
    allocatedBytes: number;
    frees: number;
    /** Frees of blocks never seen allocated (from before tracking, or inherited at fork). */
    unknownFrees: number;
    temporary: number;
    temporaryShare: number;
    mmapLiveBytes: number;
    stacks: number;
  };
  descriptors: { opened: number; closed: number; open: number };
  byModule: {
    module: string;
    liveBytes: number;
    liveBlocks: number;
    share: number;
    allocations: number;
    allocatedBytes: number;
    openFds: number;
  }[];
  problems: string[];
}

export function summarizeNative(a: NativeAnalysis, options: { top?: number } = {}): NativeSummary {
  const r = a.replay;
  const t = r.totals;
  const mods = new Map<string, NativeSummary['byModule'][number]>();
  const row = (module: string) => {
    let m = mods.get(module);
    if (!m) mods.set(module, (m = { module, liveBytes: 0, liveBlocks: 0, share: 0, allocations: 0, allocatedBytes: 0, openFds: 0 }));
    return m;
  };
  const p = r.perStack;
  for (let s = 0; s < r.stackCount; s++) {
    if (p.allocCount[s] === 0 && p.fdLive[s] === 0) continue;
    const m = row(siteOf(a, s).module);
    m.liveBytes += p.liveBytes[s];
    m.liveBlocks += p.liveCount[s];
    m.allocations += p.allocCount[s];
    m.allocatedBytes += p.allocBytes[s];
    m.openFds += p.fdLive[s];
  }
  const byModule = [...mods.values()]
    .map((m) => ({ ...m, share: t.liveBytes > 0 ? m.liveBytes / t.liveBytes : 0 }))
    .sort((x, y) => y.liveBytes - x.liveBytes || y.allocatedBytes - x.allocatedBytes)
    .slice(0, options.top ?? 15);
  return {
    kind: 'native',
    capture: a.dir,
    process: {
      pid: a.entry.pid,
      image: a.entry.image,
      exe: r.exe,
      forked: r.header.forked,
      startedAt: new Date(r.header.startedAt).toISOString(),
      durationMs: r.lastUs / 1000,
      exited: r.exitUs !== null,
    },
    processes: a.processes.map((e) => ({ pid: e.pid, image: e.image, bytes: e.bytes })),
    tracking: a.trackingNote(),
    heap: {
      liveBytes: t.liveBytes,
      liveBlocks: t.liveBlocks,
      peakBytes: t.peakBytes,
      peakAtMs: t.peakUs / 1000,
      allocations: t.allocations,
      allocatedBytes: t.allocatedBytes,
      frees: t.frees,
      unknownFrees: t.unknownFrees,
      temporary: t.temporary,
      temporaryShare: t.allocations > 0 ? t.temporary / t.allocations : 0,
      mmapLiveBytes: t.mmapLiveBytes,
      stacks: r.stackCount,
    },
    descriptors: { opened: t.fdsOpened, closed: t.fdsClosed, open: t.fdsLive },
    byModule,
    problems: a.problems,
  };
}
