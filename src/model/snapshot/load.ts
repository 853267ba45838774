import { open, stat } from 'node:fs/promises';
import type { Progress } from '../../cli/output/progress.js';
import { InputError, SnapshotFormatError } from '../../errors.js';
import { HeapSnapshot } from './heap-snapshot.js';
import { type ParsedSnapshot, SnapshotParser } from './parser.js';
import { findStructureProblem } from './validate.js';

export interface LoadOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

const READ_SIZE = 4 * 1024 * 1024;

/**
 * Reads a `.heapsnapshot` file into a HeapSnapshot: streamed in 4 MiB reads through the push
 * parser, validated, indexed. Any problem with the file is a one-line SnapshotFormatError or
 * InputError naming the file (and the byte offset where it went wrong).
 */
export async function loadSnapshot(path: string, options: LoadOptions = {}): Promise<HeapSnapshot> {
  const parsed = await parseSnapshotFile(path, options);
  options.onProgress?.({ phase: 'indexing', done: 0, total: 0 });
  return new HeapSnapshot(path, parsed);
}

export async function parseSnapshotFile(path: string, options: LoadOptions = {}): Promise<ParsedSnapshot> {
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new InputError(`${path}: is a folder, not a heap snapshot`);
    size = st.size;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const parser = new SnapshotParser(path, size);
  const fh = await open(path, 'r');
  const buf = Buffer.allocUnsafe(READ_SIZE);
  try {
    let done = 0;
    for (;;) {
      if (options.signal?.aborted) throw new InputError(`${path}: loading interrupted`);
      const { bytesRead } = await fh.read(buf, 0, READ_SIZE, null);
      if (bytesRead === 0) break;
      parser.write(bytesRead === READ_SIZE ? buf : buf.subarray(0, bytesRead));
      done += bytesRead;
      options.onProgress?.({ phase: 'parsing', done, total: size });
    }
  } finally {
    await fh.close();
  }
  const parsed = parser.close();
  const problem = findStructureProblem(parsed);
  if (problem) {
    const at = await locateNumber(path, parsed, problem.section, problem.index);
    throw new SnapshotFormatError(path, at, problem.detail);
  }
  return parsed;
}

/**
 * The byte offset of the index-th number of a numeric section, found by re-reading the file
 * from the nearest checkpoint the parser recorded (one every 4096 numbers). Only runs when
 * something is wrong, so the normal path pays nothing for exact error offsets.
 */
async function locateNumber(path: string, parsed: ParsedSnapshot, section: 'nodes' | 'edges', index: number): Promise<number> {
  const checkpoints = parsed.checkpoints[section];
  // checkpoints[k] is the offset just after number k*4096 of the section.
  const k = index >> 12;
  let from = parsed.sectionOffsets[section] + 1; // just after '['
  let remaining = index; // numbers to pass before the one we want
  if (k > 0 && k < checkpoints.length) {
    if (index === k * 4096) return walkBackOverDigits(path, checkpoints[k]);
    from = checkpoints[k];
    remaining = index - k * 4096 - 1;
  }
  const fh = await open(path, 'r');
  try {
    const b = Buffer.allocUnsafe(1 << 16);
    let pos = from;
    let inNum = false;
    let seen = 0;
    for (;;) {
      const { bytesRead } = await fh.read(b, 0, b.length, pos);
      if (bytesRead === 0) return pos;
      for (let i = 0; i < bytesRead; i++) {
        const digit = b[i] >= 48 && b[i] <= 57;
        if (digit && !inNum) {
          if (seen === remaining) return pos + i;
          inNum = true;
        } else if (!digit && inNum) {
          inNum = false;
          seen++;
        }
      }
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

async function walkBackOverDigits(path: string, end: number): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(32);
    const start = Math.max(0, end - 32);
    await fh.read(b, 0, end - start, start);
    let i = end - start - 1;
    while (i >= 0 && b[i] >= 48 && b[i] <= 57) i--;
    return start + i + 1;
  } finally {
    await fh.close();
  }
}
