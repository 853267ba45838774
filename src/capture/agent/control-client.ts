import { existsSync, lstatSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureError } from '../../errors.js';

/**
 * The client side of the agent's control socket: one JSON line out, one back. The path
 * mirrors controlDirectory() in agent.cts (which cannot import this file):
 * `$XDG_RUNTIME_DIR/leaktrace/<pid>.sock`, else `<tmpdir>/leaktrace-<uid>/<pid>.sock`.
 */
export function controlSocketPath(pid: number, env: NodeJS.ProcessEnv = process.env): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  const dir = env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'leaktrace') : join(tmpdir(), `leaktrace-${uid}`);
  return join(dir, `${pid}.sock`);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let nextId = 1;

/**
 * Sends one command to the agent of process `pid` (or at a socket path) and returns its
 * result. Errors a user can cause (no such process, no agent in it, no answer) are
 * CaptureErrors with one clear line.
 */
export function requestAgent<T>(
  target: number | string,
  cmd: string,
  args: Record<string, unknown> = {},
  options: { timeoutMs?: number } = {},
): Promise<T> {
  const path = typeof target === 'number' ? controlSocketPath(target) : target;
  const who = typeof target === 'number' ? `process ${target}` : `the agent at ${target}`;
  if (typeof target === 'number' && !processExists(target)) return Promise.reject(new CaptureError(`no process ${target}`));
  if (!existsSync(path) || !lstatSync(path).isSocket()) {
    return Promise.reject(
      new CaptureError(`${who} has no leaktrace agent listening (${path} missing): run it under 'leaktrace handles -- ...'`),
    );
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise<T>((resolve, reject) => {
    const id = nextId++;
    const socket = createConnection(path);
    let buffer = '';
    let settled = false;
    const finish = (err: Error | null, value?: T): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value as T);
    };
    const timer = setTimeout(
      () => finish(new CaptureError(`${who} did not answer within ${Math.round(timeoutMs / 1000)} s (is its event loop blocked?)`)),
      timeoutMs,
    );
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify({ id, cmd, args })}\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      try {
        const reply = JSON.parse(buffer.slice(0, nl)) as { id: number; ok: boolean; result?: T; error?: string };
        if (reply.ok) finish(null, reply.result as T);
        else finish(new CaptureError(`${who}: ${reply.error ?? 'request failed'}`));
      } catch (err) {
        finish(new CaptureError(`${who} sent an unreadable answer: ${(err as Error).message}`));
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? 'its agent is gone (stale socket)' : err.message;
      finish(new CaptureError(`cannot reach ${who}: ${why}`));
    });
    socket.on('close', () => finish(new CaptureError(`${who} closed the connection without answering`)));
  });
}
