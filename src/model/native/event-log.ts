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
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
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
  /** Offset past the last whole record as the tracker last wrote it (0 if unknown). */
  dataEnd: number;
}

/**
 * The frequent records (allocations, frees, unmaps), decoded into columns. Row i is one
 * event: `op` is an AllocKind (1..5), OP_FREE or OP_UNMAP; `size` is the unmapped length for
 * OP_UNMAP. Arrays are reused between batches: copy what must outlive the call.
 */
export interface EventBatch {
  count: number;
  op: Uint8Array;
  addr: Float64Array;
  size: Float64Array;
  stack: Float64Array;
}
export const OP_FREE = 8;
export const OP_UNMAP = 9;

/**
 * What the reader calls, in log order. Times are µs since the log began. A visitor with
 * `batch` receives allocations, frees and unmaps in batches (always delivered before any
 * other record that follows them); without it, one call each to alloc/free/unmap.
 */
export interface NativeLogVisitor {
  batch?(events: EventBatch): void;
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
    if (version > NATIVE_LOG_VERSION)
      throw new InputError(`${file}: native log version ${version} is newer than this leaktrace understands`);
    this.header = {
      version,
      pid: view.getUint32(16, true),
      ppid: view.getUint32(20, true),
      startedAt: Number(view.getBigUint64(24, true) / 1_000_000n),
      forked: (view.getUint32(40, true) & 1) !== 0,
      pageSize: view.getUint32(44, true),
      maxFrames: view.getUint32(52, true),
      dataEnd: Number(view.getBigUint64(56, true)),
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

  /** The data end the tracker recorded in a log's header, read without loading the log (0 if unknown). */
  static dataEndOf(file: string): number {
    const fd = openSync(file, 'r');
    try {
      const h = Buffer.alloc(64);
      if (readSync(fd, h, 0, 64, 0) < 64 || h.toString('latin1', 0, 8) !== NATIVE_LOG_MAGIC) return 0;
      return Number(h.readBigUInt64LE(56));
    } finally {
      closeSync(fd);
    }
  }

  /** Reads every record in order. Stops at the end of data, or before a damaged record. */
  read(v: NativeLogVisitor): NativeLogEnd {
    const b = this.bytes;
    // The tracker keeps the offset past its last whole record in the header; bytes after it
    // are a record the process was stopped in the middle of, or never-written zeros.
    const declared = this.header.dataEnd;
    const n = declared >= 64 && declared <= b.length ? declared : b.length;
    const batch: EventBatch = {
      count: 0,
      op: new Uint8Array(BATCH),
      addr: new Float64Array(BATCH),
      size: new Float64Array(BATCH),
      stack: new Float64Array(BATCH),
    };
    const flush = v.batch ? (e: EventBatch) => v.batch!(e) : (e: EventBatch) => deliverOneByOne(e, v);
    const c = new Cursor(b, n);
    let records = 0;
    let sawExit = false;
    const problems: string[] = [];
    let recordStart = 64;
    let p = 64;
    let lastAddr = 0;
    let cutOff = false;
    const { op, addr, size, stack } = batch;
    for (;;) {
      // The hot loop: allocations and frees decoded inline, with no call per record.
      let k = batch.count;
      while (p < n && k < BATCH) {
        const tag = b[p];
        if (tag === Tag.Free || tag === Tag.Unmap || (tag >= Tag.AllocFirst && tag <= Tag.AllocLast)) {
          recordStart = p++;
          let st = 0;
          let sz = 0;
          let byte: number;
          let mul: number;
          if (tag !== Tag.Free && tag !== Tag.Unmap) {
            mul = 1;
            do {
              byte = b[p++];
              st += (byte & 127) * mul;
              mul *= 128;
            } while (byte >= 128);
            mul = 1;
            do {
              byte = b[p++];
              sz += (byte & 127) * mul;
              mul *= 128;
            } while (byte >= 128);
          }
          // Zigzag address delta: bit 0 of the first byte is the sign.
          const first = b[p];
          let z = 0;
          mul = 1;
          do {
            byte = b[p++];
            z += (byte & 127) * mul;
            mul *= 128;
          } while (byte >= 128);
          const delta = (first & 1) === 0 ? z / 2 : -(z + 1) / 2;
          if (tag === Tag.Unmap) {
            mul = 1;
            do {
              byte = b[p++];
              sz += (byte & 127) * mul;
              mul *= 128;
            } while (byte >= 128);
          }
          if (p > n) {
            cutOff = true;
            break;
          }
          lastAddr += delta;
          op[k] = tag === Tag.Free ? OP_FREE : tag === Tag.Unmap ? OP_UNMAP : tag - Tag.AllocFirst + 1;
          addr[k] = lastAddr;
          size[k] = sz;
          stack[k] = st;
          k++;
          records++;
        } else break;
      }
      batch.count = k;
      if (cutOff) break;
      if (k === BATCH || (p < n && batch.count > 0)) {
        flush(batch);
        batch.count = 0;
        if (k === BATCH) continue;
      }
      if (p >= n) break;
      // A rarer record: read with the cursor.
      recordStart = p;
      c.p = p + 1;
      const tag = b[p];
      try {
        if (tag === Tag.Time) {
          const us = c.uleb();
          v.time?.(us);
        } else if (tag === Tag.Thread) {
          const tid = c.uleb();
          v.thread?.(tid);
        } else if (tag === Tag.Stack) {
          const id = c.uleb();
          const dt = c.uleb();
          const depth = Math.floor(dt / 2);
          const ips: number[] = new Array(depth);
          let prev = 0;
          for (let i = 0; i < depth; i++) {
            prev = i === 0 ? c.uleb() : prev + c.sleb();
            ips[i] = prev;
          }
          v.stack?.(id, ips, dt % 2 === 1);
        } else if (tag === Tag.End) {
          break;
        } else if (tag === Tag.Remap) {
          const old = lastAddr + c.sleb();
          const oldSize = c.uleb();
          const to = old + c.sleb();
          const newSize = c.uleb();
          const st = c.uleb();
          lastAddr = to;
          v.remap?.(old, oldSize, to, newSize, st);
        } else if (tag === Tag.FdOpen) {
          const kind = c.byte();
          const st = c.uleb();
          const fd = c.uleb();
          const path = c.text();
          v.fdOpen?.(kind, st, fd, path);
        } else if (tag === Tag.FdClose) {
          const fd = c.uleb();
          v.fdClose?.(fd);
        } else if (tag === Tag.FdCloseRange) {
          const firstFd = c.uleb();
          const lastFd = c.uleb();
          v.fdCloseRange?.(firstFd, lastFd);
        } else if (tag === Tag.Maps) {
          const maps = c.text();
          v.maps?.(maps);
        } else if (tag === Tag.Exit) {
          sawExit = true;
          const us = c.uleb();
          v.exit?.(us);
        } else if (tag === Tag.Note) {
          const note = c.text();
          v.note?.(note);
        } else if (tag === Tag.Exe) {
          const exe = c.text();
          v.exe?.(exe);
        } else if (tag === Tag.Untracked) {
          const count = c.uleb();
          const bytes = c.uleb();
          v.untracked?.(count, bytes);
        } else {
          problems.push(
            `${this.file}: unknown record type 0x${tag.toString(16)} at byte ${recordStart}: the log is damaged there; ${records.toLocaleString('en-US')} records before it were read`,
          );
          break;
        }
      } catch (err) {
        if (!(err instanceof CutOff)) throw err;
        cutOff = true;
        break;
      }
      p = c.p;
      records++;
    }
    if (batch.count > 0) flush(batch);
    if (cutOff) {
      problems.push(
        `${this.file}: the last record is cut off at byte ${recordStart} (the file ends inside it); ${records.toLocaleString('en-US')} records before it were read`,
      );
    }
    const dataEnd = cutOff || p > n ? recordStart : Math.min(p, n);
    if (!cutOff && declared > b.length) {
      problems.push(
        `${this.file}: the file is cut off at byte ${b.length} (the tracker had written ${declared} bytes); ${records.toLocaleString('en-US')} records before the cut were read`,
      );
    } else if (!cutOff && declared >= 64 && declared < b.length && b[declared] !== 0 && problems.length === 0) {
      problems.push(
        `${this.file}: the process was stopped while writing a record at byte ${declared}; ${records.toLocaleString('en-US')} whole records before it were read`,
      );
    }
    return { dataEnd, records, sawExit, problems };
  }
}

const BATCH = 4096;

function deliverOneByOne(e: EventBatch, v: NativeLogVisitor): void {
  for (let i = 0; i < e.count; i++) {
    const op = e.op[i];
    if (op === OP_FREE) v.free?.(e.addr[i]);
    else if (op === OP_UNMAP) v.unmap?.(e.addr[i], e.size[i]);
    else v.alloc?.(op as AllocKind, e.stack[i], e.addr[i], e.size[i]);
  }
}

/**
 * Decoding position over the log bytes for the rarer records. Arguments are read before
 * each visitor call: `v.x?.(read())` would skip the read when the visitor has no `x`.
 */
class Cursor {
  p = 64;
  constructor(
    private readonly b: Uint8Array,
    private readonly n: number,
  ) {}

  byte(): number {
    if (this.p >= this.n) throw new CutOff();
    return this.b[this.p++];
  }

  uleb(): number {
    const b = this.b;
    let p = this.p;
    if (p >= this.n) throw new CutOff();
    let byte = b[p++];
    if (byte < 0x80) {
      this.p = p;
      return byte;
    }
    let result = byte & 0x7f;
    let mul = 128;
    for (;;) {
      if (p >= this.n) throw new CutOff();
      byte = b[p++];
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) {
        this.p = p;
        return result;
      }
      mul *= 128;
    }
  }

  /** Zigzag: even → v/2, odd → -(v+1)/2. Arithmetic, since values exceed 32 bits. */
  sleb(): number {
    const z = this.uleb();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  text(): string {
    const len = this.uleb();
    if (this.p + len > this.n) throw new CutOff();
    const s = Buffer.from(this.b.buffer, this.b.byteOffset + this.p, len).toString('utf8');
    this.p += len;
    return s;
  }
}
