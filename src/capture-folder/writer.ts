import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { LEAKTRACE_VERSION } from '../version.js';
import {
  CAPTURE_FILES,
  CAPTURE_FORMAT,
  CAPTURE_VERSION,
  type CaptureEvent,
  type CaptureKind,
  type CaptureManifest,
  type MemorySample,
  PARTIAL_SUFFIX,
  SNAPSHOT_SUFFIX,
  snapshotFileName,
} from './layout.js';

export interface NewCaptureOptions {
  kind: CaptureKind;
  target: CaptureManifest['target'];
  tracking: CaptureManifest['tracking'];
  settings?: Record<string, unknown>;
}

/**
 * Writes a capture folder. Every append is one synchronous write of a whole line to a file
 * opened in append mode, so whatever ends the run (Ctrl-C, a crash, the target dying), every
 * line already written is on disk and readable.
 */
export class CaptureWriter {
  readonly dir: string;
  private manifest: CaptureManifest;
  private readonly fds = new Map<string, number>();
  private snapshotCount = 0;

  private constructor(dir: string, manifest: CaptureManifest) {
    this.dir = dir;
    this.manifest = manifest;
  }

  /** Creates the folder (which must not exist or be empty) and writes its manifest. */
  static create(dir: string, options: NewCaptureOptions): CaptureWriter {
    // The one file that may be there already: handles.jsonl, opened by the handle agent of
    // the program `run` started (it runs before the capture begins).
    if (existsSync(dir) && readdirSync(dir).some((f) => f !== CAPTURE_FILES.handles)) {
      throw new InputError(`${dir}: capture folder already exists and is not empty`);
    }
    mkdirSync(join(dir, CAPTURE_FILES.snapshots), { recursive: true });
    mkdirSync(join(dir, CAPTURE_FILES.profiles), { recursive: true });
    const manifest: CaptureManifest = {
      format: CAPTURE_FORMAT,
      version: CAPTURE_VERSION,
      kind: options.kind,
      leaktraceVersion: LEAKTRACE_VERSION,
      createdAt: new Date().toISOString(),
      target: options.target,
      tracking: options.tracking,
      settings: options.settings ?? {},
    };
    const writer = new CaptureWriter(dir, manifest);
    writer.writeManifest();
    return writer;
  }

  get currentManifest(): Readonly<CaptureManifest> {
    return this.manifest;
  }

  /** Merges fields into the manifest and rewrites it atomically. */
  updateManifest(patch: Partial<CaptureManifest>): void {
    this.manifest = { ...this.manifest, ...patch };
    this.writeManifest();
  }

  appendSample(sample: MemorySample): void {
    this.appendLine(CAPTURE_FILES.series, sample);
  }

  appendEvent(event: CaptureEvent): void {
    this.appendLine(CAPTURE_FILES.events, event);
  }

  /** Appends one JSON value as a line to a file of the folder. */
  appendLine(file: string, value: unknown): void {
    this.writing(() => {
      let fd = this.fds.get(file);
      if (fd === undefined) {
        fd = openSync(join(this.dir, file), 'a');
        this.fds.set(file, fd);
      }
      writeSync(fd, `${JSON.stringify(value)}\n`);
    });
  }

  /**
   * Runs a write to the folder. A folder removed or a disk full under a capture is the
   * machine's state, not a bug in leaktrace: one line that says so (exit code 2), and the
   * caller still stops the program it started.
   */
  private writing<T>(write: () => T): T {
    try {
      return write();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (typeof code !== 'string') throw err;
      throw new InputError(
        `cannot write the capture folder ${this.dir}: ${code === 'ENOENT' ? 'it was removed during the capture' : (err as Error).message}`,
      );
    }
  }

  /** Where a worker thread's holders snapshot goes (streamSnapshot writes it as `.partial`, then renames it). */
  workerSnapshotPath(workerId: string): string {
    const dir = join(this.dir, CAPTURE_FILES.workerSnapshots);
    this.writing(() => mkdirSync(dir, { recursive: true }));
    return join(dir, `worker-${workerId.replace(/[^a-z0-9-]+/gi, '-')}-holders${SNAPSHOT_SUFFIX}`);
  }

  /**
   * Reserves the next snapshot name. Write to `partialPath`, then call `commit()`: a snapshot
   * cut off mid-write keeps its `.partial` name, so readers never mistake it for a whole one.
   */
  nextSnapshot(reason: string): { file: string; path: string; partialPath: string; commit: () => void } {
    this.snapshotCount++;
    const file = snapshotFileName(this.snapshotCount, reason);
    const path = join(this.dir, file);
    const partialPath = path + PARTIAL_SUFFIX;
    return {
      file,
      path,
      partialPath,
      commit: () => {
        this.writing(() => renameSync(partialPath, path));
        this.appendEvent({ t: Date.now(), type: 'snapshot', message: `heap snapshot (${reason})`, file, reason });
      },
    };
  }

  /** Writes a whole file (JSON) atomically: a temporary name, then a rename. */
  writeJson(file: string, value: unknown): void {
    const path = join(this.dir, file);
    this.writing(() => {
      writeFileSync(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
      renameSync(`${path}.tmp`, path);
    });
  }

  /** Marks the capture as ended normally and closes its files. */
  finish(exit?: CaptureManifest['exit']): void {
    this.updateManifest({ endedAt: new Date().toISOString(), ...(exit ? { exit } : {}) });
    this.close();
  }

  /** Closes open files without marking the capture as ended. */
  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  private writeManifest(): void {
    this.writeJson(CAPTURE_FILES.manifest, this.manifest);
  }
}
