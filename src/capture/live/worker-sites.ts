import type { Leak } from '../../analysis/leak-report.js';
import { buildSiteSeries, type SiteMeasurement } from '../../analysis/leaks/site-series.js';
import { listedBelowThreshold, scoreSites, toLeak, v8CodeSeries } from '../../analysis/leaks/score-sites.js';
import { CAPTURE_FILES, type WorkerSitesRecord } from '../../capture-folder/layout.js';
import type { CaptureWriter } from '../../capture-folder/writer.js';
import type { StackTable } from '../../model/stack-table.js';
import { SamplingSiteSampler } from '../heap/sampling-sampler.js';
import { streamSnapshot } from '../heap/snapshot-stream.js';
import { sitesRecord } from '../heap/site-counts.js';
import { forgetGcFunction, incrementalFullGc, type TargetGc } from '../heap/target-gc.js';
import { discardConsoleMessages } from '../inspector/console-messages.js';
import type { InspectorSession } from '../inspector/session.js';
import { WorkerSession } from '../inspector/worker-session.js';
import type { AgentOptions } from '../agent/agent-types.js';
import { AGENT_FRAMES, installWorkerAgent, stopWorkerAgent } from './remote-handles.js';
import { deoptimizeAll } from './runtime-inlining.js';
import { type GrowthReading, strongestGrowth } from './light-watch.js';
import { rejectAfter } from '../../timeouts.js';

/** A worker that does not answer a measurement within this long is left out from then on. */
const MEASURE_TIMEOUT_MS = 15_000;
/** A worker's holders snapshot (its whole heap, streamed to disk) is given up after this long. */
const HOLDERS_SNAPSHOT_TIMEOUT_MS = 300_000;

interface WorkerEpoch {
  /** When its sampler started, on the capture's clock. */
  from: number;
  interval: number;
  measurements: SiteMeasurement[];
}

interface WorkerTrack {
  session: WorkerSession;
  id: string;
  url: string;
  /** When we attached, on the capture's clock (WorkerClock). */
  attachedAt: number;
  /** It started after we began watching (else it was running already: attach). */
  startedWhileWatched: boolean;
  sampler: SamplingSiteSampler | null;
  gc: TargetGc | null;
  /**
   * Its measurements by sampler epoch, the current last: a switch of light watching restarts
   * the sampler at another interval (V8 keeps no samples across a stop), so each epoch starts
   * from nothing and is judged apart, after its own warm-up, as the main thread's are.
   */
  epochs: WorkerEpoch[];
  /** Why it is no longer measured (exited, stopped answering), or null. */
  ended: string | null;
  /** We gave it the handle agent (`attach`; under `run` the preload did). */
  agentOurs: boolean;
}

/**
 * The heaps of the program's worker threads, measured like the main thread's. Each worker has
 * its own V8 isolate: the main thread's session neither samples nor collects it, so a leak
 * there used to show only as the process's RSS growing (judged as an "unattributed" leak past
 * 16 MiB; a worker keeping ~14 MB/min was reported as no leak in a 40 s capture). Through
 * Node's `NodeWorker` domain leaktrace attaches to every worker — those running and those
 * started later (not held before their first line: see `start`) — and at each
 * measurement runs the same incremental full GCs and sampling-profile read in each worker
 * (worker-session.ts). Each worker's sites are judged on their own series, from its own
 * warm-up, with the same tests; its leaks carry `worker` and say so in their evidence.
 *
 * Retainer paths: for the workers with a leak, the same window of allocation tracking as the
 * main thread's, then one snapshot of each such worker's heap (`startHolders`, `takeHolders`).
 * Light watching: a switch restarts each worker's sampler at the main thread's new interval
 * (`switchEpoch`: what it costs a worker drops with the main thread's, and a site split anew
 * by V8's inlining coming back cannot look like growth from zero), and a worker's growth trips
 * the wire back to precise settings as the main thread's does (`strongestGrowth`).
 *
 * Handles in workers are the handle agent's business: under `run` its preload runs in each
 * worker; under `attach` this module gives each worker it reaches the agent through the
 * worker's session (`handleAgent`). Either way a worker's agent reports to the main thread's,
 * which the leak finder reads.
 */
export class WorkerSites {
  private readonly tracks = new Map<string, WorkerTrack>();
  /** Workers that exited with fewer than 4 measurements: dropped (see `detached`). */
  private shortLived = 0;
  /** Workers attached before NodeWorker.enable answered were running already. */
  private enabled = false;
  /** Workers whose allocations are tracked for the holders window, and those that could not be. */
  private readonly holdersTracking = new Set<WorkerTrack>();
  private readonly holdersFailed = new Map<string, string>();
  /** Workers given the handle agent by us, and why others could not be (worker id → reason). */
  private agentsGiven = 0;
  private readonly agentFailed = new Map<string, string>();

  private constructor(
    private readonly session: InspectorSession,
    private readonly stacks: StackTable,
    /** The sampling interval of the current epoch (new workers start with it). */
    private interval: number,
    private readonly clock: WorkerClock,
    private readonly writer: CaptureWriter | null,
    /** The handle agent's options when each worker is to get one (if it has none), or null. */
    private readonly handleAgent: AgentOptions | null,
  ) {}

  /** Attaches to the program's workers; a string says why workers cannot be sampled. */
  static async start(
    session: InspectorSession,
    o: { stacks: StackTable; interval: number; clock: WorkerClock; writer: CaptureWriter | null; handleAgent?: AgentOptions | null },
  ): Promise<WorkerSites | string> {
    const w = new WorkerSites(session, o.stacks, o.interval, o.clock, o.writer, o.handleAgent ?? null);
    session.on('NodeWorker.attachedToWorker', (p) => void w.attached(p as AttachedToWorker));
    session.on('NodeWorker.receivedMessageFromWorker', (p) => {
      const { sessionId, message } = p as { sessionId: string; message: string };
      w.tracks.get(sessionId)?.session.receive(message);
    });
    session.on('NodeWorker.detachedFromWorker', (p) => w.detached((p as { sessionId: string }).sessionId, 'it exited'));
    try {
      // Not held before their first line: a worker waiting for a debugger waits forever if
      // leaktrace dies meanwhile (measured: kill -9 during a run left ~20 of a program's
      // short-lived workers stuck). The price: what a worker allocates in the milliseconds
      // before its sampler starts is not seen — a leak keeps growing after them.
      await session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    } catch (err) {
      return `worker threads are not sampled: the target's inspector has no NodeWorker domain (${(err as Error).message})`;
    }
    w.enabled = true;
    return w;
  }

  private async attached(p: AttachedToWorker): Promise<void> {
    // Node's own threads (the module loader's hooks thread that `--import tsx` starts, at
    // node:internal/modules/esm/worker) are not the program's workers: measured like one (its
    // GCs, the handle agent put into it), the loader stopped answering, and every later
    // import() of the program waited for ever (a check of a .ts module under tsx ended when its
    // event loop ran dry). Left alone, detached.
    if (p.workerInfo.url.startsWith('node:internal/')) {
      await this.session.post('NodeWorker.detach', { sessionId: p.sessionId }).catch(() => undefined);
      return;
    }
    const session = new WorkerSession(this.session, p.sessionId);
    const track: WorkerTrack = {
      session,
      id: p.workerInfo.workerId,
      url: p.workerInfo.url,
      attachedAt: this.clock.now(),
      startedWhileWatched: this.enabled,
      sampler: null,
      gc: null,
      epochs: [{ from: this.clock.now(), interval: this.interval, measurements: [] }],
      ended: null,
      agentOurs: false,
    };
    this.tracks.set(p.sessionId, track);
    try {
      const gc = incrementalFullGc(session);
      const sampler = new SamplingSiteSampler(session, this.stacks, this.interval, { gc, keepLastProfile: false });
      await sampler.start();
      track.gc = gc;
      track.sampler = sampler;
    } catch (err) {
      track.ended = `its sampler could not start (${(err as Error).message})`;
    }
    if (this.handleAgent !== null && track.ended === null) {
      try {
        track.agentOurs = await bounded(installWorkerAgent(session, this.handleAgent), MEASURE_TIMEOUT_MS);
        if (track.agentOurs) this.agentsGiven++;
      } catch (err) {
        if (session.endedBecause === null) this.agentFailed.set(track.id, (err as Error).message);
      }
    }
    // (A worker that waits for a debugger waits for someone else's — the user's `--inspect-brk`
    // tooling: never released by us.)
  }

  private detached(sessionId: string, why: string): void {
    const t = this.tracks.get(sessionId);
    if (!t) return;
    this.end(t, why);
    // Too short-lived ever to be judged: counted, not kept (a program may start thousands).
    if (t.epochs.reduce((n, e) => n + e.measurements.length, 0) < 4) {
      this.tracks.delete(sessionId);
      this.shortLived++;
    }
  }

  /** A worker measured no more: its session ended, and why said (the first reason stays). */
  private end(t: WorkerTrack, why: string): void {
    t.session.end(why);
    t.ended ??= `${why} at ${this.clock.describe(this.clock.now())}`;
  }

  /** A worker that failed a command: it exited meanwhile (its session says so) or stopped answering. */
  private leaveOut(t: WorkerTrack, err: unknown): void {
    this.end(t, t.session.endedBecause ?? `it stopped answering (${(err as Error).message})`);
  }

  /** One measurement of every worker still running (the caller has just measured the main thread). */
  async measure(): Promise<void> {
    for (const t of this.tracks.values()) {
      if (t.ended !== null || t.sampler === null) continue;
      try {
        await bounded(discardConsoleMessages(t.session), MEASURE_TIMEOUT_MS);
        const sites = await bounded(t.sampler.measure({ gc: true }), MEASURE_TIMEOUT_MS);
        const x = this.clock.now();
        const v8CodeBytes = t.gc?.v8CodeBytes ?? undefined;
        t.epochs[t.epochs.length - 1].measurements.push({ x, sites, v8CodeBytes });
        const record: WorkerSitesRecord = { worker: { id: t.id, url: t.url }, ...sitesRecord(x, sites, v8CodeBytes, t.sampler.ledger) };
        this.writer?.appendLine(CAPTURE_FILES.workerSites, record);
      } catch (err) {
        // Exited meanwhile (its session says so), or busy past the timeout: left out from now.
        this.leaveOut(t, err);
      }
    }
  }

  /** Each worker's sites judged on its own measurements after its own warm-up. */
  judge(threshold: number, warmup: number): { leaks: Leak[]; belowThreshold: Leak[]; notes: string[] } {
    const leaks: Leak[] = [];
    const belowThreshold: Leak[] = [];
    const notes: string[] = [];
    const seen = this.tracks.size + this.shortLived;
    if (seen === 0) return { leaks, belowThreshold, notes };
    const described: string[] = [];
    // A program may start workers by the thousand (a short-lived one per task): named one by
    // one only those judged, the rest counted.
    let tooShort = this.shortLived;
    for (const t of this.tracks.values()) {
      const name = `worker ${t.id} (${t.url})`;
      const since = t.startedWhileWatched
        ? `from its start at ${this.clock.describe(t.attachedAt)} (its sampler starts just after its first line: what it allocates before is not seen)`
        : `from ${this.clock.describe(t.attachedAt)} (it was running already: what it allocated before is not known)`;
      const ended = t.ended ? `; measured until ${t.ended}` : '';
      const judging = judgedEpoch(t, warmup);
      if (judging === null) {
        tooShort++;
        continue;
      }
      const { epoch, judged } = judging;
      const stretch =
        epoch === t.epochs[0]
          ? ''
          : ` (the stretch from ${this.clock.describe(epoch.from)}, a sample every ${Math.round(epoch.interval / 1024)} KiB: light watching restarted its sampler then)`;
      described.push(`${name}: sampled ${since}, ${judged.length} measurements judged${stretch}${ended}`);
      const series = buildSiteSeries(judged, this.stacks, { ignorePrefixes: AGENT_FRAMES });
      const scored = scoreSites(series.values(), { samplingInterval: epoch.interval, v8Code: v8CodeSeries(judged), stacks: this.stacks });
      for (const s of scored) {
        if (s.probability < threshold && !listedBelowThreshold(s)) continue;
        const leak = toLeak(s, this.stacks, this.clock.unit, AGENT_FRAMES);
        leak.worker = { id: t.id, url: t.url };
        leak.evidence = `in the heap of worker thread ${t.id} (${t.url}), measured through the worker's own inspector session; ${leak.evidence}`;
        (s.probability >= threshold ? leaks : belowThreshold).push(leak);
      }
    }
    const shown = described.slice(0, 5);
    if (described.length > shown.length) shown.push(`${described.length - shown.length} more judged`);
    if (tooShort > 0)
      shown.push(
        `${tooShort} with fewer than 4 measurements after their own warm-up (${this.clock.describeSpan(warmup)}), too short-lived to judge`,
      );
    notes.push(`worker threads: ${seen} seen, each heap sampled and judged on its own — ${shown.join('; ')}`);
    if (this.agentsGiven > 0)
      notes.push(
        `handle tracking in worker threads began when leaktrace reached each worker (${this.agentsGiven} given the handle agent through its inspector session): handles a worker opened before have no creation stack and are not judged`,
      );
    for (const [id, why] of [...this.agentFailed].slice(0, 3)) notes.push(`the handles of worker ${id} are not traced: ${why}`);
    if (this.agentFailed.size > 3) notes.push(`the handles of ${this.agentFailed.size - 3} more workers are not traced either`);
    return { leaks, belowThreshold, notes };
  }

  /**
   * Light watching switched (live-capture.ts): each worker's sampler restarts at `interval`,
   * a new epoch judged after its own warm-up. A worker that does not answer is left out.
   */
  async switchEpoch(interval: number): Promise<void> {
    this.interval = interval;
    for (const t of this.tracks.values()) {
      if (t.ended !== null || t.sampler === null) continue;
      try {
        await bounded(t.sampler.restart(interval), MEASURE_TIMEOUT_MS);
        t.epochs.push({ from: this.clock.now(), interval, measurements: [] });
      } catch (err) {
        this.leaveOut(t, err);
      }
    }
  }

  /**
   * The likeliest growth in any worker's current epoch past its warm-up (the light tripwire
   * reads it beside the main thread's), or null when no worker has enough measurements.
   */
  strongestGrowth(threshold: number, warmup: number): GrowthReading | null {
    let best: GrowthReading | null = null;
    for (const t of this.tracks.values()) {
      if (t.ended !== null) continue;
      const epoch = t.epochs[t.epochs.length - 1];
      const judged = epoch.measurements.filter((m) => m.x >= epoch.from + warmup);
      // (Workers' sites are judged alone, never joined across inlining: as with inlining off.)
      const r = strongestGrowth(judged, this.stacks, { interval: epoch.interval, inliningOff: true }, threshold);
      if (r && (best === null || r.probability > best.probability))
        best = { probability: r.probability, what: `${r.what} in worker ${t.id}` };
    }
    return best;
  }

  /**
   * Turns V8's allocation tracker on in each worker that has a heap leak among `leaks` and
   * still runs, for the holders window: what the worker allocates from now carries its
   * stack in the snapshot `takeHolders` takes. `deoptimize` also drops the worker's optimized
   * code (it allocates past the tracker), as the main thread's window does.
   */
  async startHolders(leaks: readonly Leak[], o: { deoptimize: boolean; wontFit?: (heapUsed: number) => string | null }): Promise<void> {
    const wanted = new Set(leaks.filter((l) => l.worker && (l.kind === 'heap' || l.kind === 'external')).map((l) => l.worker!.id));
    for (const t of this.tracks.values()) {
      if (!wanted.has(t.id) || t.ended !== null) continue;
      try {
        // A worker's snapshot is built in the same process's memory (snapshot-room.ts).
        const heap =
          o.wontFit === undefined
            ? null
            : await bounded(
                t.session.post<{ result: { value?: number } }>('Runtime.evaluate', {
                  expression: 'process.memoryUsage().heapUsed',
                  returnByValue: true,
                }),
                MEASURE_TIMEOUT_MS,
              );
        const why = typeof heap?.result.value === 'number' ? o.wontFit!(heap.result.value) : null;
        if (why !== null) {
          this.holdersFailed.set(t.id, why);
          continue;
        }
        await bounded(t.session.post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true }), MEASURE_TIMEOUT_MS);
        if (o.deoptimize) await bounded(deoptimizeAll(t.session), MEASURE_TIMEOUT_MS);
        this.holdersTracking.add(t);
      } catch (err) {
        this.holdersFailed.set(t.id, `its allocation tracker could not start (${t.session.endedBecause ?? (err as Error).message})`);
      }
    }
  }

  /**
   * After the window: one snapshot of each tracked worker's heap, written to `fileFor(id)`,
   * and the tracker off. For each worker whose leaks were meant to get holders, the snapshot's
   * path, or why there is none (it exited meanwhile, it stopped answering).
   */
  async takeHolders(fileFor: (workerId: string) => string): Promise<{ worker: string; file: string | null; why: string | null }[]> {
    const out: { worker: string; file: string | null; why: string | null }[] = [];
    for (const [worker, why] of this.holdersFailed) out.push({ worker, file: null, why });
    for (const t of this.holdersTracking) {
      try {
        if (t.session.endedBecause !== null) throw new Error(t.session.endedBecause);
        const file = fileFor(t.id);
        await bounded(streamSnapshot(t.session, { file }), HOLDERS_SNAPSHOT_TIMEOUT_MS);
        out.push({ worker: t.id, file, why: null });
      } catch (err) {
        out.push({
          worker: t.id,
          file: null,
          why: `no snapshot of its heap could be taken (${t.session.endedBecause ?? (err as Error).message})`,
        });
      } finally {
        // disable, not stopTrackingHeapObjects: the latter streams one more whole snapshot.
        // (It stops the worker's sampler too: the holders window comes after the last measurement.)
        await bounded(t.session.post('HeapProfiler.disable'), MEASURE_TIMEOUT_MS).catch(() => undefined);
      }
    }
    this.holdersTracking.clear();
    this.holdersFailed.clear();
    return out;
  }

  /** Stops sampling in every worker and detaches: a worker that runs on keeps nothing of ours. */
  async stop(): Promise<void> {
    // A worker busy in a loop, or blocked in Atomics.wait (esbuild's worker behind its
    // synchronous API, which tsx starts on a cold cache), never answers: each step waits a
    // little, then goes on. The timer keeps the event loop alive: an in-process session
    // (check) does not, and with it unref'd the check's process ran dry and ended mid-stop.
    const briefly = (p: Promise<unknown> | undefined): Promise<unknown> =>
      Promise.race([p?.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2000))]);
    for (const t of this.tracks.values()) {
      if (t.session.endedBecause !== null) continue;
      await briefly(t.sampler?.stop());
      // Stopped with the main thread's agent already (agent.cts passes 'stop' on); said again
      // here in case the channel message was lost.
      if (t.agentOurs) await briefly(stopWorkerAgent(t.session));
      await briefly(forgetGcFunction(t.session));
      await briefly(t.session.close());
      t.session.end('detached');
    }
    await briefly(this.session.post('NodeWorker.disable'));
  }
}

/**
 * The capture's clock, which worker measurements are placed on: ms since the capture began
 * (run/attach, judged per minute) or runs of the operation done (check, judged per run).
 */
export interface WorkerClock {
  now(): number;
  unit: 'minute' | 'iteration';
  /** A moment on this clock, in words ("12 s", "run 1,600"). */
  describe(x: number): string;
  /** A stretch of this clock, in words ("3 s", "0 runs"). */
  describeSpan(dx: number): string;
}

/** run/attach's clock: ms since `started`. */
export function wallClock(started: number): WorkerClock {
  return {
    now: () => Date.now() - started,
    unit: 'minute',
    describe: (x) => `${Math.round(x / 1000)} s`,
    describeSpan: (dx) => `${Math.round(dx / 1000)} s`,
  };
}

/**
 * The epoch a worker is judged on, and its measurements past the warm-up: the last one with
 * at least 4, else the one before it (a capture that ended soon after a switch), else null.
 */
function judgedEpoch(t: WorkerTrack, warmup: number): { epoch: WorkerEpoch; judged: SiteMeasurement[] } | null {
  for (const epoch of t.epochs.slice(-2).reverse()) {
    // The first epoch begins when we attached; its warm-up runs from then.
    const judged = epoch.measurements.filter((m) => m.x >= epoch.from + warmup);
    if (judged.length >= 4) return { epoch, judged };
  }
  return null;
}

/** `p`, or a rejection if it does not settle within `ms` (a worker busy in a loop never answers). */
function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  return rejectAfter(p, ms, () => new Error(`no answer in ${Math.round(ms / 1000)} s`));
}

interface AttachedToWorker {
  sessionId: string;
  workerInfo: { workerId: string; type: string; title: string; url: string };
  waitingForDebugger: boolean;
}
