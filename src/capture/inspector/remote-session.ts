import WebSocket from 'ws';
import { CaptureError } from '../../errors.js';
import { asToolingEvaluation } from './evaluate.js';
import type { InspectorSession } from './session.js';

/**
 * The DevTools protocol over an inspector's WebSocket (`ws://127.0.0.1:PORT/UUID`), for a
 * target that is another process: `run` and `attach`. Messages are matched to replies by id;
 * events go to listeners. If the target goes away, every pending command fails with one
 * CaptureError and `closed` resolves, so a capture can stop cleanly and keep what it has.
 */
export class RemoteSession implements InspectorSession {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string }>();
  private readonly listeners = new Map<string, Set<(params: unknown) => void>>();
  private closedReason: string | null = null;
  /** Resolves when the connection ends, for whatever reason. */
  readonly closed: Promise<string>;
  private resolveClosed!: (reason: string) => void;

  private constructor(private readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.on('message', (data) => this.onMessage(data.toString()));
    socket.on('close', () => this.shutdown('the target closed the inspector connection'));
    socket.on('error', (err) => this.shutdown(`inspector connection error: ${err.message}`));
  }

  /** Connects to an inspector WebSocket URL. */
  static connect(url: string, timeoutMs = 5000): Promise<RemoteSession> {
    return new Promise((resolve, reject) => {
      // Snapshots arrive in chunks of a few hundred KB; no limit on message size.
      const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 0 });
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new CaptureError(`no inspector answered at ${url} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      socket.once('open', () => {
        clearTimeout(timer);
        resolve(new RemoteSession(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new CaptureError(`cannot connect to the inspector at ${url}: ${err.message}`));
      });
    });
  }

  post<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T> {
    if (this.closedReason) return Promise.reject(new CaptureError(`${method}: ${this.closedReason}`));
    if (method === 'Runtime.evaluate' && typeof params?.expression === 'string')
      params = { ...params, expression: asToolingEvaluation(params.expression) };
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
      this.socket.send(JSON.stringify({ id, method, params: params ?? {} }));
    });
  }

  together<T>(send: () => T): T {
    // ws writes each frame to the TCP socket; corked, they go out in one writev when uncorked.
    const tcp = (this.socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    tcp?.cork();
    try {
      return send();
    } finally {
      tcp?.uncork();
    }
  }

  on(event: string, listener: (params: unknown) => void): void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
  }

  off(event: string, listener: (params: unknown) => void): void {
    this.listeners.get(event)?.delete(listener);
  }

  get isClosed(): boolean {
    return this.closedReason !== null;
  }

  async close(): Promise<void> {
    if (this.closedReason) return;
    this.socket.close();
    this.shutdown('detached');
  }

  /**
   * Fails every command still waiting for a reply, leaving the connection open. For a target
   * that is exiting: it still holds the connection (waiting for us to detach) but will never
   * answer what it had not answered yet — a forced GC sent just before the exit hangs forever.
   */
  failPending(reason: string): void {
    for (const p of this.pending.values()) p.reject(new CaptureError(`${p.method}: ${reason}`));
    this.pending.clear();
  }

  private onMessage(text: string): void {
    let message: { id?: number; result?: unknown; error?: { message: string; code?: number }; method?: string; params?: unknown };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.id !== undefined) {
      const p = this.pending.get(message.id);
      if (!p) return;
      this.pending.delete(message.id);
      if (message.error) p.reject(new CaptureError(`${p.method} failed in the target: ${message.error.message}`));
      else p.resolve(message.result);
      return;
    }
    if (message.method) for (const l of this.listeners.get(message.method) ?? []) l(message.params);
  }

  private shutdown(reason: string): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    for (const p of this.pending.values()) p.reject(new CaptureError(`${p.method}: ${reason}`));
    this.pending.clear();
    this.resolveClosed(reason);
  }
}
