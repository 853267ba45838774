/**
 * Reader of the native tracker's event log (`native/p<pid>-<n>.ltn`), the binary format
 * written by native/log.c — see the layout comment there; the two must stay in step.
 *
 * The log is written through a shared file mapping, so it survives any end of the process;
 * bytes never written are zeros, and a zero tag marks the end. A process killed in the middle
 * of a record leaves that record cut short: the reader stops before it and says so in
 * `problems`, keeping everything before it. Nothing here throws on a damaged log except a
 * wrong magic (not a log at all).
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../../errors.js';

export const NATIVE_LOG_MAGIC = 'LTNATIVE';
export const NATIVE_LOG_VERSION = 1;
export const NATIVE_LOG_SUFFIX = '.ltn';
/** The id the tracker gives to an allocation whose stack it could not store. */
export const NO_STACK = 0xffff_ffff;

export const enum AllocKind {
  Malloc = 1,
  Calloc = 2,
  Realloc = 3,
  Aligned = 4,
  Mmap = 5,
}
export const ALLOC_KIND_NAMES = ['', 'malloc', 'calloc', 'realloc', 'aligned', 'mmap'] as const;

export const FD_KIND_NAMES = [
  '',
  'file',
  'socket',
  'accepted socket',
  'pipe',
  'dup',
  'eventfd',
  'timerfd',
  'epoll',
  'signalfd',
  'inotify',
  'memfd',
  'stdio stream',
  'directory',
] as const;

const enum Tag {
  End = 0x00,
  Stack = 0x01,
  AllocFirst = 0x02,
  AllocLast = 0x06,
  Free = 0x08,
  Unmap = 0x09,
  FdOpen = 0x0a,
  FdClose = 0x0b,
  FdCloseRange = 0x0c,
  Remap = 0x0d,
  Time = 0x10,
  Thread = 0x11,
  Maps = 0x12,
  Exit = 0x13,
  Note = 0x14,
  Exe = 0x15,
  Untracked = 0x16,
}

export interface NativeLogHeader {
  version: number;
  pid: number;
  ppid: number;
  /** Wall-clock time the log was opened, ms since the Unix epoch. */
  startedAt: number;
  /** True for a forked child: it inherited its parent's heap, whose blocks are not in this log. */
  forked: boolean;
  pageSize: number;
  maxFrames: number;
}

/** What the reader calls for each record, in log order. Times are µs since the log began. */
export interface NativeLogVisitor {
  stack?(id: number, ips: readonly number[], truncated: boolean): void;
  alloc?(kind: AllocKind, stack: number, addr: number, size: number): void;
  free?(addr: number): void;
  unmap?(addr: number, size: number): void;
  remap?(oldAddr: number, oldSize: number, addr: number, size: number, stack: number): void;
  fdOpen?(kind: number, stack: number, fd: number, path: string): void;
  fdClose?(fd: number): void;
  fdCloseRange?(first: number, last: number): void;
  time?(us: number): void;
  thread?(tid: number): void;
  maps?(text: string): void;
  exit?(us: number): void;
  note?(text: string): void;
  exe?(path: string): void;
  untracked?(count: number, bytes: number): void;
}

export interface NativeLogEnd {
  /** Byte offset just past the last whole record. */
  dataEnd: number;
  /** Records read. */
  records: number;
  /** True when the process reached exit (the EXIT record is present). */
  sawExit: boolean;
  /** Plain sentences about damage: a cut-off record, an unknown tag. */
  problems: string[];
}

class CutOff extends Error {}

/** One log file, read into memory once. */
export class NativeLog {
  readonly file: string;
  readonly header: NativeLogHeader;
  private readonly bytes: Uint8Array;

  constructor(file: string, bytes: Uint8Array) {
    this.file = file;
    this.bytes = bytes;
    if (bytes.length < 64 || Buffer.from(bytes.buffer, bytes.byteOffset, 8).toString('latin1') !== NATIVE_LOG_MAGIC) {
      throw new InputError(`${file}: not a leaktrace native event log (bad magic)`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, 64);
    const version = view.getUint32(8, true);
    if (version > NATIVE_LOG_VERSION) throw new InputError(`${file}: native log version ${version} is newer than this leaktrace understands`);
    this.header = {
      version,
      pid: view.getUint32(16, true),
      ppid: view.getUint32(20, true),
      startedAt: Number(view.getBigUint64(24, true) / 1_000_000n),
      forked: (view.getUint32(40, true) & 1) !== 0,
      pageSize: view.getUint32(44, true),
      maxFrames: view.getUint32(52, true),
    };
  }

  static open(file: string): NativeLog {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw new InputError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    return new NativeLog(file, bytes);
  }

  get size(): number {
    return this.bytes.length;
  }

  /** Reads every record in order. Stops at the end of data, or before a damaged record. */
  read(v: NativeLogVisitor): NativeLogEnd {
    const b = this.bytes;
    const n = b.length;
    let p = 64;
    let records = 0;
    let sawExit = false;
    const problems: string[] = [];
    let lastAddr = 0;
    let recordStart = p;

    const uleb = (): number => {
      let result = 0;
      let mul = 1;
      for (;;) {
        if (p >= n) throw new CutOff();
        const byte = b[p++];
        result += (byte & 0x7f) * mul;
        if (byte < 0x80) return result;
        mul *= 128;
      }
    };
    // Arguments are read before each visitor call: `v.x?.(read())` would skip the read when
    // the visitor has no `x`.
    // Zigzag: even → v/2, odd → -(v+1)/2. Arithmetic, since values exceed 32 bits.
    const sleb = (): number => {
      const z = uleb();
      return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    };
    const text = (): string => {
      const len = uleb();
      if (p + len > n) throw new CutOff();
      const s = Buffer.from(b.buffer, b.byteOffset + p, len).toString('utf8');
      p += len;
      return s;
    };

    try {
      while (p < n) {
        recordStart = p;
        const tag = b[p++];
        if (tag === Tag.End) {
          p = recordStart;
          break;
        }
        if (tag >= Tag.AllocFirst && tag <= Tag.AllocLast) {
          const stack = uleb();
          const size = uleb();
          const addr = lastAddr + sleb();
          lastAddr = addr;
          v.alloc?.((tag - Tag.AllocFirst + 1) as AllocKind, stack, addr, size);
        } else if (tag === Tag.Free) {
          const addr = lastAddr + sleb();
          lastAddr = addr;
          v.free?.(addr);
        } else if (tag === Tag.Stack) {
          const id = uleb();
          const dt = uleb();
          const depth = Math.floor(dt / 2);
          const ips: number[] = new Array(depth);
          let prev = 0;
          for (let i = 0; i < depth; i++) {
            prev = i === 0 ? uleb() : prev + sleb();
            ips[i] = prev;
          }
          v.stack?.(id, ips, dt % 2 === 1);
        } else if (tag === Tag.Time) {
          const us = uleb();
          v.time?.(us);
        } else if (tag === Tag.Thread) {
          const tid = uleb();
          v.thread?.(tid);
        } else if (tag === Tag.Unmap) {
          const addr = lastAddr + sleb();
          lastAddr = addr;
          const size = uleb();
          v.unmap?.(addr, size);
        } else if (tag === Tag.Remap) {
          const old = lastAddr + sleb();
          const oldSize = uleb();
          const addr = old + sleb();
          const size = uleb();
          const stack = uleb();
          lastAddr = addr;
          v.remap?.(old, oldSize, addr, size, stack);
        } else if (tag === Tag.FdOpen) {
          if (p >= n) throw new CutOff();
          const kind = b[p++];
          const stack = uleb();
          const fd = uleb();
          const path = text();
          v.fdOpen?.(kind, stack, fd, path);
        } else if (tag === Tag.FdClose) {
          const fd = uleb();
          v.fdClose?.(fd);
        } else if (tag === Tag.FdCloseRange) {
          const first = uleb();
          const last = uleb();
          v.fdCloseRange?.(first, last);
        } else if (tag === Tag.Maps) {
          const maps = text();
          v.maps?.(maps);
        } else if (tag === Tag.Exit) {
          sawExit = true;
          const us = uleb();
          v.exit?.(us);
        } else if (tag === Tag.Note) {
          const note = text();
          v.note?.(note);
        } else if (tag === Tag.Exe) {
          const exe = text();
          v.exe?.(exe);
        } else if (tag === Tag.Untracked) {
          const count = uleb();
          const bytes = uleb();
          v.untracked?.(count, bytes);
        } else {
          problems.push(
            `${this.file}: unknown record type 0x${tag.toString(16)} at byte ${recordStart}: the log is damaged there; ${records.toLocaleString('en-US')} records before it were read`,
          );
          p = recordStart;
          break;
        }
        records++;
      }
    } catch (err) {
      if (!(err instanceof CutOff)) throw err;
      p = recordStart;
      problems.push(
        `${this.file}: the last record is cut off at byte ${recordStart} (the process was stopped while writing it); ${records.toLocaleString('en-US')} records before it were read`,
      );
    }
    return { dataEnd: p, records, sawExit, problems };
  }
}
