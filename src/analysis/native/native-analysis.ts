import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CaptureReader } from '../../capture-folder/reader.js';
import { CAPTURE_FILES, type CaptureManifest, NATIVE_LOG_NAME, nativePerfMapName, nativeSymbolsName } from '../../capture-folder/layout.js';
import { InputError, UsageError } from '../../errors.js';
import { NativeLog, NO_STACK } from '../../model/native/event-log.js';
import { PerfMap } from '../../model/native/perf-map.js';
import { StackTable } from '../../model/stack-table.js';
import { attributeNative, type NativeAttribution } from './native-attribution.js';
import { type NativeReplay, type ReplayOptions, replayLog } from './replay.js';
import { readSymbolCache, writeSymbolCache } from './symbol-cache.js';
import { type AddressToSymbolize, type LineTool, type NativeFrame, symbolizeAddresses } from './symbolize.js';

const OWN_LIBRARY = /^libleaktrace-[0-9a-f]+\.so$/;

/** One process image that left a log in the capture folder. */
export interface NativeProcessEntry {
  pid: number;
  /** 0 for the process as started; 1, 2, ... after each exec. */
  image: number;
  /** `native/p<pid>-<n>.ltn`, absolute. */
  file: string;
  bytes: number;
}

/** True when `path` is a capture folder holding native event logs. */
export function isNativeCapture(path: string): boolean {
  try {
    if (!statSync(path).isDirectory()) return false;
  } catch {
    return false;
  }
  return listNativeLogs(path).length > 0;
}

export function listNativeLogs(dir: string): NativeProcessEntry[] {
  const nativeDir = join(dir, CAPTURE_FILES.native);
  if (!existsSync(nativeDir)) return [];
  const out: NativeProcessEntry[] = [];
  for (const name of readdirSync(nativeDir)) {
    const m = NATIVE_LOG_NAME.exec(name);
    if (!m) continue;
    const file = join(nativeDir, name);
    out.push({ pid: Number(m[1]), image: Number(m[2]), file, bytes: statSync(file).size });
  }
  return out.sort((a, b) => a.pid - b.pid || a.image - b.image);
}

/**
 * The process a view looks at: `--process PID` (its last image) or `PID-N`; by default the
 * process leaktrace started (its last image: after `sh -c` execs the program, that one).
 */
export function pickProcess(entries: NativeProcessEntry[], manifest: CaptureManifest | null, wanted?: string): NativeProcessEntry {
  if (entries.length === 0) throw new InputError('the capture folder has no native event logs');
  if (wanted !== undefined) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(wanted);
    if (!m) throw new UsageError(`--process must be a PID or PID-N (as 'leaktrace summary' lists them), got '${wanted}'`);
    const pid = Number(m[1]);
    const images = entries.filter((e) => e.pid === pid && (m[2] === undefined || e.image === Number(m[2])));
    if (images.length === 0) {
      throw new InputError(
        `no native log for process ${wanted} in this capture (it has: ${entries.map((e) => `${e.pid}-${e.image}`).join(', ')})`,
      );
    }
    return images[images.length - 1];
  }
  const root = manifest?.target.pid;
  const images = entries.filter((e) => e.pid === root);
  return images.length > 0 ? images[images.length - 1] : entries[0];
}

export interface OpenNativeOptions {
  process?: string;
  replay?: ReplayOptions;
  lineTool?: LineTool | 'auto';
}

/**
 * A native capture opened for analysis: the chosen process's log replayed, and its stacks
 * symbolized (from the stored symbols when the capture has them) and interned in a
 * StackTable, so that stacks that differ only in addresses on the same lines share an id.
 */
export class NativeAnalysis {
  readonly dir: string;
  readonly manifest: CaptureManifest | null;
  readonly processes: NativeProcessEntry[];
  readonly entry: NativeProcessEntry;
  readonly replay: NativeReplay;
  /** Sentences about what is missing or damaged. */
  readonly problems: string[];
  readonly table = new StackTable();
  private symbols: Map<number, NativeFrame[]> | null = null;
  private readonly framesCache = new Map<number, NativeFrame[]>();
  private readonly attributionCache = new Map<number, NativeAttribution>();
  private tableIds: Uint32Array | null = null;
  private readonly lineTool: LineTool | 'auto';

  private constructor(
    dir: string,
    manifest: CaptureManifest | null,
    problems: string[],
    processes: NativeProcessEntry[],
    entry: NativeProcessEntry,
    replay: NativeReplay,
    lineTool: LineTool | 'auto',
  ) {
    this.dir = dir;
    this.manifest = manifest;
    this.problems = problems;
    this.processes = processes;
    this.entry = entry;
    this.replay = replay;
    this.lineTool = lineTool;
  }

  static open(dir: string, options: OpenNativeOptions = {}): NativeAnalysis {
    const reader = CaptureReader.open(dir);
    const processes = listNativeLogs(dir);
    if (processes.length === 0) {
      throw new InputError(
        `${dir}: this capture has no native event logs (native/*.ltn): it was not made by 'leaktrace native', or the program was never tracked`,
      );
    }
    const entry = pickProcess(processes, reader.manifest, options.process);
    const log = NativeLog.open(entry.file);
    const replay = replayLog(log, options.replay);
    const problems = [...reader.problems.filter((p) => !p.includes('no end time')), ...replay.end.problems];
    if (replay.header.forked) {
      problems.push(
        `process ${entry.pid} was forked from ${replay.header.ppid}: blocks it inherited from its parent are not in its log (frees of them are counted as frees of unknown blocks)`,
      );
    }
    for (const n of replay.notes) problems.push(`tracker note: ${n}`);
    return new NativeAnalysis(dir, reader.manifest, problems, processes, entry, replay, options.lineTool ?? 'auto');
  }

  /** The perf map for JIT frames: the copy in the capture, else the live one in /tmp. */
  private perfMap(): PerfMap | null {
    const pid = this.entry.pid;
    for (const f of [join(this.dir, CAPTURE_FILES.native, nativePerfMapName(pid)), `/tmp/perf-${pid}.map`]) {
      if (existsSync(f)) return PerfMap.load(f);
    }
    return null;
  }

  private symbolFile(): string {
    return join(dirname(this.entry.file), nativeSymbolsName(basename(this.entry.file)));
  }

  /** Resolves every address of every stack (once), reusing the stored symbols. */
  symbolizeAll(): Map<number, NativeFrame[]> {
    if (this.symbols) return this.symbols;
    const cached = readSymbolCache(this.symbolFile()) ?? new Map<number, NativeFrame[]>();
    const r = this.replay;
    const todo: AddressToSymbolize[] = [];
    const seen = new Set<number>();
    for (let id = 0; id < r.stackCount; id++) {
      const ips = r.stackIps(id);
      const gen = r.stackGeneration(id);
      for (let i = 0; i < ips.length; i++) {
        const ip = ips[i];
        if (cached.has(ip) || seen.has(ip)) continue;
        seen.add(ip);
        todo.push({ address: ip, mapping: r.modules.find(ip, gen) });
      }
    }
    if (todo.length > 0) {
      const resolved = symbolizeAddresses(todo, { perfMap: this.perfMap(), lineTool: this.lineTool });
      for (const [ip, frames] of resolved) cached.set(ip, frames);
    }
    this.symbols = cached;
    return cached;
  }

  /** Writes the symbols beside the log, for analysis elsewhere. */
  saveSymbols(): void {
    writeSymbolCache(this.symbolFile(), this.symbolizeAll());
  }

  /** The symbolized frames of a tracker stack id, innermost first (inlined functions expanded). */
  frames(stack: number): NativeFrame[] {
    if (stack === NO_STACK || stack >= this.replay.stackCount) return [];
    let f = this.framesCache.get(stack);
    if (!f) {
      const symbols = this.symbolizeAll();
      f = [];
      for (const ip of this.replay.stackIps(stack)) {
        const s = symbols.get(ip);
        // The tracker's own wrappers (fopen calling the real fopen) are not the target's code.
        if (s && !(s[0].module && OWN_LIBRARY.test(basename(s[0].module)))) f.push(...s);
      }
      this.framesCache.set(stack, f);
    }
    return f;
  }

  attribution(stack: number): NativeAttribution {
    let a = this.attributionCache.get(stack);
    if (!a) {
      a = attributeNative(this.frames(stack));
      this.attributionCache.set(stack, a);
    }
    return a;
  }

  /** The StackTable id of a tracker stack's symbolized frames (stacks on the same lines share one). */
  tableId(stack: number): number {
    if (!this.tableIds) {
      const ids = new Uint32Array(this.replay.stackCount);
      // Frames are shared objects (one per address and inlining level): intern each once.
      const frameIds = new Map<NativeFrame, number>();
      for (let s = 0; s < ids.length; s++) {
        const frames = this.frames(s);
        let id = StackTable.EMPTY;
        for (let i = frames.length - 1; i >= 0; i--) {
          const f = frames[i];
          let fid = frameIds.get(f);
          if (fid === undefined) frameIds.set(f, (fid = this.table.internFrame(f)));
          id = this.table.child(id, fid);
        }
        ids[s] = id;
      }
      this.tableIds = ids;
    }
    return stack === NO_STACK || stack >= this.tableIds.length ? StackTable.EMPTY : this.tableIds[stack];
  }

  /** The sentence every view shows about what tracking could not see. */
  trackingNote(): string {
    const r = this.replay;
    const parts = [
      r.header.forked
        ? `tracking of process ${this.entry.pid} began when it was forked`
        : `tracking began when process ${this.entry.pid} started (the tracker was preloaded)`,
    ];
    if (r.untracked.count > 0) {
      parts.push(`${r.untracked.count} allocation(s), ${r.untracked.bytes} bytes, made while the tracker was starting were not recorded`);
    }
    parts.push('a process started without leaktrace native cannot be tracked after the fact');
    return parts.join('; ');
  }
}
