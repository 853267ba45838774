import { basename } from 'node:path';
import { type LeakGroup, groupByUserCode } from '../../analysis/leak-groups.js';
import { buildSiteSeries, type SiteMeasurement } from '../../analysis/leaks/site-series.js';
import { applySourceMaps } from '../../analysis/source-maps.js';
import { scriptsOfLeaks } from '../inspector/loaded-scripts.js';
import { ScriptSources, resolveCallLines } from '../../analysis/call-lines.js';
import { addKeptIn } from '../../analysis/kept-in.js';
import { annotateInlining } from '../../analysis/leaks/inlining-note.js';
import { joinInlinedCallees } from '../../analysis/leaks/inlined-callees.js';
import {
  allocationClock,
  listedBelowThreshold,
  MIN_SAMPLES_OF_GROWTH,
  leastGrowthJudged,
  runClock,
  scoreSites,
  slowedWorkClock,
  toLeak,
  v8CodeSeries,
} from '../../analysis/leaks/score-sites.js';
import { spreadLeaks } from '../../analysis/leaks/spread-leaks.js';
import { type Leak, type LeakReport, mostLikelyFirst } from '../../analysis/leak-report.js';
import { SnapshotAnalysis } from '../../analysis/snapshot/analysis.js';
import { CAPTURE_FILES, type SitesRecord } from '../../capture-folder/layout.js';
import type { CaptureWriter } from '../../capture-folder/writer.js';
import { StackTable } from '../../model/stack-table.js';
import { loadSnapshot } from '../../model/snapshot/load.js';
import { SamplingSiteSampler } from '../heap/sampling-sampler.js';
import { sitesRecord } from '../heap/site-counts.js';
import { streamSnapshot } from '../heap/snapshot-stream.js';
import {
  describeSkippedSnapshot,
  judgeSnapshotRoom,
  largestHeapThatFits,
  readRss,
  snapshotRoomFor,
  type SnapshotRoomVerdict,
} from './snapshot-room.js';
import { HeapObjectCounter } from '../heap/object-count.js';
import { discardConsoleMessages } from '../inspector/console-messages.js';
import { formatFrame } from '../../model/frame.js';
import { measureGrowth } from '../../analysis/growth/growth.js';
import type { RemoteSession } from '../inspector/remote-session.js';
import {
  FEW_ATTRIBUTED,
  type BufferOwners,
  type WindowStrings,
  bufferOwners,
  oneUserFunction,
  chooseHolders,
  heldBy,
  noHoldersReason,
  siteHints,
  suspectKeyOf,
  suspectPaths,
  votedShape,
  windowNativeStrings,
} from '../../check/sample-paths.js';
import { CaptureError } from '../../errors.js';
import { type ExitSnapshotLimit, MemoryProbe, type ProbeResult } from './memory-probe.js';
import { type CaptureRules, newRuleState, ruleToFire } from './rules.js';
import { AGENT_FRAMES, RemoteHandles } from './remote-handles.js';
import { WorkerSites, wallClock } from './worker-sites.js';
import { formatBytes } from '../../cli/output/format.js';
import { unexplainedGrowth } from '../../analysis/growth/unexplained-growth.js';
import { type BufferReading, bufferGrowth } from '../../analysis/growth/buffer-growth.js';
import { HandleSeries } from '../../analysis/leaks/handle-series.js';
import { describeGcTally, forgetGcFunction, incrementalFullGc } from '../heap/target-gc.js';
import { deoptimizeAll } from './runtime-inlining.js';
import { LIGHT_INTERVAL_FACTOR, LightWatch, type WatchEpoch, type WatchSwitch, describeSwitch, seriesPeriod } from './light-watch.js';
import {
  COST_WINDOW_MS,
  LIGHT_BUDGET_SCALE,
  MeasurePacer,
  type MeasureSchedule,
  readCpuMs,
  readRunqueueWaitMs,
} from './measure-schedule.js';
import {
  chooseSamplingInterval,
  describeSamplingChange,
  describeSamplingKept,
  dropSampleMarker,
  placeSampleMarker,
  samplesTaken,
  type SamplingAdaptation,
} from './sampling-rate.js';
import { rejectAfter } from '../../timeouts.js';
import { TrackerPaceMeter, slowedByTracker } from '../heap/tracker-pace.js';
import { nodeMajorOf } from '../node-major.js';

export interface LiveCaptureOptions {
  writer: CaptureWriter;
  /**
   * Resolves when the program says it is exiting (run's preload, at the start of its 'exit'
   * handler): it closes the inspector then, before Node would tell us (watchForExit).
   */
  targetExiting?: Promise<void>;
  /** The target's pid on this machine, for what /proc tells (CPU, waits, descriptors); null for a process not here. */
  pid: number | null;
  /** Bytes between samples of V8's sampling heap profiler (at first, with `adaptSampling`). */
  samplingInterval: number;
  /**
   * The user did not fix the interval: at the warm-up's end, make it finer where the sampler
   * costs the target little (and, `both`, coarser where it costs more than its budget;
   * sampling-rate.ts). Undefined: fixed.
   */
  adaptSampling?: SamplingAdaptation;
  /** Memory series period. */
  seriesEveryMs: number;
  /** Leak-finder measurement schedule (each measurement makes two full GCs in the target). */
  measure: MeasureSchedule;
  /** Measurements before this much time has passed are warm-up, not judged. */
  warmupMs: number;
  /** Stop after this long (else when stopped or when the target ends). */
  durationMs?: number;
  rules: CaptureRules;
  /** Allocation tracking too, so snapshots carry allocation stacks (costly; see ARCHITECTURE). */
  exact: boolean;
  /**
   * With `exact`: the target was started with node's --track-heap-objects (run), so tracking is
   * already on and is not started through the inspector. The inspector's tracking sends heap
   * statistics every 50 ms, each a full GC and a walk of the heap: a program with a heap of
   * 300,000 objects ran 14 iterations of a loop in 3 s under it, against 133,000 under the
   * flag (ARCHITECTURE, "Holders in run/attach"; Node 20: later versions space the statistics out).
   */
  trackingByFlag?: boolean;
  /**
   * Without `exact`: when heap leaks were found and the target still runs, track allocations
   * this long at the end and take a snapshot, for retainer paths. 0: none.
   */
  holdersMs: number;
  /** The most memory a heap snapshot may take in the target (bytes); null: what is free there (snapshot-room.ts). */
  maxSnapshotMemory: number | null;
  /** The program writes a snapshot as it exits (run's preload): it is told the room for one. */
  exitSnapshot?: boolean;
  threshold: number;
  /** Aborted to stop capturing (Ctrl-C). */
  signal: AbortSignal;
  /** Set by the caller to request a snapshot now (keypress, signal). */
  requests: { snapshot: (reason: string) => void };
  onStatus?: (s: LiveStatus) => void;
  /** Said in the notes of the report. */
  trackingNote: string;
  /**
   * The target runs with V8's inlining off (`run`'s default): every allocation is recorded
   * under the function that made it, so a suspect's caller and callee are two real sites, not
   * one leak split by inlining — and are not joined. Its note is said in the report.
   */
  inlining: {
    off: boolean;
    note: string;
    /**
     * Turns V8's inlining off (true) or back on in the target, then deoptimizes its code so
     * that it recompiles so; resolves whether the code was deoptimized. Only where leaktrace
     * turned inlining off itself (light-watch.ts switches it).
     */
    set?: (off: boolean) => Promise<boolean>;
  };
  /**
   * After this long judged with nothing growing, watch lightly (a coarser sampler, inlining
   * back on) until something grows (light-watch.ts); null: stay precise.
   */
  lightAfterMs: number | null;
  /**
   * Judge open handles too, by type and creation stack, through the handle agent (preloaded
   * by `run`, installed into the target by `attach`). False: memory only.
   */
  handles: false | { captureDir: string | null };
  /** Sample and judge each worker thread's heap too (worker-sites.ts). Default true. */
  workers?: boolean;
}

export interface LiveStatus {
  elapsedMs: number;
  last: ProbeResult | null;
  measurements: number;
  snapshots: number;
  phase: string;
}

export interface LiveCaptureResult {
  report: LeakReport & {
    measurements: number;
    warmupMs: number;
    /** From the start to the end of the report: the capture, then its last measurement, snapshots and analysis. */
    durationMs: number;
    /** From the start to the end of the capture itself (the duration, a Ctrl-C, the target's exit). */
    capturedMs?: number;
    samplingInterval: number;
    /** The capture's stretches of precise and light watching (light-watch.ts), in order. */
    watch: WatchEpoch[];
    belowThreshold: Leak[];
    /** The leaks grouped by the place in the user's code they are reached from (analysis/leak-groups.ts). */
    byUserCode?: LeakGroup[];
    notes: string[];
    /** The at-end snapshot (not the program's own at-exit one), when taken. */
    finalSnapshot?: string | null;
    /** Why the sites could not be judged (too few measurements after the warm-up), when so. */
    notJudged?: string;
    /**
     * What the verdict rests on: the stretch judged (ms since the start), its measurements, and
     * the steady leak rate (bytes per second) under which a site earns too few samples in it to
     * be seen (detectionLimitNote). Absent when not judged.
     */
    judged?: { fromMs: number; toMs: number; measurements: number; unseenBelowBytesPerSecond: number };
  };
  /** Why the capture ended. */
  ended: 'stopped' | 'duration' | 'target-exited' | 'target-lost';
  series: ProbeResult[];
}

/**
 * The capture loop of `run` and `attach`, over one inspector session: a memory series point
 * every `seriesEveryMs`, a leak-finder measurement (full GC, then the sampling profile) on the
 * `measure` schedule (measure-schedule.ts), heap snapshots when a capture rule fires, each
 * written to the capture folder as it happens. When it ends — stopped, timed out, or the
 * target finishing — it judges every allocation site over the measurements after warm-up and
 * writes leaks.json.
 */
export async function liveCapture(session: RemoteSession, o: LiveCaptureOptions): Promise<LiveCaptureResult> {
  const started = Date.now();
  const stacks = new StackTable();
  let stacksWritten = 0;
  // Two full GCs per measurement, marked incrementally as V8's own are: an atomic one (gc(),
  // collectGarbage, a profile read's) deoptimizes the program's hot code (target-gc.ts). Two,
  // because objects that only die once the first GC's weak callbacks have released them
  // (native wrappers: sockets, parsers) need the second, or they are counted live: tried with
  // one, a bounded cache under CPU load was reported as a heap or socket leak in 4 of 20 runs
  // (0 of 14 with two). The first is a Runtime.evaluate also to guard the end: a read sent
  // while the program was exiting answered with its torn-down heap, whereas an evaluate then
  // never answers and the measurement is dropped.
  const targetGc = incrementalFullGc(session);
  const sampler = new SamplingSiteSampler(session, stacks, o.samplingInterval, { gc: targetGc });
  const measurements: SiteMeasurement[] = [];
  const series: ProbeResult[] = [];
  const probe = new MemoryProbe(session, o.pid);
  const bufferReadings: BufferReading[] = [];
  const notes: string[] = [o.trackingNote, o.inlining.note];
  const ruleState = newRuleState(started);
  let snapshots = 0;
  let pendingSnapshot: string | null = null;
  let targetFinishing = false;
  let ended: LiveCaptureResult['ended'] = 'stopped';
  o.requests.snapshot = (reason) => {
    pendingSnapshot = reason;
  };
  // Wakes the loop's sleep at once when the target is finishing or asks for attention.
  const wake = new AbortController();
  const finishing = (): void => {
    targetFinishing = true;
    session.failPending('the target is exiting');
    wake.abort();
  };
  // Node tells a session that asked (watchForExit below) when the program has finished and
  // waits for debuggers to disconnect.
  session.on('NodeRuntime.waitingForDisconnect', finishing);
  // Under run the preload closes the inspector in the program's 'exit' handler, so Node's
  // signal never reaches us; the preload says so first, through its pipe. Without it, a
  // measurement in flight was answered from the heap being torn down (every site at 0: a
  // leak's last point a fall, and the chunks test's leak missed 3 times in 3).
  // And leaktrace lets go of the connection then, before the preload closes the inspector:
  // nothing more can be read from a program in its exit handler, and a session still open
  // when it closes the inspector can crash it (RemoteSession.drop).
  void o.targetExiting?.then(() => {
    finishing();
    session.drop('the target is exiting');
  });
  void session.closed.then(() => wake.abort());
  const status = (phase: string): void =>
    o.onStatus?.({
      elapsedMs: Date.now() - started,
      last: series[series.length - 1] ?? null,
      measurements: measurements.length,
      snapshots,
      phase,
    });

  // A snapshot is built whole in the target's memory first (snapshot-room.ts): none is taken
  // that would not fit there, and what each took is said.
  const skippedSnapshots = new Map<string, { why: string; count: number }>();
  const snapshotCosts: { reason: string; before: number; after: number }[] = [];
  /** The target's heap used now (the last series point if it does not answer). */
  const heapUsedNow = async (): Promise<number | undefined> => (await probe.read().catch(() => null))?.heapUsed ?? series.at(-1)?.heapUsed;
  /** Whether a heap snapshot would fit in the target now (by its heap's size, or its `objects`); null if unknown. */
  const snapshotRoom = async (objects?: number): Promise<{ verdict: SnapshotRoomVerdict; heapUsed: number } | null> => {
    const heapUsed = await heapUsedNow();
    if (heapUsed === undefined) return null;
    return { verdict: judgeSnapshotRoom(heapUsed, o.pid, o.maxSnapshotMemory, { objects }), heapUsed };
  };
  /** Why a snapshot (`what`) of a heap of `heapUsed` bytes would not fit in the process, or null when it fits. */
  const wontFit = (what: string, heapUsed: number, objects?: number): string | null => {
    const verdict = judgeSnapshotRoom(heapUsed, o.pid, o.maxSnapshotMemory, { objects });
    return verdict.fits ? null : describeSkippedSnapshot(what, heapUsed, verdict);
  };
  /** Why a heap snapshot (`what`) would not fit in the target now, or null when it fits. */
  const snapshotWontFit = async (what: string, objects?: number): Promise<string | null> => {
    const heapUsed = await heapUsedNow();
    return heapUsed === undefined ? null : wontFit(what, heapUsed, objects);
  };
  // The program checks the room itself before its at-exit snapshot (preload.cts): told the
  // largest heap that fits, again only when that moved by a MiB or more.
  let exitLimitSent: ExitSnapshotLimit | null = null;
  const exitSnapshotLimitToSend = (): ExitSnapshotLimit | null => {
    const room = snapshotRoomFor(o.pid, o.maxSnapshotMemory);
    if (room === null) return null;
    const limit = { largestHeap: largestHeapThatFits(room), room };
    const moved =
      exitLimitSent === null ||
      Math.abs(limit.largestHeap - exitLimitSent.largestHeap) >= 1024 * 1024 ||
      room.where !== exitLimitSent.room.where;
    if (!moved) return null;
    exitLimitSent = limit;
    return limit;
  };
  /** Takes a heap snapshot into the capture folder; its path, or null when it would not fit. */
  const takeSnapshot = async (reason: string, message: string, objects?: number): Promise<string | null> => {
    const why = await snapshotWontFit(`heap snapshot (${reason})`, objects);
    if (why !== null) {
      o.writer.appendEvent({ t: Date.now(), type: 'snapshot-skipped', message: why, reason });
      const seen = skippedSnapshots.get(reason);
      skippedSnapshots.set(reason, { why, count: (seen?.count ?? 0) + 1 });
      return null;
    }
    // streamSnapshot writes `<path>.partial` and renames it when whole.
    const slot = o.writer.nextSnapshot(reason);
    o.writer.appendEvent({ t: Date.now(), type: 'rule', message, reason });
    status(`heap snapshot (${reason})`);
    const rssBefore = o.pid !== null ? readRss(o.pid) : null;
    await discardConsoleMessages(session); // the program's objects, not ones our session kept alive
    await streamSnapshot(session, { file: slot.path, onProgress: () => status(`heap snapshot (${reason})`) });
    const rssAfter = o.pid !== null ? readRss(o.pid) : null;
    if (rssBefore !== null && rssAfter !== null) snapshotCosts.push({ reason, before: rssBefore, after: rssAfter });
    o.writer.appendEvent({ t: Date.now(), type: 'snapshot', message: `heap snapshot (${reason})`, file: slot.file, reason });
    snapshots++;
    return slot.path;
  };
  // The sampler's cost is judged once, at the first measurement after the warm-up.
  let samplingChecked = o.adaptSampling === undefined;
  let cpuAtSamplingStart: number | null = null;
  let wallAtSamplingStart = Date.now();
  /** Makes the sampler finer where that is cheap (or coarser if it costs too much, with auto); true when it restarted (the measurement is void). */
  const adaptSampling = async (): Promise<boolean> => {
    const profile = sampler.lastProfile;
    const cpuNow = readCpuMs(o.pid);
    const taken = profile ? samplesTaken(profile, sampler.interval) : null;
    if (taken === null || cpuNow === null || cpuAtSamplingStart === null) {
      notes.push(
        describeSamplingKept(
          null,
          taken === null
            ? "the sampler's count of samples could not be read from its profile"
            : "the program's CPU time could not be read from /proc",
          o.adaptSampling,
        ),
      );
      return false;
    }
    const decision = chooseSamplingInterval(
      sampler.interval,
      taken,
      cpuNow - cpuAtSamplingStart,
      o.adaptSampling,
      Date.now() - wallAtSamplingStart,
    );
    if (decision.interval === sampler.interval) {
      notes.push(describeSamplingKept(decision, undefined, o.adaptSampling));
      return false;
    }
    await sampler.restart(decision.interval);
    epoch.interval = decision.interval;
    preciseInterval = decision.interval;
    const restartX = Date.now() - started;
    const note = describeSamplingChange(decision, restartX);
    notes.push(note);
    o.writer.appendEvent({ t: Date.now(), type: 'note', message: note });
    o.writer.updateManifest({
      settings: { ...o.writer.currentManifest.settings, samplingInterval: decision.interval, samplingRestartedAtMs: restartX },
    });
    // Right after the restart the sampler holds nothing: every site's exact baseline is zero.
    measurements.length = 0;
    // The new sampler has taken no sample yet: its clock of the program's allocation starts at 0.
    measurements.push({
      x: restartX,
      sites: new Map(),
      waitMs: readRunqueueWaitMs(o.pid) ?? undefined,
      samplesTaken: 0,
      cpuMs: readCpuMs(o.pid) ?? undefined,
    });
    o.writer.appendLine(CAPTURE_FILES.sites, { x: restartX, t: Date.now(), sites: [] } satisfies SitesRecord);
    return true;
  };
  // Precise watching first; light once nothing grows (light-watch.ts).
  const watch = new LightWatch({ lightAfterMs: o.lightAfterMs, threshold: o.threshold, floorInterval: o.samplingInterval });
  let preciseInterval = o.samplingInterval;
  let epoch: WatchEpoch = {
    mode: 'precise',
    fromMs: 0,
    judgedFromMs: o.warmupMs,
    interval: o.samplingInterval,
    inliningOff: o.inlining.off,
    why: 'the capture began',
  };
  const epochs: WatchEpoch[] = [epoch];
  /** The epoch before the current one and its measurements: judged when the current one is too short. */
  let previous: { epoch: WatchEpoch; measurements: SiteMeasurement[] } | null = null;
  const switchEpoch = async (s: NonNullable<WatchSwitch>): Promise<void> => {
    const toLight = s.to === 'light';
    const judged = measurements.filter((m) => m.x >= epoch.judgedFromMs);
    const quietMs = judged.length > 1 ? judged[judged.length - 1].x - judged[0].x : 0;
    let inliningOff = epoch.inliningOff;
    let inliningChanged = false;
    if (o.inlining.set) {
      try {
        const deoptimized = await o.inlining.set(!toLight);
        inliningOff = !toLight && deoptimized;
        inliningChanged = true;
      } catch (err) {
        notes.push(`V8's inlining could not be turned ${toLight ? 'on' : 'off'} again: ${(err as Error).message}`);
        o.inlining.set = undefined;
      }
    }
    // Light: the handle agent's async hook off too (Node then runs no JavaScript per async
    // resource; about two points of CPU per request on the bench server, README bench 7).
    // Node's count of active resources still trips the wire.
    let tracingChanged = false;
    if (handles) {
      try {
        tracingChanged = await handles.setTracing(!toLight);
      } catch (err) {
        notes.push(`the handle agent's tracing could not be ${toLight ? 'paused' : 'resumed'}: ${(err as Error).message}`);
      }
    }
    const interval = toLight ? preciseInterval * LIGHT_INTERVAL_FACTOR : preciseInterval;
    await sampler.restart(interval);
    // Each worker's sampler too: a new epoch there as well (worker-sites.ts).
    await workers?.switchEpoch(interval);
    pacer.scaleBudget(toLight ? LIGHT_BUDGET_SCALE : 1);
    const x = Date.now() - started;
    const note = describeSwitch(s, {
      atMs: x,
      next: { interval, inliningOff },
      quietMs,
      changed: { inlining: inliningChanged, tracing: tracingChanged },
      seriesEveryMs: o.seriesEveryMs,
    });
    notes.push(note);
    o.writer.appendEvent({ t: Date.now(), type: 'note', message: note });
    o.writer.updateManifest({ settings: { ...o.writer.currentManifest.settings, samplingInterval: interval, inliningOff } });
    previous = { epoch, measurements: [...measurements] };
    epoch = { mode: s.to, fromMs: x, judgedFromMs: x + o.warmupMs, interval, inliningOff, why: note };
    epochs.push(epoch);
    measurements.length = 0;
    o.writer.appendLine(CAPTURE_FILES.sites, { x, t: Date.now(), sites: [] } satisfies SitesRecord);
  };
  /** `last`: the capture's final measurement, which never restarts the sampler (nothing would follow). */
  const measure = async (gc = true, last = false): Promise<void> => {
    status('measuring (full GC + sampling profile)');
    const checkRate = !samplingChecked && !last && Date.now() - started >= o.warmupMs;
    if (checkRate) await placeSampleMarker(session, sampler.interval);
    await discardConsoleMessages(session);
    // The handle agent drops its records of handles closed since its last sweep and turns raw
    // stacks into text (a raw stack holds its frames' receivers). What it changes has not been
    // measured: it was removed once and restored after a CI failure of the bounded-cache
    // control, but that failure's shape (growth in a step or two) has since been traced to the
    // judge, not to the agent — measuring it with and without is still to do.
    if (handles) await handles.settle();
    const sites = await sampler.measure({ gc });
    if (checkRate) {
      samplingChecked = true;
      await dropSampleMarker(session);
    }
    const x = Date.now() - started;
    const waitMs = readRunqueueWaitMs(o.pid) ?? undefined;
    const cpuMs = readCpuMs(o.pid) ?? undefined;
    // Handles are read right after the same GC (a socket closed by GC is gone); warm-up
    // measurements are never judged.
    const handleRead = handles && x >= o.warmupMs ? await handles.read() : null;
    // A measurement taken while the program was exiting sees its objects torn down (every
    // site drops towards zero): it would turn a leak's last point into a fall. Discarded.
    if (targetFinishing) return;
    if (handleRead) handleSeries.add(x, handleRead.groups);
    // A restarted sampler voids this measurement's sites (not its handles).
    if (checkRate && (await adaptSampling())) return;
    const v8CodeBytes = gc ? (targetGc.v8CodeBytes ?? undefined) : undefined;
    const profile = sampler.lastProfile;
    const taken = profile ? samplesTaken(profile, sampler.interval) : null;
    measurements.push({
      x,
      sites,
      waitMs,
      cpuMs,
      v8CodeBytes,
      activeHandles: handleRead?.active ?? undefined,
      samplesTaken: taken ?? undefined,
    });
    // ArrayBuffer memory right after the same GCs, for every epoch alike (buffer-growth.ts).
    // (Not once the target is exiting: it would not answer, and the read waits 3 s for nothing.)
    if (gc && !targetFinishing && !session.isClosed) {
      const after = await probe.read();
      if (typeof after?.arrayBuffers === 'number') bufferReadings.push({ x, arrayBuffers: after.arrayBuffers });
    }
    // Each worker's heap, right after the main thread's (worker-sites.ts).
    if (workers && gc) await workers.measure();
    for (; stacksWritten < stacks.size; stacksWritten++) {
      const id = stacksWritten + 1;
      o.writer.appendLine(CAPTURE_FILES.stacks, { id, frames: stacks.framesOf(id) });
    }
    o.writer.appendLine(CAPTURE_FILES.sites, sitesRecord(x, sites, v8CodeBytes, sampler.ledger));
    if (!last) {
      const next = watch.next(
        epoch,
        measurements,
        stacks,
        handles ? handleSeries : null,
        workers ? () => workers!.strongestGrowth(o.threshold, o.warmupMs) : null,
      );
      if (next) await switchEpoch(next);
    }
  };

  const handleSeries = new HandleSeries();
  let period = o.measure.baseMs;
  const pacer = new MeasurePacer(o.measure, () => readCpuMs(o.pid), started, { durationMs: o.durationMs, warmupMs: o.warmupMs });
  let handles: RemoteHandles | null = null;
  let workers: WorkerSites | null = null;
  try {
    if (o.handles) {
      const h = await RemoteHandles.connect(session, { captureDir: o.handles.captureDir, fds: true });
      if ('unavailable' in h) notes.push(`open handles are not judged: ${h.unavailable}`);
      else {
        handles = h;
        const before = Object.entries(h.info.preexisting ?? {}).filter(([, n]) => n > 0);
        if (!h.info.fromProcessStart && before.length > 0) {
          notes.push(
            `handle tracking began at the attach: ${before.map(([type, n]) => `${n} ${type}`).join(', ')} already open then have no creation stack and are not judged`,
          );
        }
      }
    }
    await watchForExit(session, finishing);
    if (o.exact && !o.trackingByFlag) await session.post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
    await sampler.start();
    if (o.workers !== false) {
      const w = await WorkerSites.start(session, {
        stacks,
        interval: o.samplingInterval,
        clock: wallClock(started),
        writer: o.writer,
        handleAgent: handles && o.handles ? { captureDir: o.handles.captureDir, fds: true } : null,
      });
      if (typeof w === 'string') notes.push(w);
      else workers = w;
    }
    cpuAtSamplingStart = readCpuMs(o.pid);
    wallAtSamplingStart = Date.now();
    // `run` holds the program before its first line until tracking is on (see preload.cts).
    await session.post('Runtime.runIfWaitingForDebugger').catch(() => undefined);
    let nextSeries = started;
    // Measurements before the warm-up's end are never judged, and each costs the target a
    // forced GC: the first comes as the warm-up ends (or at 1 s without one).
    let nextMeasure = started + Math.max(o.warmupMs, Math.min(o.measure.baseMs, 1000));
    // When the last measurement's cost window ends (measure-schedule.ts), or null.
    let settleAt: number | null = null;
    let lastMeasureStart = started;
    while (true) {
      if (o.signal.aborted) break;
      if (session.isClosed) {
        ended = 'target-lost';
        break;
      }
      if (targetFinishing) {
        ended = 'target-exited';
        break;
      }
      if (o.durationMs !== undefined && Date.now() - started >= o.durationMs) {
        ended = 'duration';
        break;
      }
      const now = Date.now();
      if (now >= nextSeries) {
        // Less often while light (light-watch.ts), from the points before this one.
        nextSeries = now + seriesPeriod(epoch.mode, o.seriesEveryMs, series.at(-1), series.at(-2));
        pacer.reading(now);
        // The load may have changed since the period was set: re-paced from the latest rate.
        const repaced = settleAt === null ? pacer.reschedule() : null;
        if (repaced !== null) {
          period = repaced;
          nextMeasure = lastMeasureStart + repaced;
        }
        const sample = await probe.read(o.exitSnapshot ? exitSnapshotLimitToSend() : null);
        if (!sample) continue; // no answer: the loop's checks above will see why
        series.push(sample);
        const { heapLimit: _limit, ...point } = sample;
        o.writer.appendSample(point);
        const rule = ruleToFire(o.rules, ruleState, sample);
        if (rule) await takeSnapshot(rule.reason, rule.message);
      }
      if (pendingSnapshot) {
        const reason = pendingSnapshot;
        pendingSnapshot = null;
        await takeSnapshot(reason, `requested (${reason})`);
      }
      if (settleAt !== null && Date.now() >= settleAt) {
        settleAt = null;
        period = pacer.settle(Date.now());
        if (o.measure.budget !== null) nextMeasure = lastMeasureStart + period;
      }
      if (Date.now() >= nextMeasure) {
        lastMeasureStart = Date.now();
        pacer.measuring(lastMeasureStart);
        // A fixed period runs from each start; a paced one is known once the cost is seen.
        nextMeasure = o.measure.budget === null ? lastMeasureStart + o.measure.baseMs : Infinity;
        settleAt = lastMeasureStart + COST_WINDOW_MS;
        await measure();
      }
      status('capturing');
      const wakeAt = Math.min(nextSeries, nextMeasure, settleAt ?? Infinity);
      await sleep(Math.max(10, wakeAt - Date.now()), AbortSignal.any([o.signal, wake.signal]));
    }
  } catch (err) {
    // The target exiting or going away mid-command ends the capture; anything else is a real error.
    if (targetFinishing) ended = 'target-exited';
    else if (session.isClosed) ended = 'target-lost';
    else throw err;
  }

  // The end: one last measurement and the at-end snapshot while the target can still answer
  // (when it is finishing, it waits for us to detach).
  // The end. A target that is still running gets a last measurement and, by the at-end rule,
  // a snapshot. A target that is exiting waits for us to detach but runs no more tasks (a
  // forced GC would hang, measured) and its objects are already being torn down, so it gets
  // neither: its at-exit snapshot is written by the program itself (see preload.cts).
  const capturedMs = Date.now() - started;
  let finalSnapshotFile: string | null = null;
  /** Runs a step of the end in a target that may go away meanwhile: said, not thrown. */
  const atTheEnd = async (step: () => Promise<void>): Promise<void> => {
    if (session.isClosed || targetFinishing) return;
    try {
      await step();
    } catch (err) {
      if (!session.isClosed && !(err instanceof CaptureError)) throw err;
      notes.push(`the capture could not finish cleanly: ${(err as Error).message}`);
      if (session.isClosed) ended = 'target-lost';
    }
  };
  const takeEndSnapshot = (): Promise<void> =>
    atTheEnd(async () => {
      finalSnapshotFile = await withTimeout(takeSnapshot('end', 'the capture ended'), 600_000);
    });
  await atTheEnd(() => withTimeout(measure(true, true), 60_000));
  // The at-end snapshot comes after the judgement: when a holders snapshot is to be taken (a
  // heap leak in the main thread), that one, seconds later, is the end snapshot too — two
  // whole snapshots of a leaking heap cost the program twice (blind red-team: 34 s and 570 MB
  // for an end snapshot of a 275 MB heap, then as much again for the holders one). With
  // --exact the end snapshot carries allocation stacks, and is what holders are read from.
  if (o.rules.atEnd && o.exact) await takeEndSnapshot();
  // The sampling profile of the last measurement, in Chrome's .heapprofile format.
  if (sampler.lastProfile) o.writer.writeJson(`${CAPTURE_FILES.profiles}/final.heapprofile`, sampler.lastProfile);
  if (ended === 'target-lost') notes.push('the target went away during the capture: the report covers what was measured until then');
  status('analysing');
  notes.push(pacer.describe(period));
  const gcNote = describeGcTally(targetGc.tally);
  if (gcNote) notes.push(gcNote);
  // The current epoch, or the one before when the current is too short to judge (a switch
  // near the end): said in the notes.
  // (A cast: TypeScript cannot see that switchEpoch, a closure, assigns `previous`.)
  const before = previous as { epoch: WatchEpoch; measurements: SiteMeasurement[] } | null;
  let judgedEpoch = { epoch, measurements };
  if (before && countJudged(judgedEpoch) < 4 && countJudged(before) >= 4) {
    notes.push(
      `judged on the stretch from ${Math.round(before.epoch.fromMs / 1000)} to ${Math.round(epoch.fromMs / 1000)} s: the last one, from ${Math.round(epoch.fromMs / 1000)} s, was too short to judge`,
    );
    judgedEpoch = before;
  }
  const report = judge(judgedEpoch.measurements, stacks, o, notes, judgedEpoch.epoch, epochs);
  if (workers) {
    const judged = workers.judge(o.threshold, o.warmupMs);
    report.leaks.push(...judged.leaks);
    report.belowThreshold.push(...judged.belowThreshold);
    notes.push(...judged.notes);
    report.leaks.sort(mostLikelyFirst);
  }
  if (handles) {
    const judged = handleSeries.judge(o.threshold, 'minute');
    report.leaks.push(...judged.leaks);
    report.belowThreshold.push(...judged.belowThreshold);
    report.leaks.sort(mostLikelyFirst);
    if (!session.isClosed && !targetFinishing) await handles.stop().catch(() => undefined);
  }
  // Growth of the process that no sampled site or handle explains (a worker's heap, native
  // memory): said as an unattributed leak rather than "no leak found".
  const unexplained = unexplainedGrowth(
    series.filter((p) => p.t - started >= o.warmupMs),
    o.threshold,
  );
  // A leak found in a worker's heap is where such growth goes: not said twice.
  if (unexplained && !report.leaks.some((l) => l.worker !== undefined)) {
    // Handles whose C++ side holds memory of its own outside the heap: a leak of them grows
    // the process, not the sampled heap (blind red-team: a gzip stream per connection under
    // attach, +140 MiB/min unattributed beside the ZLIB leak that explains it).
    const native = report.leaks.filter((l) => l.kind === 'handle' && l.resource !== null && NATIVE_BACKED.has(l.resource));
    if (native.length > 0)
      unexplained.evidence += `; the ${native.map((l) => `${l.resource} handle leak at ${l.site ? formatFrame(l.site) : 'an unknown site'}`).join(' and the ')} found beside it keep${native.length > 1 ? '' : 's'} memory of ${native.length > 1 ? 'their' : 'its'} own outside the JavaScript heap (${native.map((l) => NATIVE_BACKED.get(l.resource!)).join('; ')}): likely much of this growth`;
    report.leaks.push(unexplained);
    report.leaks.sort(mostLikelyFirst);
  }
  // Buffers' bytes, outside the heap the sampler counts: judged from Node's own count.
  const bufferLeak = bufferGrowth(
    bufferReadings.filter((r) => r.x >= o.warmupMs),
    o.threshold,
  );
  if (bufferLeak) {
    report.leaks.push(bufferLeak);
    report.leaks.sort(mostLikelyFirst);
  }
  // Scripts a loader compiled in memory (tsx): their code and source maps, asked of the
  // program while it runs, so that lines are found in the code that ran and then moved to the
  // files the user edits.
  const { sources, maps } = await scriptsOfLeaks(session.isClosed || targetFinishing ? null : session, [
    ...report.leaks,
    ...report.belowThreshold,
  ]);
  const heapLeak = (l: Leak): boolean => l.kind === 'heap' || l.kind === 'external';
  const mainLeaks = report.leaks.filter((l) => !l.worker);
  const holdersPlanned = !o.exact && o.holdersMs > 0 && mainLeaks.some(heapLeak);
  if (o.rules.atEnd && !o.exact && !holdersPlanned) await takeEndSnapshot();
  let holdersFile: string | null = null;
  // With --exact, the final snapshot carries allocation stacks already.
  const exactHolders = o.exact && finalSnapshotFile !== null && mainLeaks.length > 0;
  if (exactHolders) await addHolders(mainLeaks, finalSnapshotFile!, { sources });
  const mainWindow = !exactHolders && mainLeaks.some(heapLeak);
  const workerWindow = workers !== null && report.leaks.some((l) => l.worker && heapLeak(l));
  if ((mainWindow || workerWindow) && o.holdersMs > 0) {
    // Without --exact, snapshots carry no allocation stacks. To show what holds each heap
    // suspect, track allocations for a short window in a target that still runs, and take
    // one snapshot (of the main thread, and of each worker with a leak): the suspects'
    // objects made in that window carry their stacks.
    // Checked before the window: no point tracking for a snapshot that will not be taken. By
    // the heap's size, it may not fit at the worst ratio measured yet fit at the least: then
    // the objects are counted, from the tracker the window starts anyway (snapshot-room.ts).
    const before = session.isClosed || targetFinishing || !mainWindow ? null : await snapshotRoom();
    const holdersNotShown = (): void => {
      for (const l of mainLeaks)
        if (heapLeak(l)) l.evidence += `; holders: not shown — the snapshot would not fit in the target's memory (notes)`;
    };
    const holdersWontFit = (why: string): void => {
      o.writer.appendEvent({ t: Date.now(), type: 'snapshot-skipped', message: why, reason: 'holders' });
      skippedSnapshots.set('holders', { why, count: 1 });
      holdersNotShown();
    };
    if (before && !before.verdict.fits && !before.verdict.mightFit)
      holdersWontFit(describeSkippedSnapshot('retainer paths', before.heapUsed, before.verdict));
    let mainTracked = mainWindow && !skippedSnapshots.has('holders');
    let pace: TrackerPaceMeter | null = null;
    const counter = mainTracked && before?.verdict.mightFit === true ? new HeapObjectCounter(session) : null;
    if (session.isClosed || targetFinishing) {
      notes.push('no retainer paths: the target had ended (with --exact, snapshots carry allocation stacks)');
    } else if (mainTracked || workerWindow) {
      try {
        status(`tracking allocations for ${Math.round(o.holdersMs / 1000)} s to find what holds the suspects`);
        if (mainTracked) {
          pace = new TrackerPaceMeter(session);
          await session.post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
          const objects = counter ? await counter.first(2000) : null;
          const counted = counter ? await snapshotRoom(objects ?? undefined) : null;
          if (counted && objects !== null && counted.verdict.fits)
            o.writer.appendEvent({
              t: Date.now(),
              type: 'snapshot-room',
              message: `the heap's ${objects} objects counted: a snapshot estimated at ~${formatBytes(counted.verdict.estimate)} fits (by its size alone it did not)`,
              reason: 'holders',
              objects,
              estimate: counted.verdict.estimate,
            });
          if (counted && (objects === null || !counted.verdict.fits)) {
            // Not to be taken after all: the tracker off again (its id map freed with it).
            await session.post('HeapProfiler.disable').catch(() => undefined);
            counter!.stop();
            mainTracked = false;
            holdersWontFit(describeSkippedSnapshot('retainer paths', counted.heapUsed, counted.verdict));
          }
        }
        if (mainTracked) {
          // Optimized code allocates past the tracker: deoptimized, the program's allocations
          // go through it until V8 optimizes again (the bundled server: 35, 5 and 5 of its
          // leak's objects attributed in three runs; 139, 47 and 55 with this). Not when the
          // user asked to keep the compilers alone (--inlining).
          if (epoch.inliningOff) await deoptimizeAll(session);
        }
        if (workerWindow)
          await workers!.startHolders(report.leaks, {
            deoptimize: epoch.inliningOff,
            wontFit: (heapUsed) => wontFit("snapshot of the worker's heap", heapUsed),
          });
        await sleep(o.holdersMs, wake.signal);
        await handles?.settle();
        if (mainTracked) {
          const objects = counter?.count ?? undefined;
          counter?.stop();
          const paced = pace?.stop() ?? null;
          const slowed = paced ? slowedByTracker(paced, nodeMajorOf(o.writer.currentManifest.target.nodeVersion)) : null;
          pace = null;
          if (slowed)
            notes.push(
              `retainer paths: ${slowed}; in the ${Math.round(o.holdersMs / 1000)} s window few of the suspects' objects were made, so few can show what holds them (run --exact tracks from the start without these statistics)`,
            );
          const file = await withTimeout(takeSnapshot('holders', 'allocation stacks for the suspects: what holds them', objects), 600_000);
          // disable, not stopTrackingHeapObjects: the latter streams one more whole snapshot.
          await session.post('HeapProfiler.disable').catch(() => undefined);
          holdersFile = file;
          if (file !== null)
            await addHolders(mainLeaks, file, { windowMs: o.holdersMs, sources, slowed, windowStartId: paced?.firstSeenId ?? undefined });
          else holdersNotShown(); // the heap grew in the window: takeSnapshot said why
        }
        if (workerWindow) {
          status('heap snapshots of the workers with a leak');
          for (const w of await workers!.takeHolders((id) => o.writer.workerSnapshotPath(id))) {
            const leaks = report.leaks.filter((l) => l.worker?.id === w.worker);
            if (w.file !== null) await addHolders(leaks, w.file);
            else for (const l of leaks) l.evidence += `; holders: not shown — ${w.why}`;
          }
        }
      } catch (err) {
        notes.push(`no retainer paths: ${(err as Error).message}`);
      } finally {
        counter?.stop();
        pace?.stop();
      }
    }
  }
  if (o.rules.atEnd && holdersPlanned) {
    if (holdersFile !== null) {
      finalSnapshotFile = holdersFile;
      notes.push(
        `the end snapshot is the holders snapshot (${basename(holdersFile)}), taken ${Math.round(o.holdersMs / 1000)} s after the capture's end with V8's allocation tracker on: one whole snapshot of the heap instead of two`,
      );
    } else await takeEndSnapshot(); // no holders snapshot after all (it would not fit, or failed)
  }
  // Buffers and typed arrays keep their bytes outside the heap, where the sampler does not
  // count them: a leak of small views can hold far more than its wrappers (blind red-team: 8-byte
  // slices of Buffer.allocUnsafe each pinning its 8 KiB pool slab, reported at +13.7 MiB/min while
  // ArrayBuffer memory grew ~345 MiB/min). Said where the holders show the leak is made of them.
  const buffers = arrayBufferGrowth(series.filter((p) => p.t - started >= o.warmupMs));
  if (buffers)
    for (const l of mainLeaks)
      if (heapLeak(l) && l.shape && BUFFER_CLASSES.test(l.shape.className))
        l.evidence += `; the program's ArrayBuffer memory (outside the JavaScript heap, not in the bytes above) grew ${formatBytes(buffers.grew)} over the ${Math.round(buffers.spanMs / 1000)} s after the warm-up, ${formatBytes(buffers.perMinute)} per minute: what these ${l.shape.className} objects keep alive is counted there — a small view keeps its whole backing store (a Buffer.allocUnsafe slice, its 8 KiB pool slab)`;
  notes.push(...describeSnapshotMemory(skippedSnapshots, snapshotCosts));
  if (workers && !session.isClosed && !targetFinishing) await workers.stop();
  if (!session.isClosed && !targetFinishing) await forgetGcFunction(session);
  report.finalSnapshot = finalSnapshotFile;
  report.durationMs = Date.now() - started;
  report.capturedMs = capturedMs;
  // Last, as it moves user frames off the positions the retainer paths were matched by.
  resolveCallLines([...report.leaks, ...report.belowThreshold], sources);
  // And then to the original source, where the scripts have source maps (on disk, or known
  // only to the program: loadedScripts).
  applySourceMaps([...report.leaks, ...report.belowThreshold], maps);
  report.byUserCode = groupByUserCode(report.leaks);
  o.writer.writeJson(CAPTURE_FILES.leaks, report);
  return { report, ended, series };
}

/** Measurements of an epoch past its warm-up. */
function countJudged(e: { epoch: WatchEpoch; measurements: SiteMeasurement[] }): number {
  return e.measurements.filter((m) => m.x >= e.epoch.judgedFromMs).length;
}

function judge(
  measurements: SiteMeasurement[],
  stacks: StackTable,
  o: LiveCaptureOptions,
  notes: string[],
  /** The epoch these measurements belong to: its sampler's interval, its inlining, its warm-up's end. */
  epoch: WatchEpoch,
  epochs: WatchEpoch[],
): LiveCaptureResult['report'] {
  const interval = epoch.interval;
  const judged = measurements.filter((m) => m.x >= epoch.judgedFromMs);
  const base = {
    iterations: 0,
    warmup: 0,
    measurements: measurements.length,
    warmupMs: o.warmupMs,
    durationMs: 0,
    samplingInterval: interval,
    watch: epochs,
    notes,
  };
  if (judged.length < 4) {
    const why = `only ${judged.length} measurement${judged.length === 1 ? '' : 's'} after the ${Math.round(o.warmupMs / 1000)} s warm-up${epoch.fromMs > 0 ? ` that followed the switch at ${Math.round(epoch.fromMs / 1000)} s` : ''}: at least 4 are needed to judge growth (capture longer, or measure more often)`;
    notes.push(why);
    return { ...base, leaks: [], belowThreshold: [], notJudged: why };
  }
  const judgedMs = judged[judged.length - 1].x - judged[0].x;
  notes.push(detectionLimitNote(interval, judgedMs, o.samplingInterval));
  const judgedSummary = {
    fromMs: judged[0].x,
    toMs: judged[judged.length - 1].x,
    measurements: judged.length,
    unseenBelowBytesPerSecond: unseenBelow(interval, judgedMs, o.samplingInterval),
  };
  // The handle agent's frames are tooling: skipped when the program called them, and what the
  // agent allocates when Node calls it back (its record of each handle) is left out.
  const series = buildSiteSeries(judged, stacks, { ignorePrefixes: AGENT_FRAMES });
  const v8Code = v8CodeSeries(judged);
  // A sampler made finer at the warm-up's end judges on more samples, not smaller growth.
  const floorInterval = o.samplingInterval;
  const alone = scoreSites(series.values(), {
    samplingInterval: interval,
    floorInterval,
    runClock: runClock(judged),
    allocationClock: allocationClock(judged),
    workClock: slowedWorkClock(judged),
    v8Code,
    stacks,
  });
  const inliningOff = epoch.inliningOff;
  const scored = inliningOff
    ? alone
    : joinInlinedCallees(alone, series.values(), stacks, { threshold: o.threshold, samplingInterval: interval, floorInterval, v8Code });
  // The sites under one line of the user's code, each too thin to judge, judged summed: each package's, then everyone's.
  const spread = spreadLeaks(series.values(), scored, { threshold: o.threshold, samplingInterval: interval, floorInterval, v8Code });
  const leaks: Leak[] = [];
  const belowThreshold: Leak[] = [];
  for (const s of [...scored, ...spread].sort((a, b) => b.probability - a.probability)) {
    const leak = toLeak(s, stacks, 'minute', AGENT_FRAMES);
    if (s.probability >= o.threshold) leaks.push(leak);
    else if (listedBelowThreshold(s)) belowThreshold.push(leak);
  }
  if (!inliningOff) annotateInlining(leaks);
  return { ...base, leaks, belowThreshold, judged: judgedSummary };
}

/**
 * Samples of a steady leak a capture needs to see it reliably: in a seeded simulation of the
 * judge (5 KB/s at 32 KiB), ~5 expected samples over the judged window were found 78 % of the
 * time, ~8 92 %, ~15 98 %.
 */
const SAMPLES_TO_SEE = 8;

/**
 * The steady leak rate (bytes per second) under which a site earns fewer than SAMPLES_TO_SEE
 * samples in `judgedMs`, or grows less than the least growth judged: MIN_SAMPLES_OF_GROWTH
 * samples at `floorInterval`, the interval the capture began at, and MIN_SAMPLED_GROWTH at
 * least (score-sites.ts leastGrowthJudged).
 */
function unseenBelow(interval: number, judgedMs: number, floorInterval = interval): number {
  return Math.max(SAMPLES_TO_SEE * interval, leastGrowthJudged(floorInterval)) / Math.max(1, judgedMs / 1000);
}

/**
 * What the capture could not have seen, said rather than implied: a leak's samples arrive at
 * (its bytes per second) ÷ interval, so below a rate it earns too few in the judged window.
 */
export function detectionLimitNote(interval: number, judgedMs: number, floorInterval = interval): string {
  const perSecond = unseenBelow(interval, judgedMs, floorInterval);
  const least = leastGrowthJudged(floorInterval);
  const byFloor = least > SAMPLES_TO_SEE * interval;
  const why =
    least > MIN_SAMPLES_OF_GROWTH * floorInterval
      ? `the least growth judged at any interval (V8's compiled code for a hot function, charged to it, weighs that much)`
      : `the least growth judged (${MIN_SAMPLES_OF_GROWTH} samples at the ${formatBytes(floorInterval)} the capture began at: a finer sampler judges on more samples, not smaller growth)`;
  return (
    `sensitivity: with a sample every ${formatBytes(interval)} over the ${Math.round(judgedMs / 1000)} s judged, a steady leak under ` +
    `~${formatBytes(perSecond)}/s (${formatBytes(perSecond * 60)}/min) ` +
    (byFloor
      ? `grows less than ${formatBytes(least)}, ${why}, and goes unseen; `
      : `earns fewer than ${SAMPLES_TO_SEE} samples and may go unseen; `) +
    `a floor, not a promise: near it a leak is found only some of the time, and one whose objects are made at sites of several ` +
    `packages counts at each site by that site's share (the sites reached from one line of your code are also judged summed: each package's, then everyone's); ` +
    `a longer capture (or a finer --sampling-interval, at more cost) sees smaller ones`
  );
}

/**
 * What holds each of `leaks`' objects, from a snapshot taken with allocation tracking on (with
 * --exact the final one; else the holders window's). The leaks must all live in the heap the
 * snapshot is of: the main thread's, or one worker's (worker-sites.ts).
 */
export async function addHolders(
  leaks: readonly Leak[],
  snapshotFile: string,
  options: {
    /** How long the allocation tracker ran before the snapshot (the holders window); none: from the start (--exact). */
    windowMs?: number;
    /** The program's scripts as read for call lines and declarations (ScriptSources: compiled in memory, some). */
    sources?: ScriptSources;
    /** Why the program ran little in the window (slowedByTracker), when it did. */
    slowed?: string | null;
    /** The snapshot is the one the program wrote as it exited (run --exact): what it let go of by then is gone. */
    atExit?: boolean;
    /** The heap object id V8 had reached as the window began (TrackerPace.firstSeenId), when known. */
    windowStartId?: number;
  } = {},
): Promise<void> {
  const { windowMs, sources = new ScriptSources(), slowed = null, atExit = false, windowStartId } = options;
  const analysis = new SnapshotAnalysis(await loadSnapshot(snapshotFile));
  // Growth of the process that no site explains has no allocation stack to match objects by
  // (blind red-team: an unattributed leak was given 37 objects and a path "attributed to this site").
  const keys = new Map(leaks.filter((l) => l.kind !== 'native' && !isBufferMemoryLeak(l)).map((l) => [suspectKeyOf(l), l]));
  for (const l of leaks)
    if (isBufferMemoryLeak(l)) addBufferOwners(l, bufferOwners(analysis, { ignorePrefixes: AGENT_FRAMES }), sources, windowMs);
  const holders = suspectPaths(analysis, new Set(keys.keys()), siteHints(keys, sources));
  let windowStrings: WindowStrings | undefined;
  // What the tracker saw of the whole program in the window: a fact beside the guesses at why.
  const recorded = windowMs !== undefined ? analysis.snapshot.traces?.recorded : undefined;
  const windowRecorded = recorded
    ? `in all it recorded ${recorded.count.toLocaleString('en-US')} allocations (${formatBytes(recorded.bytes)}) of the whole program in the ${(windowMs! / 1000).toFixed(1)} s window`
    : '';
  for (const [key, leak] of keys) {
    const h = holders.get(key);
    const choice = chooseHolders(h, leak.series?.count.at(-1));
    if (choice.how === 'none' && isV8ApiSite(leak)) {
      windowStrings ??= windowNativeStrings(analysis, {}, NATIVE_STRING_PATHS, windowStartId) ?? undefined;
      if (addNativeStringHolders(leak, windowStrings, sources)) continue;
    }
    if (choice.how === 'none') {
      // (--exact tracks the main thread's allocations from the start; a worker's only in the window.)
      const remedy = atExit
        ? 'the snapshot is the one the program wrote as it exited, by when it may have let go of what held them (run --exact --duration ends the capture while it still runs); or the tracker missed them'
        : slowed
          ? `${slowed}; capture with run --exact, which starts the program with node's --track-heap-objects and has no such statistics`
          : leak.worker
            ? 'optimized code may allocate past the tracker; run the program with node --max-opt=1'
            : 'optimized code may allocate past the tracker; capture with run --exact from the start, or run the program with node --max-opt=1';
      leak.evidence +=
        leak.site?.file === ''
          ? `; holders: not shown — objects made with no JavaScript on the stack carry no allocation stack in a snapshot either (the leaks found beside this one often name what keeps them)`
          : choice.compiledOnly
            ? `; holders: not shown — the ${h!.matched} objects V8's allocation tracker attributes to this site are held only by compiled code (${remedy})`
            : `; holders: not shown — ${noHoldersReason(h)} in the snapshot${!h || h.matched === 0 ? ` (${[windowRecorded, remedy].filter(Boolean).join('; ')})` : ''}`;
      continue;
    }
    leak.retainerPaths = choice.paths.map((p) => p.path);
    if (h!.shape) leak.shape = h!.shape;
    // The kind that voted, read in the source, is what the user line is found by (votedShape).
    else if (choice.how === 'kind' && h!.byKind) leak.shape = votedShape(sources, leak.site, h!.byKind) ?? undefined;
    leak.evidence +=
      choice.how === 'attributed'
        ? `; holders: of the ${h!.matched} live objects that V8's allocation tracker attributes to this site, ${heldBy(choice.paths[0])}`
        : `; holders: ${choice.words}`;
    addKeptIn(leak, choice.paths[0].variable, sources);
    // Few objects made in the window and no kind to vote for them: they may be ones in use at
    // the time (a request in flight), not those the leak keeps (blind red-team: 4 objects of a
    // leak of http.Agents, the path shown an open socket's listeners, not the array that kept
    // 3,561 Agents).
    if (choice.how === 'attributed' && h!.matched < FEW_ATTRIBUTED)
      leak.evidence += ` — only ${h!.matched} of its objects were made in the tracking window: the path may be that of objects in use at the time rather than of those the leak keeps (--holders longer, or --exact, sees more)`;
  }
}

/** A leak of ArrayBuffer memory judged from Node's count of it, with no site yet (buffer-growth.ts). */
function isBufferMemoryLeak(l: Leak): boolean {
  return l.kind === 'external' && l.site === null;
}

/**
 * A leak of ArrayBuffer memory gets its site and holders from the snapshot's buffers
 * (bufferOwners): the site that made most of the bytes among the buffers made in the
 * tracking window (or the views that keep them: pool slabs, and buffers whose own stack names
 * no place of the program), where it made at least half of them — else one function of the
 * program that did through several sites (oneUserFunction) — and the path that holds most bytes.
 * The evidence says what was counted, and where nothing could be said.
 */
function addBufferOwners(leak: Leak, b: BufferOwners | null, sources: ScriptSources, windowMs: number | undefined): void {
  if (!b || b.buffers === 0) {
    leak.evidence += `; site and holders: not known — the snapshot has no ArrayBuffer memory to follow`;
    return;
  }
  const top = b.bySite[0];
  // The window's share of the growth, at the rate judged: a site that made only a sliver of it
  // (Node's own streams' buffers beside a leak whose buffers went untracked) is not named.
  const expected = windowMs !== undefined && leak.perMinute ? (leak.perMinute.bytes * windowMs) / 60_000 : 0;
  const inWindow =
    expected > 0 ? `, where the ArrayBuffer memory grows ~${formatBytes(expected)} in its ${Math.round(windowMs! / 1000)} s window` : '';
  const located = top !== undefined && (top.attribution.site !== null || top.attribution.userFrame !== null);
  const enough = top !== undefined && top.bytes >= 0.25 * expected;
  const most = top !== undefined && top.bytes >= 0.5 * b.tracedBytes;
  const group = located && enough && most ? null : oneUserFunction(b, expected);
  /** The leak takes the site, user frame, package and stack of one of the buffers' sites. */
  const takeSite = (e: BufferOwners['bySite'][number]): void => {
    leak.site = e.attribution.site;
    leak.userFrame = e.attribution.userFrame;
    leak.package = e.attribution.package;
    leak.stack = e.frames;
  };
  if (located && enough && most) {
    takeSite(top);
    const how =
      top.via === 'made'
        ? `${top.buffers === 1 ? 'was' : 'were'} made here`
        : `${top.buffers === 1 ? 'is' : 'are'} held by Buffers or typed arrays made here, which view ${top.buffers === 1 ? 'it' : 'them'} (Node's pool slabs, made for whichever call needed one first, or memory whose own stack names no place of the program, such as what Node makes in C++: a slice keeps the whole of what it views)`;
    leak.evidence += `; site: of the ${formatBytes(b.tracedBytes)} of ArrayBuffer memory whose buffers or views were made while V8's allocation tracker ran (the holders window), ${formatBytes(top.bytes)} (${top.buffers} ${top.buffers === 1 ? 'buffer' : 'buffers'}) ${how}${inWindow} — ${top.attribution.evidence}`;
  } else if (group) {
    // No one site has half, but one function of the program does, through several: the same
    // request's Buffer.from made a pool slab (made there) and its kept slice holds others Node
    // made (held by views there) — red-team, 488 KiB split about evenly between the two.
    const lead = group.entries[0];
    takeSite(lead);
    const made = group.entries.filter((e) => e.via === 'made').reduce((n, e) => n + e.bytes, 0);
    const viewed = group.bytes - made;
    const uf = lead.attribution.userFrame!;
    leak.evidence += `; site: no one site made half of the ${formatBytes(b.tracedBytes)} of ArrayBuffer memory whose buffers or views were made while V8's allocation tracker ran (the holders window), but one function of your code accounts for ${formatBytes(group.bytes)} of it through ${group.entries.length} sites, ${formatFrame(uf)} — ${formatBytes(made)} made there, ${formatBytes(viewed)} held by Buffers or typed arrays made there that view it (a slice keeps the whole of what it views)${inWindow}; the site shown is the largest of them — ${lead.attribution.evidence}`;
  } else if (located && enough)
    leak.evidence += `; site: not known — no one site made half of the ${formatBytes(b.tracedBytes)} of ArrayBuffer memory made while V8's allocation tracker ran`;
  else
    leak.evidence += `; site: not known — V8's allocation tracker gave a JavaScript stack${located ? '' : " in the program's code"} to ${b.tracedBytes === 0 ? 'no buffer' : `only ${formatBytes(b.tracedBytes)} of the buffers`} live in the holders snapshot, nor to views that keep them${inWindow} (Node makes a Buffer's memory in C++, recorded as "(V8 API)"; the tracker misses objects the program's compiled code makes)`;
  const first = b.paths[0];
  if (!first) return;
  leak.retainerPaths = b.paths.map((p) => p.path);
  const looked =
    b.looked.buffers < b.buffers
      ? ` (the newest ${b.looked.buffers.toLocaleString('en-US')} buffers, ${formatBytes(b.looked.bytes)}, looked at)`
      : '';
  leak.evidence += `; holders: of the ${formatBytes(b.bytes)} of ArrayBuffer memory in the snapshot (${b.buffers.toLocaleString('en-US')} buffers)${looked}, ${formatBytes(first.held)} (${first.objects.toLocaleString('en-US')} ${first.objects === 1 ? 'buffer' : 'buffers'}) ${first.objects === 1 ? 'is' : 'are'} held by the path shown first`;
  addKeptIn(leak, first.variable, sources);
}

/** How many of the stand-in strings' holder paths are looked at for the variable they run through. */
const NATIVE_STRING_PATHS = 20;

/** Made by native code with no JavaScript on the stack, as V8's sampler records it. */
function isV8ApiSite(leak: Leak): boolean {
  return leak.kind === 'heap' && leak.site?.file === '' && leak.site.functionName === '(V8 API)';
}

/**
 * A "(V8 API)" leak's holders, from the strings made in the tracking window with no stack that
 * stand in for its objects (windowNativeStrings). Only where the first path holds at least
 * FEW_ATTRIBUTED of them: fewer may be a request in flight. The evidence says what was counted
 * and that it is a stand-in. False when nothing is shown.
 */
function addNativeStringHolders(leak: Leak, w: WindowStrings | undefined, sources: ScriptSources): boolean {
  if (!w) return false;
  const paths = byVariableHeld(w.paths);
  const first = paths[0];
  if (!first || first.held < FEW_ATTRIBUTED) return false;
  leak.retainerPaths = paths.slice(0, 3).map((p) => p.path);
  const n = (x: number): string => x.toLocaleString('en-US');
  const looked =
    w.looked.strings < w.strings
      ? ` (of the ${n(w.looked.strings)} inside ${n(w.looked.objects)} of the objects that hold them, spread over the window's ages)`
      : '';
  // Paths that differ in their last hops (a record's URL, its headers) run through one variable.
  const v = first.variable;
  const viaVariable = v
    ? paths.filter((p) => p.variable?.name === v.name && p.variable.file === v.file).reduce((sum, p) => sum + p.held, 0)
    : 0;
  leak.evidence +=
    `; holders: objects made with no JavaScript on the stack carry no allocation stack in a snapshot either; standing in ` +
    `for them, the ${n(w.strings)} live strings with none that V8 numbered during the tracking window (native code's, such ` +
    `as an HTTP request's URL and headers, or optimized code's that the tracker missed): ${n(first.held)}${looked} are held ` +
    `by the path shown first, inside ${n(first.objects)} ${first.objects === 1 ? 'object' : 'objects'}` +
    (v && viaVariable > first.held ? `, and ${n(viaVariable)} by paths through ${v.name} in all` : '');
  addKeptIn(leak, first.variable, sources);
  return true;
}

/**
 * The paths, those through the variable that holds the most strings in all first (a record's
 * URL and its headers are two paths through one variable), each group's largest first. One
 * path's count alone let 427 strings of Node's own error messages, numbered anew in the window
 * (ids are not stable across its GCs), outvote a leak split over two paths through `rawSeen`.
 */
function byVariableHeld<P extends { held: number; variable?: { name: string; file: string } | null }>(paths: readonly P[]): P[] {
  const keyOf = (p: P, i: number): string => (p.variable ? `${p.variable.name}\0${p.variable.file}` : `#${i}`);
  const totals = new Map<string, number>();
  paths.forEach((p, i) => totals.set(keyOf(p, i), (totals.get(keyOf(p, i)) ?? 0) + p.held));
  return paths
    .map((p, i) => ({ p, total: totals.get(keyOf(p, i))!, i }))
    .sort((a, b) => b.total - a.total || b.p.held - a.p.held || a.i - b.i)
    .map((x) => x.p);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Rejects if a final-stage command does not answer (a target in an odd state must not hang us). */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return rejectAfter(p, ms, () => new CaptureError(`the target stopped answering (${ms / 1000} s)`));
}

/**
 * What heap snapshots did to the target's memory, for the notes: the ones not taken for want
 * of room (once per reason), and the RSS the largest one added (V8 builds it in the program's
 * memory, and the C library keeps much of what it freed: the RSS may stay up after).
 */
function describeSnapshotMemory(
  skipped: ReadonlyMap<string, { why: string; count: number }>,
  costs: readonly { reason: string; before: number; after: number }[],
): string[] {
  const out: string[] = [];
  for (const { why, count } of skipped.values()) {
    out.push(count > 1 ? `${why} (${count} times)` : why);
  }
  const largest = costs.reduce<(typeof costs)[number] | null>(
    (a, c) => (a === null || c.after - c.before > a.after - a.before ? c : a),
    null,
  );
  if (largest && largest.after - largest.before >= 1024 * 1024) {
    out.push(
      `heap snapshots cost the target memory: the ${largest.reason} snapshot${costs.length > 1 ? ` (the largest of ${costs.length})` : ''} took its RSS from ` +
        `${formatBytes(largest.before)} to ${formatBytes(largest.after)} (V8 builds a snapshot in the program's memory, and the C library keeps much of what it frees for reuse: the RSS may stay up)`,
    );
  }
  return out;
}

/** Objects whose bytes live in an ArrayBuffer's backing store, outside the JavaScript heap. */
const BUFFER_CLASSES =
  /^(Buffer|FastBuffer|ArrayBuffer|SharedArrayBuffer|DataView|(Ui|I)nt(8|16|32)Array|Uint8ClampedArray|Float(32|64)Array|Big(Ui|I)nt64Array)$/;

/** The ArrayBuffer memory's growth over the series (fitted), when it grew by 8 MiB or more. */
function arrayBufferGrowth(points: readonly ProbeResult[]): { grew: number; perMinute: number; spanMs: number } | null {
  const usable = points.filter((p) => typeof p.arrayBuffers === 'number');
  if (usable.length < 4) return null;
  const t0 = usable[0].t;
  const g = measureGrowth(
    usable.map((p) => p.t - t0),
    usable.map((p) => p.arrayBuffers as number),
  );
  const spanMs = usable[usable.length - 1].t - t0;
  const grew = g.slope * spanMs;
  return grew >= 8 * 1024 * 1024 ? { grew, perMinute: g.slope * 60_000, spanMs } : null;
}

/** Handle types whose native side holds memory of its own, with what it is. */
const NATIVE_BACKED = new Map<string, string>([
  ['ZLIB', "each zlib stream's compression state, a few hundred KiB for gzip"],
  ['TLSWRAP', "each TLS connection's OpenSSL state and buffers"],
  ['WORKER', 'each worker thread a whole V8 isolate and event loop'],
]);

/**
 * Has `finishing` called once the target has finished (its exit handlers run) and waits for
 * us to detach. Node's own signal for it, NodeRuntime.waitingForDisconnect, not the Runtime
 * domain's executionContextDestroyed: that one also fires whenever one of the program's `vm`
 * contexts is collected (a program making contexts had its capture ended after 5 s, then
 * leaktrace waited for an exit that never came), and with the Runtime domain on, V8 sends us
 * every console call of the program with previews of its arguments (a console.log of a small
 * object: ~45 µs with it on, ~13 µs with a session but without it, ~7 µs with no session).
 * An inspector without Node's domain (another runtime) gets the Runtime domain, and only its
 * default context's end counts.
 */
async function watchForExit(session: RemoteSession, finishing: () => void): Promise<void> {
  try {
    await session.post('NodeRuntime.notifyWhenWaitingForDisconnect', { enabled: true });
    return;
  } catch {}
  const defaults = new Set<number>();
  session.on('Runtime.executionContextCreated', (p) => {
    const c = (p as { context: { id: number; auxData?: { isDefault?: boolean } } }).context;
    if (c.auxData?.isDefault) defaults.add(c.id);
  });
  session.on('Runtime.executionContextDestroyed', (p) => {
    if (defaults.has((p as { executionContextId: number }).executionContextId)) finishing();
  });
  await session.post('Runtime.enable');
}
