import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CAPTURE_FILES,
  type CaptureEvent,
  type CaptureManifest,
  type MemorySample,
  PARTIAL_SUFFIX,
  SNAPSHOT_SUFFIX,
} from '../../capture-folder/layout.js';
import { CaptureReader } from '../../capture-folder/reader.js';
import { InputError } from '../../errors.js';

/**
 * A capture folder as the report reads it: through CaptureReader when the manifest is there,
 * and — for a folder whose capture died before its manifest was written or whose manifest is
 * damaged — straight from the files that are, so a report can still show what was captured.
 */
export interface CaptureSource {
  dir: string;
  manifest: CaptureManifest | null;
  problems: string[];
  series(): MemorySample[];
  events(): CaptureEvent[];
  /** Complete snapshots, in the order taken. */
  snapshots(): string[];
  /** Sampling heap profiles, in the order taken. */
  profiles(): string[];
  readJson<T>(file: string): T | null;
  /** A JSONL file's records; lines that cannot be read are counted in `problems`. */
  readLines<T>(file: string): { records: T[]; badLines: number };
  has(file: string): boolean;
}

const PROFILE_SUFFIX = '.heapprofile';

export function openCaptureSource(dir: string): CaptureSource {
  if (!existsSync(dir)) throw new InputError(`${dir}: no such file or folder`);
  if (!statSync(dir).isDirectory()) throw new InputError(`${dir}: not a capture folder (not a directory)`);
  const profiles = (): string[] => listFiles(join(dir, CAPTURE_FILES.profiles), (n) => n.endsWith(PROFILE_SUFFIX));
  if (existsSync(join(dir, CAPTURE_FILES.manifest))) {
    try {
      const r = CaptureReader.open(dir);
      return {
        dir,
        manifest: r.manifest,
        problems: r.problems,
        series: () => r.series(),
        events: () => r.events(),
        snapshots: () => r.snapshots(),
        profiles,
        readJson: <T>(f: string) => r.readJson<T>(f),
        readLines: <T>(f: string) => r.readLines<T>(f),
        has: (f) => r.has(f),
      };
    } catch (err) {
      // A manifest that is not leaktrace's at all is an input error; a damaged one is salvaged.
      if (!(err instanceof InputError) || !/unreadable manifest/.test(err.message)) throw err;
      return salvage(dir, [
        `${CAPTURE_FILES.manifest}: damaged (${err.message.replace(/^.*unreadable manifest \(/, '').replace(/\)$/, '')}); the target, Node version and tracking start are unknown`,
      ]);
    }
  }
  return salvage(dir, [
    `no ${CAPTURE_FILES.manifest}: the capture stopped before writing it, or this is not a complete capture folder; the target, Node version and tracking start are unknown`,
  ]);
}

function salvage(dir: string, problems: string[]): CaptureSource {
  const known = [
    CAPTURE_FILES.series,
    CAPTURE_FILES.events,
    CAPTURE_FILES.leaks,
    CAPTURE_FILES.handles,
    CAPTURE_FILES.snapshots,
    CAPTURE_FILES.profiles,
  ];
  const present = known.filter((f) => existsSync(join(dir, f)));
  const hasData = present.some((f) =>
    f === CAPTURE_FILES.snapshots || f === CAPTURE_FILES.profiles ? readdirSync(join(dir, f)).length > 0 : true,
  );
  if (!hasData) {
    throw new InputError(
      `${dir}: not a capture folder (no ${CAPTURE_FILES.manifest}, and none of ${CAPTURE_FILES.series}, ${CAPTURE_FILES.events}, ${CAPTURE_FILES.leaks}, ${CAPTURE_FILES.snapshots}/, ${CAPTURE_FILES.profiles}/)`,
    );
  }
  const readLines = <T>(file: string): { records: T[]; badLines: number } => {
    const path = join(dir, file);
    if (!existsSync(path)) return { records: [], badLines: 0 };
    const out: T[] = [];
    let bad = 0;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as T);
      } catch {
        bad++;
      }
    }
    if (bad > 0) problems.push(`${file}: ${bad} line(s) could not be read (cut off when the capture stopped?)`);
    return { records: out, badLines: bad };
  };
  return {
    dir,
    manifest: null,
    problems,
    series: () => readLines<MemorySample>(CAPTURE_FILES.series).records,
    events: () => readLines<CaptureEvent>(CAPTURE_FILES.events).records,
    readLines,
    snapshots: () => {
      const d = join(dir, CAPTURE_FILES.snapshots);
      for (const n of listFiles(d, (x) => x.endsWith(SNAPSHOT_SUFFIX + PARTIAL_SUFFIX)))
        problems.push(`${CAPTURE_FILES.snapshots}/${n.slice(d.length + 1)}: half-written snapshot, skipped`);
      return listFiles(d, (x) => x.endsWith(SNAPSHOT_SUFFIX));
    },
    profiles: () => listFiles(join(dir, CAPTURE_FILES.profiles), (n) => n.endsWith(PROFILE_SUFFIX)),
    readJson: <T>(file: string): T | null => {
      const path = join(dir, file);
      if (!existsSync(path)) return null;
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as T;
      } catch (err) {
        problems.push(`${file}: unreadable (${(err as Error).message})`);
        return null;
      }
    },
    has: (f) => existsSync(join(dir, f)),
  };
}

function listFiles(dir: string, keep: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter(keep)
    .sort()
    .map((n) => join(dir, n));
}
