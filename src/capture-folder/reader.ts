import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import {
  CAPTURE_FILES,
  CAPTURE_FORMAT,
  CAPTURE_VERSION,
  type CaptureEvent,
  type CaptureManifest,
  type MemorySample,
  PARTIAL_SUFFIX,
  SNAPSHOT_SUFFIX,
} from './layout.js';

/** Lines of a JSONL file, with what could not be read counted rather than thrown. */
export interface JsonLines<T> {
  records: T[];
  /** Lines that were not valid JSON (a cut-off last line after a crash, usually). */
  badLines: number;
}

/**
 * Reads a capture folder, tolerating one cut short by a crash: a missing `endedAt`, a cut-off
 * last line, a half-written snapshot. What is missing is listed in `problems`, never thrown,
 * so a report can say what it could not see.
 */
export class CaptureReader {
  readonly dir: string;
  readonly manifest: CaptureManifest;
  /** Plain sentences about what is missing or damaged. */
  readonly problems: string[] = [];

  private constructor(dir: string, manifest: CaptureManifest) {
    this.dir = dir;
    this.manifest = manifest;
    if (!manifest.endedAt) this.problems.push('the capture was cut short: it has no end time (the capturing process stopped abruptly)');
  }

  /** Opens a capture folder; a one-line InputError if it is not one. */
  static open(dir: string): CaptureReader {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(dir);
    } catch {
      throw new InputError(`${dir}: no such file or folder`);
    }
    if (!stat.isDirectory()) throw new InputError(`${dir}: not a capture folder (not a directory)`);
    const manifestPath = join(dir, CAPTURE_FILES.manifest);
    if (!existsSync(manifestPath)) throw new InputError(`${dir}: not a capture folder (no ${CAPTURE_FILES.manifest})`);
    let manifest: CaptureManifest;
    try {
      manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as CaptureManifest;
    } catch (err) {
      throw new InputError(`${manifestPath}: unreadable manifest (${(err as Error).message})`);
    }
    if (manifest?.format !== CAPTURE_FORMAT)
      throw new InputError(`${dir}: not a leaktrace capture folder (manifest format is not '${CAPTURE_FORMAT}')`);
    if (typeof manifest.version !== 'number' || manifest.version > CAPTURE_VERSION) {
      throw new InputError(
        `${dir}: capture format version ${manifest.version} is newer than this leaktrace understands (${CAPTURE_VERSION})`,
      );
    }
    return new CaptureReader(dir, manifest);
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  has(file: string): boolean {
    return existsSync(this.path(file));
  }

  /** Reads a JSONL file of the folder; an absent file reads as empty. */
  readLines<T>(file: string): JsonLines<T> {
    const path = this.path(file);
    if (!existsSync(path)) return { records: [], badLines: 0 };
    const records: T[] = [];
    let badLines = 0;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        records.push(JSON.parse(line) as T);
      } catch {
        badLines++;
      }
    }
    if (badLines > 0) this.problems.push(`${file}: ${badLines} line(s) could not be read (cut off when the capture stopped?)`);
    return { records, badLines };
  }

  series(): MemorySample[] {
    return this.readLines<MemorySample>(CAPTURE_FILES.series).records;
  }

  events(): CaptureEvent[] {
    return this.readLines<CaptureEvent>(CAPTURE_FILES.events).records;
  }

  /** Complete snapshots in the order they were taken; half-written ones go to `problems`. */
  snapshots(): string[] {
    const dir = this.path(CAPTURE_FILES.snapshots);
    if (!existsSync(dir)) return [];
    const names = readdirSync(dir).sort();
    for (const n of names) {
      if (n.endsWith(SNAPSHOT_SUFFIX + PARTIAL_SUFFIX))
        this.problems.push(`${CAPTURE_FILES.snapshots}/${n}: half-written snapshot, skipped`);
    }
    return names.filter((n) => n.endsWith(SNAPSHOT_SUFFIX)).map((n) => join(dir, n));
  }

  /** A JSON file of the folder, or null when absent or unreadable (noted in `problems`). */
  readJson<T>(file: string): T | null {
    const path = this.path(file);
    if (!existsSync(path)) return null;
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch (err) {
      this.problems.push(`${file}: unreadable (${(err as Error).message})`);
      return null;
    }
  }
}
