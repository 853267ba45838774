import type { Frame } from '../../model/frame.js';
import type { StackTable } from '../../model/stack-table.js';
import type { InspectorSession } from '../inspector/session.js';
import { collectGarbage } from './exact-sampler.js';
import { addTo, SampleLedger, type SiteCounts } from './site-counts.js';

/**
 * The GCs of a measurement: `collect` before the read; `read`, when given, sends the read
 * itself, so that the GC V8 forces on every read can be made cheaper (target-gc.ts).
 */
export interface MeasurementGc {
  collect(): Promise<void>;
  read?<T>(read: () => Promise<T>): Promise<T>;
}

/** The parts of CDP's SamplingHeapProfile that are read. */
export interface SamplingProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  id: number;
  children: SamplingProfileNode[];
}
export interface SamplingProfile {
  head: SamplingProfileNode;
  samples?: { size: number; nodeId: number; ordinal: number }[];
}

/**
 * Per-site estimates from V8's sampling heap profiler: every ~`interval` bytes an allocation
 * is sampled with its stack, and — with the flags below — samples of objects that a GC
 * collects are dropped, so a profile read after a GC describes live memory. Cheap enough for
 * production; the price is noise: counts are estimates (each sample of an object of size s
 * stands for 1 / (1 − e^(−s/interval)) objects, V8's own scaling).
 */
export class SamplingSiteSampler {
  readonly mode = 'sampling' as const;
  /** The profile read by the last measurement (kept only with `keepLastProfile`). */
  lastProfile: SamplingProfile | null = null;
  /** The followed samples as written to sites.jsonl; emptied at a restart, as V8's samples are. */
  readonly ledger = new SampleLedger();

  private readonly keepLastProfile: boolean;
  private readonly gc: MeasurementGc;

  constructor(
    private readonly session: InspectorSession,
    private readonly stacks: StackTable,
    private samplingInterval: number,
    options: {
      /**
       * Keep the last profile (run/attach save it; default true). Off where the session is
       * in-process: at a 1-byte interval the profile holds one sample per live object, and
       * keeping it would grow the very heap being measured as the leak grows.
       */
      keepLastProfile?: boolean;
      /** The GCs of each measurement (default: two collectGarbage rounds; run/attach pass target-gc.ts's). */
      gc?: MeasurementGc;
    } = {},
  ) {
    this.keepLastProfile = options.keepLastProfile ?? true;
    this.gc = options.gc ?? { collect: () => collectGarbage(session) };
  }

  /** Bytes between samples (changed only by `restart`). */
  get interval(): number {
    return this.samplingInterval;
  }

  async start(): Promise<void> {
    await this.session.post('HeapProfiler.enable');
    await this.session.post('HeapProfiler.startSampling', {
      samplingInterval: this.samplingInterval,
      includeObjectsCollectedByMajorGC: false,
      includeObjectsCollectedByMinorGC: false,
    });
  }

  /** `gc: false` where a forced GC cannot run (a target whose main context has ended). */
  async measure(options: { gc?: boolean; afterGc?: () => void } = {}): Promise<SiteCounts> {
    const gc = options.gc !== false;
    if (gc) await this.gc.collect();
    // Memory figures belong here: before the profile (garbage once read) takes heap.
    options.afterGc?.();
    const read = () => this.session.post<{ profile: SamplingProfile }>('HeapProfiler.getSamplingProfile');
    const { profile } = gc && this.gc.read ? await this.gc.read(read) : await read();
    if (this.keepLastProfile) this.lastProfile = profile;
    return countProfileBySite(profile, this.stacks, this.interval);
  }

  /** The raw profile, for saving as a `.heapprofile`. */
  async profile(): Promise<SamplingProfile> {
    return (await this.session.post<{ profile: SamplingProfile }>('HeapProfiler.getSamplingProfile')).profile;
  }

  /**
   * Samples at a new interval from now. V8 keeps no samples across a stop, so every site
   * starts again from nothing: measurements before the restart are not comparable with those
   * after it.
   */
  async restart(interval: number): Promise<void> {
    await this.session.post('HeapProfiler.stopSampling');
    this.samplingInterval = interval;
    this.lastProfile = null;
    this.ledger.reset();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.session.post('HeapProfiler.stopSampling').catch(() => undefined);
  }
}

/** CDP call frames are 0-based; leaktrace's frames are 1-based. */
export function frameOfCallFrame(cf: SamplingProfileNode['callFrame']): Frame {
  return { functionName: cf.functionName || '(anonymous)', file: cf.url, line: cf.lineNumber + 1, column: cf.columnNumber + 1 };
}

export function countProfileBySite(profile: SamplingProfile, stacks: StackTable, interval: number): SiteCounts {
  const counts: SiteCounts = new Map();
  const stackOfNode = new Map<number, number>();
  // Walk the tree iteratively; the root "(root)" node stands for the empty stack.
  const work: [SamplingProfileNode, number][] = profile.head.children.map((c) => [c, 0]);
  while (work.length > 0) {
    const [node, parentStack] = work.pop()!;
    const stack = stacks.child(parentStack, stacks.internFrame(frameOfCallFrame(node.callFrame)));
    stackOfNode.set(node.id, stack);
    if (node.selfSize > 0) addTo(counts, stack, 0, node.selfSize, 0);
    for (const c of node.children) work.push([c, stack]);
  }
  const perSample = new Map<number, number>();
  // Exact counts (every object a sample) are not followed: their series need no help, and the
  // ordinals would be one number per live object.
  const follow = interval > EXACT_INTERVAL;
  for (const sample of profile.samples ?? []) {
    const stack = stackOfNode.get(sample.nodeId);
    if (stack === undefined) continue;
    let k = perSample.get(sample.size);
    if (k === undefined) perSample.set(sample.size, (k = objectsPerSample(sample.size, interval)));
    addTo(counts, stack, k, 0, 0);
    if (follow && isSmallSample(sample.size, interval)) {
      const c = counts.get(stack)!;
      (c.samples ??= []).push(sample.ordinal);
    }
  }
  return counts;
}

/** At or below this interval the sampler sees (nearly) every object: its counts are exact. */
export const EXACT_INTERVAL = 32;

/**
 * A sample of an object under about a quarter of the interval (V8 reports s·k, between I and
 * I + s for small s; see objectsPerSample). Such objects come many to a sample, each sample
 * one of them: what a site holds in number. Larger ones — a table's or an array's backing
 * store, a flat string — are replaced by a bigger copy as what they hold grows, so their
 * samples die while a leak grows, and are not followed (turnover.ts).
 */
export function isSmallSample(reported: number, interval: number): boolean {
  return reported < 1.25 * interval;
}

/**
 * About how many objects one sample stands for. V8 scales each sample before reporting it: an
 * object of s bytes sampled at interval I stands for k = round(1 / (1 − e^(−s/I))) objects and
 * is reported as s·k bytes (measured: 32-byte objects report I + 32). Bytes are therefore
 * unbiased, but s and k cannot both be recovered: for a small object s·k lies between I and
 * I + s, so s is taken as 1.5 × (reported − I) — within a factor of two. At I = 1 (the check
 * default) every allocation is a sample, k = 1, and counts are exact.
 */
export function objectsPerSample(reported: number, interval: number): number {
  if (interval <= 1 || reported <= interval) return 1;
  if (reported >= 2 * interval) return 1;
  return Math.max(1, reported / Math.max(8, 1.5 * (reported - interval)));
}
