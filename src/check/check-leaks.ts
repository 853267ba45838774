import { type WorkerClock, WorkerSites } from '../capture/live/worker-sites.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapCodeStatistics, setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { type LeakGroup, groupByUserCode } from '../analysis/leak-groups.js';
import { HandleSeries } from '../analysis/leaks/handle-series.js';
import { traceHandles } from '../capture/handles/trace-handles.js';
import { fileURLToPath } from 'node:url';
import { buildSiteSeries, type SiteMeasurement } from '../analysis/leaks/site-series.js';
import { listedBelowThreshold, scoreSites, toLeak, v8CodeSeries } from '../analysis/leaks/score-sites.js';
import { type Leak, type LeakReport, mostLikelyFirst } from '../analysis/leak-report.js';
import { collectGarbage } from '../capture/heap/exact-sampler.js';
import { SamplingSiteSampler } from '../capture/heap/sampling-sampler.js';
import { loadSnapshot } from '../model/snapshot/load.js';
import { SnapshotAnalysis } from '../analysis/snapshot/analysis.js';
import {
  type SuspectPaths,
  chooseHolders,
  heldBy,
  noHoldersReason,
  siteHints,
  suspectKeyOf,
  suspectPaths,
  votedShape,
} from './sample-paths.js';
import { discardConsoleMessages } from '../capture/inspector/console-messages.js';
import { InProcessSession } from '../capture/inspector/in-process-session.js';
import type { Progress } from '../cli/output/progress.js';
import { formatBytes } from '../cli/output/format.js';
import { linearFit } from '../analysis/growth/statistics.js';
import { OperationError } from '../errors.js';
import { StackTable } from '../model/stack-table.js';
import { applySourceMaps } from '../analysis/source-maps.js';
import { scriptsOfLeaks } from '../capture/inspector/loaded-scripts.js';
import { ScriptSources, resolveCallLines } from '../analysis/call-lines.js';
import { addKeptIn } from '../analysis/kept-in.js';
import { rejectAfter } from '../timeouts.js';

export interface CheckLeaksOptions {
  /** Measured runs of the operation (after warm-up). Default: sized to take ~3 s, 80..5,000. */
  iterations?: number;
  /** Runs before measuring starts, so caches and lazy init settle. Default: ~1 s worth, 10..200. */
  warmup?: number;
  /** Measurements (each after a full GC) across the measured runs. Default 8. */
  measurements?: number;
  /**
   * Bytes between allocation samples of V8's sampling heap profiler. The default, 1, records
   * every allocation: live counts and bytes per site are exact (measured: 12,000 of 12,000
   * leaked objects counted) at about the cost of interval 16. Larger values cost less on
   * allocation-heavy operations and give estimates (see objectsPerSample).
   */
  samplingInterval?: number;
  /** Probability from which a suspect is reported as a leak. Default 0.5. */
  threshold?: number;
  /** Longest a check may take when it sizes itself and extends uncertain runs. Default 45 s. */
  timeBudgetMs?: number;
  /** Look for what holds the leaked objects (one extra batch under allocation tracking). Default true. */
  retainerPaths?: boolean;
  /** Longest one run of the operation may take. Default 60 s. */
  operationTimeoutMs?: number;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** Judge open handles too (default true): sockets, timers, watchers, descriptors. */
  handles?: boolean;
  /** Sample and judge worker threads' heaps too (default true): an operation that leaks in a worker. */
  workers?: boolean;
}

export interface CheckReport extends LeakReport {
  samplingInterval: number;
  measurements: { iteration: number; heapUsed: number; external: number; arrayBuffers: number; rss: number }[];
  /** Suspects that grew but not convincingly (probability between 0.2 and the threshold). */
  belowThreshold: Leak[];
  threshold: number;
  durationMs: number;
  tracking: { note: string };
  /** The leaks grouped by the place in the user's code they are reached from (analysis/leak-groups.ts). */
  byUserCode: LeakGroup[];
}

/** The library's own code (dist/src/), whose frames are never the user's. */
const LEAKTRACE_ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * The wait before each measurement, in which the timers the runs set and that are due by
 * then fire (and what they re-arm, if due within it too). A timer set further out is still
 * pending at the measurement, as in the program: growth all the same, said in the README.
 */
const SETTLE_MS = 50;

/**
 * Runs `fn` many times and reports what it leaks: the in-process harness behind
 * `leaktrace check` and the library call for tests. Warm-up first, then measurements after a
 * full GC between batches of runs; each allocation site's live objects and bytes are judged
 * as a series (see analysis/growth). Uncertain growth — a slowly filling cache looks like a
 * leak for a while — earns more measurements while the time budget allows.
 */
export async function checkLeaks(fn: () => unknown, options: CheckLeaksOptions = {}): Promise<CheckReport> {
  const started = Date.now();
  const budget = options.timeBudgetMs ?? 45_000;
  const measurementsWanted = Math.max(4, options.measurements ?? 8);
  const threshold = options.threshold ?? 0.5;
  const interval = options.samplingInterval ?? 1;
  const progress = options.onProgress ?? (() => {});
  const timeout = options.operationTimeoutMs ?? 60_000;
  const run = async (): Promise<void> => {
    options.signal?.throwIfAborted();
    const result = fn();
    if (result && typeof (result as Promise<unknown>).then === 'function') await withTimeout(result as Promise<unknown>, timeout);
  };

  // V8's optimizing tiers (Maglev, TurboFan) off for the check, for two reasons measured on
  // the test corpus: code they compile and re-compile is allocated on the stack of the user
  // function being optimized and grows for thousands of runs — mistaken for a leak of that
  // function otherwise; and they inline callees, recording an inlined function's allocations
  // under its caller. Ignition and Sparkplug remain. (The check child starts with the flag;
  // in-process it applies to code not optimized yet.)
  // Changing V8 flags at run time is allowed but unsupported: only when not set at start.
  const flagAtStart = process.execArgv.includes('--max-opt=1');
  if (!flagAtStart) setFlagsFromString('--max-opt=1');
  const session = new InProcessSession();
  const stacks = new StackTable();
  const sampler = new SamplingSiteSampler(session, stacks, interval, { keepLastProfile: false });
  const points: SiteMeasurement[] = [];
  const memory: CheckReport['measurements'] = [];
  let done = 0;
  // Handles (sockets, timers, watchers, descriptors) by type and creation stack, from the
  // handle agent installed before the warm-up so the measured runs' handles have stacks.
  const handles = options.handles === false ? null : new HandleSeries();
  const tracer = handles ? await traceHandles() : null;
  let workers: WorkerSites | null = null;
  const trackingNotes: string[] = [];
  const measure = async (): Promise<void> => {
    progress({ phase: `measuring after ${done} runs`, done: points.length, total: 0 });
    // The runs of a batch follow one another without a turn of the event loop when the
    // operation does no I/O, so the timers it set never fired: a retry or a deferred cleanup
    // due 5 ms later piled up, 442 more open Timeouts per batch, and was reported as a leak.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    await discardConsoleMessages(session);
    let m = process.memoryUsage();
    let v8CodeBytes: number | undefined;
    const sites = await sampler.measure({
      afterGc: () => {
        m = process.memoryUsage();
        // V8's live code and bytecode, for the judge's JIT floor (score-sites.ts, v8CodeExplains).
        const code = getHeapCodeStatistics();
        v8CodeBytes = code.code_and_metadata_size + code.bytecode_and_metadata_size;
      },
    });
    if (tracer && handles) handles.add(done, tracer.outstanding({ withMembers: true }).groups);
    await workers?.measure();
    points.push({ x: done, sites, v8CodeBytes });
    memory.push({ iteration: done, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss });
  };
  try {
    await sampler.start();
    // The operation's worker threads (a pool it posts to), each heap judged on its own (live/worker-sites.ts).
    if (options.workers !== false) {
      const w = await WorkerSites.start(session, { stacks, interval, clock: runsClock(() => done), writer: null });
      if (typeof w === 'string') trackingNotes.push(w);
      else workers = w;
    }
    // Warm-up, timed to size the measured phase.
    const warmupStart = performance.now();
    let warmup = 0;
    const warmupWanted = options.warmup;
    while (warmupWanted !== undefined ? warmup < warmupWanted : warmup < 10 || (warmup < 200 && performance.now() - warmupStart < 1000)) {
      await run();
      warmup++;
      if (warmup % 10 === 0) progress({ phase: 'warming up', done: warmup, total: warmupWanted ?? 0 });
    }
    const perRun = warmup > 0 ? (performance.now() - warmupStart) / warmup : 1;
    const iterations = options.iterations ?? clamp(Math.round(3000 / Math.max(perRun, 0.001)), 80, 5000);
    const batch = Math.max(1, Math.round(iterations / measurementsWanted));
    await measure();
    // The runs were sized from the warm-up's pace; an operation that gets slower as it runs (its
    // work grows with what it kept: a blind red-team case fed every listener it had leaked,
    // and a check ran past 7 minutes at 1.6 GB) must still finish. Past the hard limit, each
    // remaining measurement follows a single run, and the report says so.
    const hardLimit = options.iterations === undefined ? 2 * budget : Infinity;
    let cutAt: number | null = null;
    let firstBatchMs = 0;
    let lastRunMs = 0;
    // The measured runs' own pace, for sizing the extensions below: the warm-up's first runs
    // are the slowest (code not yet compiled, the sampler's first stacks) — a memo's quote
    // under two busy cores, 0.79–0.97 ms a run in the warm-up, 0.63–0.71 ms measured.
    let measuredRunsMs = 0;
    let measuredRuns = 0;
    for (let k = 0; k < measurementsWanted; k++) {
      const runs = cutAt === null ? batch : 1;
      const batchStart = performance.now();
      let ran = 0;
      for (; ran < runs; ran++, done++) {
        if (cutAt === null && Date.now() - started > hardLimit) {
          cutAt = done;
          break;
        }
        const t = performance.now();
        await run();
        lastRunMs = performance.now() - t;
      }
      if (k === 0) firstBatchMs = (performance.now() - batchStart) / Math.max(1, ran);
      measuredRunsMs += performance.now() - batchStart;
      measuredRuns += ran;
      await measure();
    }
    if (cutAt !== null) {
      trackingNotes.push(
        `the runs were cut short at the time limit (${Math.round(hardLimit / 1000)} s) after ${cutAt} runs, each measurement after that following one run: the operation got slower as it ran (${firstBatchMs.toFixed(2)} ms a run in the first batch, ${lastRunMs.toFixed(2)} ms in the last) — work that grows with what it keeps is a sign of a leak itself`,
      );
    }
    // Extend while some suspect is uncertain or slowing down, within the time budget.
    let extensions = 0;
    let lastExtension = 0;
    while (extensions < 2 && options.iterations === undefined && cutAt === null) {
      const scored = scoreSites(buildSiteSeries(points, stacks, { ignorePrefixes: [LEAKTRACE_ROOT] }).values(), {
        samplingInterval: interval,
        v8Code: v8CodeSeries(points),
        stacks,
      });
      const uncertain = scored.some(
        (s) =>
          (s.probability >= 0.15 && s.probability < threshold) ||
          (s.probability >= threshold && s.count.persistence < 0.8 && s.bytes.persistence < 0.8),
      );
      // A suspect whose growth per run falls step after step looks like a cache over many keys
      // warming up (a memo of 20,000 keys hit at random: 25 % full after 5,500 runs, still
      // growing at 3/4 of its first rate). Whether it stops shows only over many more runs:
      // 8 then 64 times the batch, which costs measurements' time, not runs'.
      const slowing = scored.some((s) => s.probability >= threshold && (s.judgedOn === 'count' ? s.count : s.bytes).rateFallP < 0.05);
      // A suspect that keeps less than one object per run grows in jumps — an array or a
      // table doubling, a timer list made again, a pool topping up — and a few jumps in a
      // row pass the trend tests. Measured: undici's Pool, reused by every run, was reported
      // at p 0.77 in 4 of 6 blind checks (14 → 33 objects at its timers over 728 runs) and is flat
      // over 6,000. A leak that keeps going does so over many more runs too: 8 then 64 times
      // the batch, as for slowing growth — even at p 0.99: jumps that come often enough in
      // the first runs look certain (test/fixtures/clean/peak-pool.cjs: p 0.991 at 981 runs).
      const sparse = scored.some((s) => s.probability >= threshold && s.count.slope < 1);
      if (!(uncertain || slowing || sparse)) break;
      const longer = slowing || sparse;
      const wanted = batch * (longer ? 8 ** (extensions + 1) : 2);
      const elapsed = Date.now() - started;
      const runMs = measuredRuns > 0 ? measuredRunsMs / measuredRuns : perRun;
      // Measurements' own time: what was not spent running the operation.
      const perMeasurement = Math.max(0, elapsed - measuredRunsMs) / points.length;
      const extra = Math.ceil(measurementsWanted / 2);
      // Growth that slows or jumps is told from a leak by many more runs: as many as the budget
      // allows, if fewer than wanted — at least twice the runs between measurements so far
      // (all or nothing, a CI run on a busy machine, 0.65 ms a run, skipped the 64-fold step
      // that quiets a memo over 20,000 keys, and reported it). Uncertain growth gets its
      // doubled batches or nothing.
      const fits = Math.floor((budget - elapsed - extra * perMeasurement) / (extra * Math.max(runMs, 0.001)));
      const least = longer ? 2 * (extensions === 0 ? batch : lastExtension) : wanted;
      const runsPerBatch = Math.min(wanted, fits);
      if (runsPerBatch < least) break;
      if (runsPerBatch < wanted)
        trackingNotes.push(
          `growth was ${slowing ? 'slowing' : 'coming in jumps'}: ${runsPerBatch} runs between measurements at the end, of the ${wanted} wanted, as the time budget allowed (${runMs.toFixed(2)} ms a run); --iterations sets the runs yourself`,
        );
      lastExtension = runsPerBatch;
      progress({
        phase: slowing
          ? 'growth is slowing: running longer to see whether it stops'
          : sparse
            ? 'growth comes in jumps: running longer to see whether it keeps on'
            : 'growth is uncertain: measuring longer',
        done: points.length,
        total: 0,
      });
      for (let k = 0; k < extra; k++) {
        const batchStart = performance.now();
        for (let i = 0; i < runsPerBatch; i++, done++) await run();
        measuredRunsMs += performance.now() - batchStart;
        measuredRuns += runsPerBatch;
        await measure();
      }
      extensions++;
    }
    const series = buildSiteSeries(points, stacks, { ignorePrefixes: [LEAKTRACE_ROOT] });
    const scored = scoreSites(series.values(), { samplingInterval: interval, v8Code: v8CodeSeries(points), stacks });
    const leaks: Leak[] = [];
    const belowThreshold: Leak[] = [];
    const leakKeys = new Map<string, Leak>();
    for (const s of scored) {
      const leak = toLeak(s, stacks, 'iteration', [LEAKTRACE_ROOT]);
      if (s.probability >= threshold) {
        leaks.push(leak);
        leakKeys.set(s.series.key, leak);
      } else if (listedBelowThreshold(s)) belowThreshold.push(leak);
    }
    if (handles) {
      const h = handles.judge(threshold, 'iteration');
      leaks.push(...h.leaks);
      belowThreshold.push(...h.belowThreshold);
      leaks.sort(mostLikelyFirst);
    }
    if (workers) {
      const w = workers.judge(threshold, 0);
      leaks.push(...w.leaks);
      belowThreshold.push(...w.belowThreshold);
      trackingNotes.push(...w.notes);
      leaks.sort(mostLikelyFirst);
    }
    // Modules a loader compiled in memory (tsx): their code and source maps, asked of V8 while
    // the session is open (live-capture.ts does the same).
    if (leaks.length + belowThreshold.length > 0)
      progress({ phase: "asking V8 for the code and source maps of the leaks' scripts", done: 0, total: 0 });
    const { sources, maps } = await scriptsOfLeaks(session, [...leaks, ...belowThreshold]);
    const workerLeaks = leaks.filter((l) => l.worker && (l.kind === 'heap' || l.kind === 'external'));
    if ((leakKeys.size > 0 || workerLeaks.length > 0) && options.retainerPaths !== false) {
      progress({ phase: 'finding what holds the leaked objects', done: 0, total: 0 });
      await sampler.stop();
      // (After a cut at the time limit, a few: each run is slow by then.)
      const runs = cutAt !== null ? 20 : Math.max(20, Math.min(batch, 500));
      // The handle agent keeps each new handle's raw stack until it formats it, and a raw
      // stack holds its frames' receivers: have it format them now, or the freshest leaked
      // objects would appear held by the agent.
      const found = await findHolders(session, run, runs, {
        keys: new Set(leakKeys.keys()),
        hints: siteHints(leakKeys, sources),
        beforeSnapshot: () => void tracer?.agent.outstanding(),
        workers: workerLeaks.length > 0 ? workers : null,
        workerLeaks,
      });
      done += runs;
      const processRate = slopeOf(
        memory.map((m) => m.iteration),
        memory.map((m) => m.arrayBuffers),
      );
      addCheckHolders(leakKeys, found.main, runs, processRate, sources);
      for (const w of found.workers) {
        const inWorker = workerLeaks.filter((l) => l.worker!.id === w.worker);
        // The process's ArrayBuffer figure is the main thread's: not compared for a worker.
        if (w.paths) addCheckHolders(new Map(inWorker.map((l) => [suspectKeyOf(l), l])), w.paths, runs, null, new ScriptSources());
        else for (const l of inWorker) l.evidence += `; holders: not shown — ${w.why}`;
      }
    }
    // Last, as it moves user frames off the positions the retainer paths were matched by.
    resolveCallLines([...leaks, ...belowThreshold], sources);
    // And then to the original source, where the scripts have source maps.
    applySourceMaps([...leaks, ...belowThreshold], maps);
    return {
      iterations: done,
      warmup,
      leaks,
      byUserCode: groupByUserCode(leaks),
      belowThreshold,
      threshold,
      samplingInterval: interval,
      measurements: memory,
      durationMs: Date.now() - started,
      tracking: {
        note: ['allocation sampling began before the warm-up; objects allocated before it are not counted', ...trackingNotes].join('; '),
      },
    };
  } finally {
    progress({ phase: 'stopping the sampler and the workers', done: 0, total: 0 });
    await workers?.stop();
    tracer?.stop();
    await sampler.stop();
    await session.post('HeapProfiler.disable').catch(() => undefined);
    await session.close();
    if (!flagAtStart) setFlagsFromString('--max-opt=999');
  }
}

/** The check's clock for worker measurements: runs of the operation done. */
function runsClock(done: () => number): WorkerClock {
  return {
    now: done,
    unit: 'iteration',
    describe: (x) => `run ${x}`,
    describeSpan: (dx) => `${dx} runs`,
  };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return rejectAfter(p, ms, () => new OperationError(`one run of the operation did not finish within ${Math.round(ms / 1000)} s`));
}

/**
 * One more batch of runs with V8's allocation tracker on, then a snapshot: the objects the
 * tracker attributes to each suspect, grouped by what holds them (see sample-paths.ts). The
 * same in each worker with a leak (its own tracker and snapshot, through its session).
 */
async function findHolders(
  session: InProcessSession,
  run: () => Promise<void>,
  runs: number,
  o: {
    keys: Set<string>;
    /** What suspectPaths is told about each key's site (its kind: siteHints). */
    hints: ReturnType<typeof siteHints>;
    beforeSnapshot: () => void;
    workers: WorkerSites | null;
    workerLeaks: readonly Leak[];
  },
): Promise<{
  main: Map<string, SuspectPaths>;
  workers: { worker: string; paths: Map<string, SuspectPaths> | null; why: string | null }[];
}> {
  const dir = mkdtempSync(join(tmpdir(), 'leaktrace-holders-'));
  try {
    if (o.keys.size > 0) await session.post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
    // (--max-opt=1 is the process's flag: the workers' code is not optimized past the tracker either.)
    await o.workers?.startHolders(o.workerLeaks, { deoptimize: false });
    for (let i = 0; i < runs; i++) await run();
    o.beforeSnapshot();
    let main = new Map<string, SuspectPaths>();
    if (o.keys.size > 0) {
      await collectGarbage(session);
      // Written by V8 straight to a file, not streamed through the inspector session: streamed
      // in this process, each chunk runs our JavaScript while V8 serializes the allocation
      // tracker's tree, and what that JavaScript allocates adds nodes to the very tree being
      // walked. The process died with SIGSEGV in HeapSnapshotJSONSerializer::SerializeTraceNode
      // (core dump; 2 of ~9 CI runs of library.test.js, 1 of 6 here). A worker's snapshot is
      // streamed: its heap is not the one our JavaScript allocates in.
      const file = writeHeapSnapshot(join(dir, 'holders.heapsnapshot'));
      main = suspectPaths(new SnapshotAnalysis(await loadSnapshot(file)), o.keys, {
        ignorePrefixes: [LEAKTRACE_ROOT],
        ...o.hints,
      });
    }
    const workers: { worker: string; paths: Map<string, SuspectPaths> | null; why: string | null }[] = [];
    for (const w of (await o.workers?.takeHolders((id) => join(dir, `worker-${id}.heapsnapshot`))) ?? []) {
      const inWorker = new Map(o.workerLeaks.filter((l) => l.worker!.id === w.worker).map((l) => [suspectKeyOf(l), l]));
      const hints = siteHints(inWorker, new ScriptSources());
      const paths =
        w.file === null ? null : suspectPaths(new SnapshotAnalysis(await loadSnapshot(w.file)), new Set(inWorker.keys()), hints);
      workers.push({ worker: w.worker, paths, why: w.why });
    }
    return { main, workers };
  } finally {
    // disable, not stopTrackingHeapObjects: that streams one more snapshot through the session.
    await session.post('HeapProfiler.disable').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Each leak's holder paths and their evidence, from `holders` (keyed like `leaks`). ArrayBuffer
 * contents the leaked objects own are added to the leak's rate; `processRate`, the process's
 * ArrayBuffer growth per run, is said beside it when known.
 */
function addCheckHolders(
  leaks: Map<string, Leak>,
  holders: Map<string, SuspectPaths>,
  runs: number,
  processRate: number | null,
  sources: ScriptSources,
): void {
  for (const [key, leak] of leaks) {
    const h = holders.get(key);
    const choice = chooseHolders(h, leak.series?.count.at(-1));
    if (choice.how === 'none') {
      leak.evidence += choice.compiledOnly
        ? `; holders: not shown — the ${h!.matched} objects V8's allocation tracker attributes to this site are held only by compiled code in a final batch of ${runs} runs`
        : `; holders: not shown — ${noHoldersReason(h)} in a final batch of ${runs} runs`;
      continue;
    }
    leak.retainerPaths = choice.paths.map((p) => p.path);
    if (h!.shape) leak.shape = h!.shape;
    // The kind that voted, read in the source, is what the user line is found by (votedShape).
    else if (choice.how === 'kind' && h!.byKind) leak.shape = votedShape(sources, leak.site, h!.byKind) ?? undefined;
    if (choice.how !== 'kind' && h!.externalBytes > 0 && leak.perIteration) {
      // Sampling sees ArrayBuffer objects, not their contents: add the contents they own.
      const perObject = h!.externalBytes / h!.matched;
      const external = perObject * Math.max(0, leak.perIteration.count);
      leak.perIteration.bytes += external;
      if (external > leak.perIteration.bytes - external) leak.kind = 'external';
      const whole = processRate === null ? '' : ` (the process's ArrayBuffer memory grew ${formatBytes(processRate)} per iteration)`;
      leak.evidence += `; its ${h!.matched} live objects in the final snapshot own ${formatBytes(h!.externalBytes)} of ArrayBuffer memory outside the V8 heap (${formatBytes(perObject)} per object), about ${formatBytes(external)} per iteration${whole}`;
    }
    leak.evidence +=
      choice.how === 'attributed'
        ? `; holders: of ${h!.matched} live objects that V8's allocation tracker attributes to this site after a final batch of ${runs} runs, ${heldBy(choice.paths[0])}`
        : `; holders: in a final batch of ${runs} runs, ${choice.words}`;
    addKeptIn(leak, choice.paths[0].variable, sources);
  }
}

function slopeOf(x: number[], y: number[]): number {
  return linearFit(x, y).slope;
}
