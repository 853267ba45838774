import { readFileSync, readlinkSync } from 'node:fs';
import { get } from 'node:http';
import { CaptureError } from '../../errors.js';
import { listeningPorts } from '../proc/listening-ports.js';
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

/** The debugger WebSocket URL an inspector announces at http://127.0.0.1:PORT/json/list. */
function webSocketUrl(port: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/json/list', timeout: 1000 }, (res) => {
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
