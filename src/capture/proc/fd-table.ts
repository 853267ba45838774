import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { CaptureError } from '../../errors.js';
import { readSocketTable, type SocketInfo } from './net-tables.js';

/**
 * The open file descriptors of any Linux process, from /proc/<pid>/fd (what each points to)
 * and /proc/<pid>/fdinfo (flags, position, and per-kind details), with sockets resolved to
 * their addresses. The Process Explorer handle view for Linux; works for any process the
 * user may inspect, Node or not.
 */
export type FdKind =
  | 'file'
  | 'deleted file'
  | 'memfd'
  | 'socket'
  | 'pipe'
  | 'eventfd'
  | 'timerfd'
  | 'signalfd'
  | 'epoll'
  | 'inotify'
  | 'fanotify'
  | 'pidfd'
  | 'io_uring'
  | 'anon inode'
  | 'other';

export interface FdEntry {
  fd: number;
  kind: FdKind;
  /** What /proc/<pid>/fd/N links to, as the kernel says it. */
  target: string;
  /** Files: the path; sockets: `tcp 127.0.0.1:80 -> 10.0.0.1:5123 ESTABLISHED`; others: details. */
  description: string;
  /** Open mode from fdinfo flags: r, w or rw. */
  mode: 'r' | 'w' | 'rw' | null;
  /** For sockets and pipes: the inode number. */
  inode: number | null;
  socket: SocketInfo | null;
}

/** Throws a one-line CaptureError when the process is gone or not ours to read. */
function procError(pid: number, err: unknown): CaptureError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'ESRCH') return new CaptureError(`no process ${pid}`);
  if (code === 'EACCES' || code === 'EPERM') {
    return new CaptureError(`cannot read the descriptors of process ${pid}: permission denied (another user's process?)`);
  }
  return new CaptureError(`cannot read /proc/${pid}/fd: ${(err as Error)?.message ?? String(err)}`);
}

/** The descriptor numbers of a process: one readdir, the cheap count for time series. */
export function listFds(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/fd`)
      .map(Number)
      .filter((n) => Number.isInteger(n))
      .sort((a, b) => a - b);
  } catch (err) {
    throw procError(pid, err);
  }
}

/** How many descriptors a process has open. */
export function countFds(pid: number): number {
  return listFds(pid).length;
}

function classify(target: string): { kind: FdKind; inode: number | null; rest: string } {
  let m = /^socket:\[(\d+)\]$/.exec(target);
  if (m) return { kind: 'socket', inode: Number(m[1]), rest: '' };
  m = /^pipe:\[(\d+)\]$/.exec(target);
  if (m) return { kind: 'pipe', inode: Number(m[1]), rest: '' };
  m = /^anon_inode:\[?([^\]]*)\]?$/.exec(target);
  if (m) {
    const name = m[1];
    const known: Record<string, FdKind> = {
      eventfd: 'eventfd',
      timerfd: 'timerfd',
      signalfd: 'signalfd',
      eventpoll: 'epoll',
      inotify: 'inotify',
      fanotify: 'fanotify',
      pidfd: 'pidfd',
      io_uring: 'io_uring',
    };
    return { kind: known[name] ?? 'anon inode', inode: null, rest: name };
  }
  if (target.startsWith('/memfd:')) return { kind: 'memfd', inode: null, rest: target.slice(7).replace(/ \(deleted\)$/, '') };
  if (target.startsWith('/')) return { kind: target.endsWith(' (deleted)') ? 'deleted file' : 'file', inode: null, rest: target };
  return { kind: 'other', inode: null, rest: target };
}

function modeOf(flagsOctal: string | undefined): FdEntry['mode'] {
  if (flagsOctal === undefined) return null;
  const access = parseInt(flagsOctal, 8) & 3;
  return access === 0 ? 'r' : access === 1 ? 'w' : 'rw';
}

function fdinfo(pid: number, fd: number): Map<string, string> {
  const out = new Map<string, string>();
  try {
    for (const line of readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').split('\n')) {
      const at = line.indexOf(':');
      if (at > 0 && !out.has(line.slice(0, at))) out.set(line.slice(0, at), line.slice(at + 1).trim());
    }
  } catch {}
  return out;
}

function describe(kind: FdKind, rest: string, info: Map<string, string>, socket: SocketInfo | null, inode: number | null): string {
  switch (kind) {
    case 'file':
    case 'deleted file':
      return rest;
    case 'memfd':
      return `memfd ${rest}`;
    case 'socket':
      if (!socket) return `socket inode ${inode} (not in this namespace's tables)`;
      return `${socket.protocol} ${socket.local || '(unnamed)'}${socket.remote ? ` -> ${socket.remote}` : ''} ${socket.state}`;
    case 'pipe':
      return `pipe inode ${inode}`;
    case 'eventfd':
      return `eventfd count ${info.get('eventfd-count') ?? '?'}`;
    case 'timerfd': {
      const it = info.get('it_value');
      return `timerfd${info.get('clockid') ? ` clock ${info.get('clockid')}` : ''}${it ? ` next ${it}` : ''}`;
    }
    case 'inotify': {
      const watches = [...info.keys()].filter((k) => k === 'inotify').length;
      return `inotify${watches ? ` ${watches} watch(es)` : ''}`;
    }
    case 'epoll':
      return 'epoll';
    default:
      return rest || kind;
  }
}

/** Every descriptor of `pid` with its kind and description. */
export function readFdTable(pid: number): FdEntry[] {
  const fds = listFds(pid);
  let sockets: Map<number, SocketInfo> | null = null;
  const out: FdEntry[] = [];
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException)?.code;
      if (code === 'ENOENT') continue; // closed while we were reading
      throw procError(pid, err);
    }
    const { kind, inode, rest } = classify(target);
    let socket: SocketInfo | null = null;
    if (kind === 'socket' && inode !== null) {
      sockets ??= readSocketTable(pid);
      socket = sockets.get(inode) ?? null;
    }
    const info = fdinfo(pid, fd);
    out.push({ fd, kind, target, description: describe(kind, rest, info, socket, inode), mode: modeOf(info.get('flags')), inode, socket });
  }
  return out;
}

/** The command line of a process, for headings ('' when unreadable). */
export function processCommand(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}
