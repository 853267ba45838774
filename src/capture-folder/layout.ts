/**
 * The capture folder is the contract between capturing and analysing: capture writes it,
 * everything else reads it, offline, possibly on another machine. This module is the one
 * place that knows its file names and its version.
 *
 *   manifest.json         what was captured, from which target, when tracking began
 *   series.jsonl          memory time series, one MemorySample per line, appended as it goes
 *   events.jsonl          what happened: rules fired, snapshots taken, marks (one per line)
 *   handles.jsonl         the handle agent's records, appended by every traced process and
 *                         thread (HandleRecordLine in capture/agent/agent-types.ts)
 *   handles-report.json   `leaktrace handles`: snapshots, diffs and what was open at the end
 *   snapshots/NNN-<why>.heapsnapshot   heap snapshots; `.partial` while being written
 *   profiles/NNN.heapprofile           sampling heap profiles (Chrome's format)
 *   worker-snapshots/worker-<id>-holders.heapsnapshot   a worker thread's heap, taken with
 *                         allocation tracking to find what holds its leak (not a main-thread
 *                         snapshot: the views that list `snapshots/` leave these out)
 *   sites.jsonl           per-measurement live counts by allocation stack (after a full GC)
 *   worker-sites.jsonl    the same for each worker thread's heap, each line naming its worker
 *   stacks.jsonl          the stack table those counts refer to: {id, frames}, appended as new
 *   leaks.json            the leak finder's result (analysis/leak-report)
 *   native/               the native tracker (leaktrace native): p<pid>-<n>.ltn, one binary
 *                         event log per process image (n counts execs), p<pid>-<n>.symbols.json
 *                         its symbols resolved on the capturing machine, perf-<pid>.map copies
 *
 * Line-oriented files are appended with one write per line, so a target or capture that is
 * killed leaves every complete line readable; readers skip a cut-off last line and say so.
 */
export const CAPTURE_FORMAT = 'leaktrace-capture';
export const CAPTURE_VERSION = 1;

export const CAPTURE_FILES = {
  manifest: 'manifest.json',
  series: 'series.jsonl',
  events: 'events.jsonl',
  handles: 'handles.jsonl',
  handlesReport: 'handles-report.json',
  snapshots: 'snapshots',
  workerSnapshots: 'worker-snapshots',
  profiles: 'profiles',
  leaks: 'leaks.json',
  sites: 'sites.jsonl',
  workerSites: 'worker-sites.jsonl',
  stacks: 'stacks.jsonl',
  native: 'native',
} as const;

export const SNAPSHOT_SUFFIX = '.heapsnapshot';
export const PARTIAL_SUFFIX = '.partial';

export type CaptureKind = 'run' | 'attach' | 'check' | 'handles' | 'native';

export interface CaptureManifest {
  format: typeof CAPTURE_FORMAT;
  version: number;
  kind: CaptureKind;
  leaktraceVersion: string;
  /** When the capture folder was created (ISO 8601). */
  createdAt: string;
  target: {
    /** The command that was run, or null when attached to a running process. */
    command: string[] | null;
    pid: number | null;
    nodeVersion: string | null;
    cwd: string | null;
  };
  tracking: {
    /** When tracking began (ISO 8601). Nothing allocated or opened before this is known. */
    startedAt: string;
    /** True when tracking began with the process (preloaded agent); false after an attach. */
    fromProcessStart: boolean;
    /** The sentence every report shows about what could not be seen. */
    note: string;
  };
  /** Capture settings (sampling interval, rules), as the capturing command recorded them. */
  settings: Record<string, unknown>;
  /** Set when the capture ended normally; absent when it was cut short. */
  endedAt?: string;
  /** How the target ended, when it did. */
  exit?: { code: number | null; signal: string | null };
}

/** One point of the memory time series. Bytes; `t` in ms since the Unix epoch. */
export interface MemorySample {
  t: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** V8 heap spaces: used and committed bytes each. */
  spaces?: Record<string, { used: number; size: number }>;
  /** Open handles (libuv/async resources) when known. */
  handles?: number;
  /** Open file descriptors from /proc when known. */
  fds?: number;
}

/** One entry of events.jsonl. */
export interface CaptureEvent {
  t: number;
  type: 'snapshot' | 'rule' | 'mark' | 'note' | 'error' | 'exit' | string;
  message: string;
  /** For snapshots: the file name relative to the capture folder. */
  file?: string;
  [key: string]: unknown;
}

/** `snapshots/003-growth.heapsnapshot` for the third snapshot, taken because of growth. */
export function snapshotFileName(index: number, reason: string): string {
  const safe =
    reason
      .replace(/[^a-z0-9-]+/gi, '-')
      .replace(/^-+|-+$/g, '')
      .toLowerCase() || 'snapshot';
  return `${CAPTURE_FILES.snapshots}/${String(index).padStart(3, '0')}-${safe}${SNAPSHOT_SUFFIX}`;
}

/** `native/p<pid>-<n>.ltn`: the event log of one process image (n counts images after exec). */
export const NATIVE_LOG_NAME = /^p(\d+)-(\d+)\.ltn$/;

/** The symbols file beside a native event log. */
export function nativeSymbolsName(logName: string): string {
  return logName.replace(/\.ltn$/, '.symbols.json');
}

/** A copy of the JIT's perf map for one process, kept with its log. */
export function nativePerfMapName(pid: number): string {
  return `perf-${pid}.map`;
}

/** One line of sites.jsonl: a leak-finder measurement. */
export interface SitesRecord {
  /** Milliseconds since tracking began. */
  x: number;
  t: number;
  /**
   * [stack id, live objects (estimated), live bytes (estimated)] per stack with anything live;
   * run/attach add, where there are any, the ordinals of samples of small objects at that stack
   * that are new since the line before (SampleLedger: the objects followed by turnover.ts).
   */
  sites: ([number, number, number] | [number, number, number, number[]])[];
  /** The ordinals of followed samples live at the line before and gone at this one. */
  died?: number[];
  /** V8's live compiled code and bytecode with their metadata after the measurement's GC, when read. */
  v8Code?: number;
}

/** One line of worker-sites.jsonl: a measurement of one worker thread's heap (live/worker-sites.ts). */
export interface WorkerSitesRecord extends SitesRecord {
  /** The worker, as Node's inspector names it (NodeWorker's workerId), and its script. */
  worker: { id: string; url: string };
}

/** One line of stacks.jsonl. Frames innermost first, 1-based lines. */
export interface StackRecord {
  id: number;
  frames: { functionName: string; file: string; line: number; column: number }[];
}
