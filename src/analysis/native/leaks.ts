import type { Frame } from '../../model/frame.js';
import { FD_KIND_NAMES, NO_STACK } from '../../model/native/event-log.js';
import { judgeGrowth, measureGrowth } from '../growth/growth.js';
import type { Leak } from '../leak-report.js';
import type { NativeAnalysis } from './native-analysis.js';
import { isCRuntimeModule, isOwnCode, isRuntimeExecutable } from './native-attribution.js';
import { formatNativeFrame } from './sites.js';
import type { NativeFrame } from './symbolize.js';

/**
 * Native leaks, two ways, both by allocation path (the site and the program's own frames
 * above it; a site reached by a leaking and a clean path shows only the leaking one):
 * - at exit: blocks and descriptors a program that exited normally never freed or closed.
 *   The more blocks a site left behind, the likelier a leak (one block may be a global kept
 *   for the program's life: probability 1 − 1/(1 + blocks left)). Memory the C runtime keeps
 *   until exit by design (stdio buffers, the dynamic loader's tables, libstdc++'s emergency
 *   pool, a language runtime's own heap) is counted apart and never called a leak.
 * - while running: sites whose outstanding bytes (or open descriptors) keep growing over
 *   the run after a warm-up (the first 20 %), judged by the leak finder's growth judgement
 *   (trend, steadiness, persistence: a cache that fills and stops is not a leak), and only
 *   when they went up in at least half the steps of a run of a second or more. This is the
 *   only judgement for a program that was stopped rather than exited.
 * Reachability is not checked (the process is gone): "never freed" is the fact, and the
 * evidence says so.
 */
export interface NativeLeakOptions {
  /** Probability from which a suspect is reported as a leak. */
  threshold?: number;
  /** Share of the run ignored as warm-up before judging growth. */
  warmup?: number;
}

export interface NativeLeakReport {
  kind: 'native';
  process: { pid: number; image: number; exe: string | null; exited: boolean; durationMs: number };
  tracking: string;
  threshold: number;
  /** Suspects at or above the threshold, most likely and biggest first. */
  leaks: Leak[];
  /** Leaking paths beyond the first MAX_REPORTED, counted. */
  moreLeaks: { paths: number; blocks: number; bytes: number; descriptors: number };
  /** Suspects below it (a few), so a near miss is visible. */
  belowThreshold: Leak[];
  /** Kept by the C runtime or the language runtime until exit: not leaks. */
  runtimeAtExit: { blocks: number; bytes: number; descriptors: number; sites: number };
  judged: { atExit: boolean; growth: boolean; seriesPoints: number };
  problems: string[];
}

/** Growth is judged only over at least this many points after warm-up, spanning this long. */
const MIN_POINTS = 8;
const MIN_SPAN_MS = 1000;

/** Leaks reported in full; more are counted in `moreLeaks`. */
const MAX_REPORTED = 50;

// Functions of the C runtime that keep memory for the life of the process by design.
const RUNTIME_KEEPS =
  /^(?:__GI_)?(_IO_file_doallocate|_dl_\w+|dl_open_worker\w*|_nl_\w+|__gconv\w*|setlocale|__tzfile_read|tzset\w*|__new_exitfn|__cxa_thread_atexit\w*|__nss_\w+|nss_\w+|__libc_early_init|__libc_setup_tls|allocate_stack|pthread_create\w*|\(anonymous namespace\)::pool::pool\(\)|__gnu_cxx::__freeres\(\)|__cxa_get_globals\w*|__cxa_allocate_exception)/;

function keptByRuntime(frames: readonly NativeFrame[], site: NativeFrame | null): boolean {
  if (site === null) return true;
  if (site.origin === 'native' && isRuntimeExecutable(site.module)) return true;
  for (const f of frames) {
    if (f === site) break;
    if (f.origin === 'native' && isCRuntimeModule(f.module) && RUNTIME_KEEPS.test(f.functionName)) return true;
  }
  return false;
}

interface Group {
  key: string;
  stacks: number[];
  liveBytes: number;
  liveCount: number;
  allocCount: number;
  allocBytes: number;
  freeCount: number;
  fdLive: number;
  fdOpened: number;
  best: number;
  bestWeight: number;
}

function plainFrame(f: NativeFrame): Frame & { module: string; address: string } {
  return {
    functionName: f.functionName,
    file: f.file,
    line: f.line,
    column: f.column,
    module: f.module,
    address: `0x${f.address.toString(16)}`,
  };
}

function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function findNativeLeaks(a: NativeAnalysis, options: NativeLeakOptions = {}): NativeLeakReport {
  const threshold = options.threshold ?? 0.5;
  const warmup = options.warmup ?? 0.2;
  const r = a.replay;
  const p = r.perStack;
  const exited = r.exitUs !== null;

  // Group stacks by site, separately for memory and for descriptors of each kind.
  const groups = new Map<string, Group>();
  const fdKindOfStack = new Map<number, number>();
  for (const f of r.fds) fdKindOfStack.set(f.stack, f.kind);
  // A leak is named by its site and the frames of the program's own code above it: the same
  // path through different runtime glue (V8's interpreter or optimized code calling an
  // addon, inlining in the runtime) is one leak.
  const frameIds = new Map<NativeFrame, number>();
  const fid = (f: NativeFrame): number => {
    let id = frameIds.get(f);
    if (id === undefined) frameIds.set(f, (id = a.table.internFrame(f)));
    return id;
  };
  const pathKey = (s: number): string => {
    const site = a.attribution(s).site;
    const ids = a
      .frames(s)
      .filter((f) => f === site || isOwnCode(f))
      .map(fid);
    return ids.length > 0 ? ids.join(',') : `#${a.tableId(s)}`;
  };
  const group = (key: string): Group => {
    let g = groups.get(key);
    if (!g)
      groups.set(
        key,
        (g = {
          key,
          stacks: [],
          liveBytes: 0,
          liveCount: 0,
          allocCount: 0,
          allocBytes: 0,
          freeCount: 0,
          fdLive: 0,
          fdOpened: 0,
          best: NO_STACK,
          bestWeight: -1,
        }),
      );
    return g;
  };
  for (let s = 0; s < r.stackCount; s++) {
    if (p.allocCount[s] > 0) {
      const g = group(`mem\u0000${pathKey(s)}`);
      g.stacks.push(s);
      g.liveBytes += p.liveBytes[s];
      g.liveCount += p.liveCount[s];
      g.allocCount += p.allocCount[s];
      g.allocBytes += p.allocBytes[s];
      g.freeCount += p.freeCount[s];
      const w = p.liveBytes[s] + p.peakBytes[s] * 1e-6;
      if (w > g.bestWeight) {
        g.bestWeight = w;
        g.best = s;
      }
    }
    if (p.fdOpened[s] > 0) {
      const g = group(`fd\u0000${fdKindOfStack.get(s) ?? 0}\u0000${pathKey(s)}`);
      g.stacks.push(s);
      g.fdLive += p.fdLive[s];
      g.fdOpened += p.fdOpened[s];
      if (p.fdLive[s] > g.bestWeight) {
        g.bestWeight = p.fdLive[s];
        g.best = s;
      }
    }
  }

  // The series after warm-up, in ms.
  const series = r.series;
  const from = series.length > 0 ? series[series.length - 1].us * warmup : 0;
  const judged = series.filter((pt) => pt.us >= from);
  const x = judged.map((pt) => pt.us / 1000);
  // Growth is judged over a long enough run only: a program that lives for a fraction of a
  // second allocates in bursts, and a burst is not a trend.
  const span = x.length > 1 ? x[x.length - 1] - x[0] : 0;
  const canJudgeGrowth = r.seriesByStack !== null && judged.length >= MIN_POINTS && span >= MIN_SPAN_MS;
  const pointIds = judged.map((pt) => pt.id);

  interface Candidate {
    g: Group;
    isFd: boolean;
    probability: number;
    reasons: string[];
    y: Float64Array | null;
    slope: number;
    weight: number;
  }
  const candidates: Candidate[] = [];
  const runtime = { blocks: 0, bytes: 0, descriptors: 0, sites: 0 };
  for (const g of groups.values()) {
    const isFd = g.key.startsWith('fd');
    const live = isFd ? g.fdLive : g.liveCount;
    if (exited && live > 0 && keptByRuntime(a.frames(g.best), a.attribution(g.best).site)) {
      runtime.sites++;
      if (isFd) runtime.descriptors += g.fdLive;
      else {
        runtime.blocks += g.liveCount;
        runtime.bytes += g.liveBytes;
      }
      continue;
    }
    const reasons: string[] = [];
    let probability = 0;
    if (exited && live > 0) {
      probability = 1 - 1 / (1 + live);
      const freed = isFd ? g.fdOpened - g.fdLive : g.freeCount;
      reasons.push(
        isFd
          ? `${live} descriptor(s) opened here were still open when the program exited (${freed} others from here were closed)`
          : `${live} block(s), ${bytesText(g.liveBytes)}, allocated here were never freed before the program exited (${freed} others from here were freed)`,
      );
      if (live === 1)
        reasons.push(
          isFd
            ? 'a single descriptor may be kept open for the program’s life'
            : 'a single block may be a global kept for the program’s life',
        );
      reasons.push('whether anything still referenced them is not known');
    }
    let y: Float64Array | null = null;
    let slope = 0;
    if (canJudgeGrowth) {
      const perStack = isFd ? r.fdSeriesByStack! : r.seriesByStack!;
      y = new Float64Array(pointIds.length);
      for (const s of g.stacks) perStack.addInto(s, pointIds, y);
      const avg = g.allocCount > 0 ? g.allocBytes / g.allocCount : 1;
      const e = measureGrowth(x, Array.from(y));
      const j = judgeGrowth(e, { minGrowth: isFd ? 3 : Math.max(64, 3 * avg) });
      slope = e.totalGrowth > 0 ? e.slope : 0;
      // Growth that kept going: up in at least half the steps, not a few jumps.
      const steady = e.steps > 0 && e.stepsUp / e.steps >= 0.5;
      if (j.probability > 0 && steady) {
        reasons.push(`while running: ${j.reasons.join('; ')}`);
        if (j.probability > probability) probability = j.probability;
      }
      if (slope === 0) y = null;
    }
    if (probability === 0) continue;
    candidates.push({ g, isFd, probability, reasons, y, slope, weight: probability * (1 + g.liveBytes + g.fdLive) });
  }
  candidates.sort((u, v) => Number(v.probability >= threshold) - Number(u.probability >= threshold) || v.weight - u.weight);

  // Full reports (stacks, evidence) for the first few; the rest are counted.
  const toLeak = (c: Candidate): Leak => {
    const { g, isFd } = c;
    const at = a.attribution(g.best);
    const avg = g.allocCount > 0 ? g.allocBytes / g.allocCount : 1;
    const perMs = c.slope;
    const kind = isFd ? FD_KIND_NAMES[Number(g.key.split('\u0000')[1])] || 'descriptor' : null;
    return {
      kind: isFd ? 'handle' : 'native',
      site: at.site ? plainFrame(at.site) : null,
      userFrame: at.userFrame ? plainFrame(at.userFrame) : null,
      package: at.package,
      module: at.module,
      resource: kind ? `fd (${kind})` : null,
      probability: c.probability,
      perIteration: null,
      perMinute: perMs > 0 ? (isFd ? { bytes: 0, count: perMs * 60_000 } : { bytes: perMs * 60_000, count: (perMs * 60_000) / avg }) : null,
      stack: a.frames(g.best).map(plainFrame),
      evidence: `${c.reasons.join('; ')}. Attribution: ${at.evidence}.`,
      ...(c.y
        ? {
            series: isFd
              ? { x, bytes: x.map(() => 0), count: Array.from(c.y) }
              : { x, bytes: Array.from(c.y), count: Array.from(c.y, (v) => v / avg) },
          }
        : {}),
      outstanding: isFd ? { count: g.fdLive, bytes: 0 } : { count: g.liveCount, bytes: g.liveBytes },
    };
  };
  const above = candidates.filter((c) => c.probability >= threshold);
  const below = candidates.filter((c) => c.probability < threshold);
  const more = { paths: 0, blocks: 0, bytes: 0, descriptors: 0 };
  for (const c of above.slice(MAX_REPORTED)) {
    more.paths++;
    more.blocks += c.isFd ? 0 : c.g.liveCount;
    more.bytes += c.isFd ? 0 : c.g.liveBytes;
    more.descriptors += c.isFd ? c.g.fdLive : 0;
  }
  const problems = [...a.problems];
  if (!exited) {
    problems.push(
      'the program did not exit normally (it was stopped, crashed or is still running): blocks live at the end are not leaks by themselves; only growth while running is judged',
    );
  }
  if (!canJudgeGrowth) {
    problems.push(
      `the run was too short to judge growth while running (it needs ${MIN_POINTS} measurements over ${MIN_SPAN_MS / 1000} s after warm-up)`,
    );
  }
  return {
    kind: 'native',
    process: { pid: a.entry.pid, image: a.entry.image, exe: r.exe, exited, durationMs: r.lastUs / 1000 },
    tracking: a.trackingNote(),
    threshold,
    leaks: above.slice(0, MAX_REPORTED).map(toLeak),
    moreLeaks: more,
    belowThreshold: below.slice(0, 10).map(toLeak),
    runtimeAtExit: runtime,
    judged: { atExit: exited, growth: canJudgeGrowth, seriesPoints: judged.length },
    problems,
  };
}

export { formatNativeFrame };
