import { statSync } from 'node:fs';
import { basename, extname, relative } from 'node:path';
import { SnapshotAnalysis } from '../../analysis/snapshot/analysis.js';
import { InputError } from '../../errors.js';
import { loadSnapshot } from '../../model/snapshot/load.js';
import type { StackTable } from '../../model/stack-table.js';
import type { SamplingProfile } from '../../capture/heap/sampling-sampler.js';
import { openCaptureSource } from '../html/capture-source.js';
import { profileStacks, readHeapProfile } from '../profile/sampling-profile.js';

/**
 * What an export is made of, whatever the input: a stack table and, per stack (self, not
 * callees), the live ("in use") objects and bytes, and — where the input knows them — the
 * objects and bytes ever allocated there (alloc_*).
 */
export interface ExportSource {
  /** The input, in words. */
  description: string;
  stacks: StackTable;
  /** Stack ids with anything to report. */
  ids: number[];
  inuse: { count: (id: number) => number; bytes: (id: number) => number };
  alloc: { count: (id: number) => number; bytes: (id: number) => number } | null;
  /** Bytes between samples of the sampling heap profiler; null for exact data or when unknown. */
  samplingInterval: number | null;
  /** When the data was taken (ms since the epoch), when known. */
  timeMs: number | null;
  durationMs: number | null;
  /** The sampling heap profile itself, when that is the input (written back as .heapprofile). */
  profile: SamplingProfile | null;
  /** Sentences about the data that the export cannot carry (estimates, what is unknown). */
  notes: string[];
}

/**
 * Reads a capture folder (its last sampling heap profile), a `.heapprofile` file, or a
 * `.heapsnapshot` taken with allocation tracking (live objects per allocation stack; the
 * snapshot's trace tree also gives what was ever allocated there).
 */
export async function readExportSource(input: string, options: { signal?: AbortSignal } = {}): Promise<ExportSource> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(input);
  } catch {
    throw new InputError(`${input}: no such file or folder`);
  }
  if (st.isDirectory()) return fromCapture(input);
  const ext = extname(input).toLowerCase();
  if (ext === '.heapprofile' || ext === '.json') return fromProfile(input, readHeapProfile(input), null, st.mtimeMs, []);
  return fromSnapshot(input, options);
}

function fromCapture(dir: string): ExportSource {
  const src = openCaptureSource(dir);
  const profiles = src.profiles();
  if (profiles.length === 0) {
    const snaps = src.snapshots();
    throw new InputError(
      `${dir}: no heap profile in this capture (profiles/*.heapprofile)${snaps.length > 0 ? `; export one of its snapshots taken with allocation tracking instead, e.g. ${snaps[snaps.length - 1]}` : ''}`,
    );
  }
  const file = profiles[profiles.length - 1];
  const interval = typeof src.manifest?.settings?.samplingInterval === 'number' ? src.manifest.settings.samplingInterval : null;
  const started = Date.parse(src.manifest?.tracking?.startedAt ?? '');
  const notes = [...src.problems];
  if (profiles.length > 1) notes.push(`the last of ${profiles.length} heap profiles (${relative(dir, file)}) is exported`);
  const source = fromProfile(`${dir} (${relative(dir, file)})`, readHeapProfile(file), interval, statSync(file).mtimeMs, notes);
  if (Number.isFinite(started)) {
    source.timeMs = started;
    source.durationMs = Math.max(0, statSync(file).mtimeMs - started);
  }
  return source;
}

function fromProfile(
  description: string,
  profile: SamplingProfile,
  interval: number | null,
  timeMs: number,
  notes: string[],
): ExportSource {
  const p = profileStacks(profile, interval);
  if (!p.countsScaled)
    notes.push('the sampling interval is not recorded: object counts are the number of sampled objects, not estimates of all objects');
  notes.push("sizes are V8's estimates from its sampling heap profiler");
  return {
    description,
    stacks: p.stacks,
    ids: p.stacks.recordedStacks(),
    inuse: { count: (id) => p.stacks.countOf(id), bytes: (id) => p.stacks.bytesOf(id) },
    alloc: null,
    samplingInterval: interval,
    timeMs,
    durationMs: null,
    profile,
    notes,
  };
}

async function fromSnapshot(file: string, options: { signal?: AbortSignal }): Promise<ExportSource> {
  const snapshot = await loadSnapshot(file, { signal: options.signal });
  const traces = snapshot.traces;
  if (!traces) {
    throw new InputError(
      `${file}: has no allocation stacks, so there is nothing to export as a heap profile; take it with allocation tracking on (node --track-heap-objects), or export a capture's sampling heap profile`,
    );
  }
  const a = new SnapshotAnalysis(snapshot);
  const n = traces.stacks.size + 1;
  const bytes = new Float64Array(n);
  const count = new Float64Array(n);
  const reachable = a.dominators.reachable;
  let without = 0;
  for (let o = 1; o < snapshot.nodeCount; o++) {
    if (!reachable[o]) continue;
    const s = a.stackOf(o);
    if (s === 0) {
      without++;
      continue;
    }
    bytes[s] += snapshot.selfSize(o);
    count[s]++;
  }
  const ids: number[] = [];
  for (let id = 1; id < n; id++) if (bytes[id] > 0 || traces.stacks.countOf(id) > 0) ids.push(id);
  return {
    description: basename(file),
    stacks: traces.stacks,
    ids,
    inuse: { count: (id) => count[id], bytes: (id) => bytes[id] },
    // V8's trace tree counts every allocation made while tracking was on, freed or not.
    alloc: { count: (id) => traces.stacks.countOf(id), bytes: (id) => traces.stacks.bytesOf(id) },
    samplingInterval: null,
    timeMs: statSync(file).mtimeMs,
    durationMs: null,
    profile: null,
    notes: [
      `${without.toLocaleString('en-US')} live objects have no allocation stack (allocated before tracking began) and are not in the export`,
      'alloc_* count every allocation made while allocation tracking was on, including objects since freed',
    ],
  };
}
