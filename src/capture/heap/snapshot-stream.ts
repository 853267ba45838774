import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import type { Progress } from '../../cli/output/progress.js';
import { CaptureError } from '../../errors.js';
import { HeapSnapshot } from '../../model/snapshot/heap-snapshot.js';
import { SnapshotParser } from '../../model/snapshot/parser.js';
import { findStructureProblem } from '../../model/snapshot/validate.js';
import type { InspectorSession } from '../inspector/session.js';

export interface SnapshotStreamOptions {
  /** Also write the snapshot to this file (as `<file>.partial`, renamed when whole). */
  file?: string;
  /** Parse it into a HeapSnapshot as it arrives (else only the file is written). */
  parse?: boolean;
  /** Ask V8 to record number values (shown by `show`). */
  captureNumericValue?: boolean;
  onProgress?: (p: Progress) => void;
}

/**
 * Takes a heap snapshot through the protocol and streams its chunks, as they arrive, into
 * the parser and/or a file: the snapshot is never held whole in memory, in leaktrace or in
 * the target. Returns the parsed snapshot when `parse` is set, else null.
 */
export async function streamSnapshot(session: InspectorSession, options: SnapshotStreamOptions): Promise<HeapSnapshot | null> {
  const name = options.file ?? 'live heap snapshot';
  const parser = options.parse ? new SnapshotParser(name) : null;
  const partial = options.file ? `${options.file}.partial` : null;
  const fd = partial ? openSync(partial, 'w') : -1;
  let bytes = 0;
  let failure: unknown = null;
  const onChunk = (params: unknown): void => {
    if (failure) return;
    try {
      const chunk = Buffer.from((params as { chunk: string }).chunk, 'utf8');
      bytes += chunk.length;
      if (fd >= 0) writeSync(fd, chunk);
      parser?.write(chunk);
    } catch (err) {
      failure = err;
    }
  };
  const onProgress = (params: unknown): void => {
    const p = params as { done: number; total: number };
    options.onProgress?.({ phase: 'taking heap snapshot', done: p.done, total: p.total });
  };
  session.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  session.on('HeapProfiler.reportHeapSnapshotProgress', onProgress);
  try {
    await session.post('HeapProfiler.takeHeapSnapshot', {
      reportProgress: options.onProgress !== undefined,
      captureNumericValue: options.captureNumericValue ?? true,
    });
  } catch (err) {
    throw new CaptureError(`heap snapshot failed: ${(err as Error).message}`, { cause: err });
  } finally {
    session.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
    session.off('HeapProfiler.reportHeapSnapshotProgress', onProgress);
    if (fd >= 0) closeSync(fd);
  }
  if (failure) throw failure;
  if (partial && options.file) renameSync(partial, options.file);
  options.onProgress?.({ phase: 'snapshot received', done: bytes, total: bytes });
  if (!parser) return null;
  const parsed = parser.close();
  const problem = findStructureProblem(parsed);
  if (problem) throw new CaptureError(`the target sent an inconsistent heap snapshot: ${problem.detail}`);
  return new HeapSnapshot(name, parsed);
}
