import { renameSync, writeFileSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { Anonymizer } from './anonymize.js';
import { readExportSource } from './export-source.js';
import { toHeapProfile } from './heapprofile.js';
import { encodePprof } from './pprof.js';

export type ExportFormat = 'pprof' | 'heapprofile';

export interface ExportOptions {
  format: ExportFormat;
  /** Replace the user's paths, function names and strings with stable hashes (see anonymize.ts). */
  anonymize?: boolean;
  signal?: AbortSignal;
}

export interface ExportResult {
  file: string;
  format: ExportFormat;
  /** Size of the file written. */
  fileBytes: number;
  /** Stacks with live (or ever allocated) memory. */
  stacks: number;
  inuse: { bytes: number; objects: number };
  /** What was ever allocated, where the input knows it. */
  alloc: { bytes: number; objects: number } | null;
  anonymized: boolean;
  notes: string[];
}

/**
 * `leaktrace export`: a capture folder, a `.heapprofile` or a `.heapsnapshot` with allocation
 * stacks, written as gzipped pprof or as Chrome's `.heapprofile`.
 */
export async function exportHeapProfile(input: string, file: string, options: ExportOptions): Promise<ExportResult> {
  const src = await readExportSource(input, { signal: options.signal });
  const anonymizer = options.anonymize ? new Anonymizer() : undefined;
  const data = options.format === 'pprof' ? encodePprof(src, anonymizer) : Buffer.from(JSON.stringify(toHeapProfile(src, anonymizer)));
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (err) {
    throw new InputError(`${file}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const sum = (f: (id: number) => number): number => src.ids.reduce((t, id) => t + f(id), 0);
  return {
    file,
    format: options.format,
    fileBytes: data.length,
    stacks: src.ids.length,
    inuse: { bytes: sum(src.inuse.bytes), objects: sum(src.inuse.count) },
    alloc: src.alloc ? { bytes: sum(src.alloc.bytes), objects: sum(src.alloc.count) } : null,
    anonymized: anonymizer !== undefined,
    notes: src.notes,
  };
}
