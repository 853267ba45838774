import { readFileSync, readlinkSync } from 'node:fs';
import { isIP } from 'node:net';
import { get } from 'node:http';
import { CaptureError } from '../../errors.js';
import { listeningPorts } from '../proc/listening-ports.js';
import { CLOCK_TICKS_PER_SECOND, procStatFields } from '../proc/proc-stat.js';
import { RemoteSession } from '../inspector/remote-session.js';

/**
 * Attaches to a running Node process without restarting it: SIGUSR1 makes Node open its
 * inspector on 127.0.0.1 (port 9229 unless the process chose another with --inspect-port);
 * the port actually opened is read from that process's own listening sockets in /proc, the
 * WebSocket URL from the inspector's /json/list, and the connection is checked by asking the
 * target for its pid. Every way this can fail is a one-line CaptureError.
 */
export async function attachToPid(
  pid: number,
  options: { timeoutMs?: number } = {},
): Promise<{ session: RemoteSession; url: string; openedByUs: boolean }> {
  let exe: string;
  try {
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CaptureError(`no process with pid ${pid}`);
    throw new CaptureError(`cannot inspect process ${pid}: ${code === 'EACCES' ? 'it belongs to another user' : code}`);
  }
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  if (!/node/i.test(exe) && !/node/i.test(cmdline[0] ?? '')) {
    throw new CaptureError(
      `process ${pid} (${exe}) is not a Node.js process; for native memory and descriptors use leaktrace native or leaktrace fds`,
    );
  }
  const before = new Set(listeningPorts(pid).map((p) => p.port));
  try {
    process.kill(pid, 'SIGUSR1');
  } catch (err) {
    throw new CaptureError(`cannot signal process ${pid}: ${(err as NodeJS.ErrnoException).code}`);
  }
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    const now = listeningPorts(pid).filter((p) => p.address === '127.0.0.1' || p.address === '::1');
    // A new port is the inspector SIGUSR1 just opened; if none is new, it was open already.
    const fresh = now.filter((p) => !before.has(p.port)).map((p) => p.port);
    const candidates = fresh.length > 0 ? fresh : now.map((p) => p.port);
    for (const port of candidates) {
      const url = await webSocketUrl(port).catch(() => null);
      if (!url) continue;
      const session = await RemoteSession.connect(url);
      const reply = await session.post<{ result: { value: unknown } }>('Runtime.evaluate', {
        expression: 'process.pid',
        returnByValue: true,
      });
      if (reply.result.value === pid) return { session, url, openedByUs: fresh.includes(port) };
      await session.close();
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CaptureError(
    `process ${pid} opened no inspector after SIGUSR1 (started with --disable-sigusr1, or its inspector port, 9229 unless --inspect-port says otherwise, is taken by another process); ports it listens on: ${
      listeningPorts(pid)
        .map((p) => p.port)
        .join(', ') || 'none'
    }`,
  );
}

/** The debugger WebSocket URL an inspector announces at http://HOST:PORT/json/list. */
function webSocketUrl(port: number, host = '127.0.0.1'): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const req = get({ host, port, path: '/json/list', timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        try {
          const list = JSON.parse(body) as { webSocketDebuggerUrl?: string }[];
          resolve(list[0]?.webSocketDebuggerUrl ?? null);
        } catch {
          resolve(null);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * Leaves an attached target as it was found: allocation sampling and tracking stopped, and
 * the inspector closed again if leaktrace opened it (an inspector that was already open
 * stays open). Safe to call when the session is already gone.
 */
export async function detachFrom(attached: { session: RemoteSession; openedByUs: boolean }): Promise<void> {
  if (attached.session.isClosed) return;
  await attached.session.post('HeapProfiler.stopSampling').catch(() => undefined);
  // disable also ends allocation tracking, without the whole snapshot that
  // stopTrackingHeapObjects would stream to us first.
  await attached.session.post('HeapProfiler.disable').catch(() => undefined);
  if (attached.openedByUs) {
    await attached.session
      .post('Runtime.evaluate', { expression: "require('inspector').close()", includeCommandLineAPI: true })
      .catch(() => undefined);
  }
  await attached.session.close();
}

/** What `attach` was given: a local process id, or the address of an inspector already open. */
export type AttachTarget = { pid: number } | { inspector: { host: string; port: number } } | { url: string };

/**
 * `1234` is a pid; `HOST:PORT`, `:PORT` (127.0.0.1) or `[::1]:PORT` an inspector opened with
 * `--inspect` (another port, a container's published port); `ws://…` its debugger URL. Null
 * for anything else.
 */
export function parseAttachTarget(text: string): AttachTarget | null {
  if (/^\d+$/.test(text)) return Number(text) > 0 ? { pid: Number(text) } : null;
  if (/^wss?:\/\/[^/]+\/./.test(text)) return { url: text };
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text);
  if (!m) return null;
  const host = m[1] ?? (m[2] || '127.0.0.1');
  const port = Number(m[3]);
  if (port < 1 || port > 65535 || (m[1] !== undefined && isIP(host) !== 6)) return null;
  return { inspector: { host, port } };
}

/** Who answered at an inspector address: its pid, and whether that pid is a process on this machine. */
export interface AttachedByAddress {
  session: RemoteSession;
  url: string;
  /** Never: an inspector found open stays open. */
  openedByUs: false;
  /** The target's own `process.pid`. */
  pid: number;
  /**
   * True when `pid` in this machine's /proc is that very process (same start time): only then
   * are CPU time, CPU waits, descriptors and the binary read from /proc. A program in a
   * container has a pid of its own namespace that names another process here, or none.
   */
  local: boolean;
}

/**
 * Attaches to an inspector that is already open (`node --inspect=HOST:PORT`), by its address
 * or its WebSocket URL. Every way this can fail is a one-line CaptureError: nothing listens,
 * something that is not an inspector answers, the target is not Node.
 */
export async function attachToInspector(
  target: { inspector: { host: string; port: number } } | { url: string },
): Promise<AttachedByAddress> {
  let url: string;
  let where: string;
  if ('url' in target) {
    url = target.url;
    where = target.url;
  } else {
    const { host, port } = target.inspector;
    where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const listed = await webSocketUrl(port, host).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED')
        throw new CaptureError(
          `nothing listens on ${where} (connection refused): start the program with --inspect=${where}, or attach by pid`,
        );
      if (err.message === 'timeout') throw new CaptureError(`${where} did not answer within 1 s: not an inspector, or not reachable`);
      throw new CaptureError(`cannot reach ${where}: ${err.code ?? err.message}`);
    });
    if (!listed) throw new CaptureError(`${where} is not a Node inspector: GET /json/list did not list a debugger URL`);
    // The inspector names itself by the address it bound to; a container's published port or
    // a tunnel is reached at the address given, so keep only the path.
    url = `ws://${where}${new URL(listed).pathname}`;
  }
  const session = await RemoteSession.connect(url, 5000).catch((err: Error) => {
    throw new CaptureError(
      err.message.startsWith('cannot connect') || err.message.startsWith('no inspector')
        ? err.message
        : `cannot connect to ${where}: ${err.message}`,
    );
  });
  try {
    const reply = await session.post<{ result: { value?: { pid: number; timeOrigin: number; node: boolean } } }>('Runtime.evaluate', {
      expression: `({ pid: typeof process === 'object' ? process.pid : 0, timeOrigin: performance.timeOrigin, node: typeof process === 'object' && process.release?.name === 'node' })`,
      returnByValue: true,
    });
    const who = reply.result.value;
    if (!who?.node) throw new CaptureError(`the inspector at ${where} is not a Node.js process`);
    return { session, url, openedByUs: false, pid: who.pid, local: startedAt(who.pid, who.timeOrigin) };
  } catch (err) {
    await session.close();
    throw err instanceof CaptureError ? err : new CaptureError(`the inspector at ${where} did not answer: ${(err as Error).message}`);
  }
}

/** Whether /proc/PID here is a process that started when the target says it did (within 2 s). */
function startedAt(pid: number, timeOrigin: number): boolean {
  try {
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    const ticks = Number(procStatFields(pid)?.[19]); // field 22, starttime: clock ticks since boot
    const startMs = bootSeconds * 1000 + (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
    return Number.isFinite(startMs) && Math.abs(startMs - timeOrigin) < 2000;
  } catch {
    return false;
  }
}
