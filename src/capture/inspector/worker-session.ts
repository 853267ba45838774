import { CaptureError } from '../../errors.js';
import { asToolingEvaluation } from './evaluate.js';
import type { InspectorSession } from './session.js';

/**
 * The DevTools protocol of one worker thread, spoken through its parent's session (Node's
 * `NodeWorker` domain: each command wrapped in `sendMessageToWorker`, each answer and event
 * unwrapped from `receivedMessageFromWorker`). A worker has its own V8 isolate and heap, which
 * the main thread's HeapProfiler does not see; through this session the same samplers and GCs
 * that measure the main thread measure the worker.
 */
export class WorkerSession implements InspectorSession {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string }>();
  private readonly listeners = new Map<string, Set<(params: unknown) => void>>();
  private ended: string | null = null;

  constructor(
    private readonly parent: InspectorSession,
    readonly sessionId: string,
  ) {}

  /** Why the worker can no longer answer (it exited, or we detached), or null. */
  get endedBecause(): string | null {
    return this.ended;
  }

  post<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T> {
    if (this.ended !== null) return Promise.reject(new CaptureError(`worker: ${method}: ${this.ended}`));
    // Allocations of our evaluates are marked as leaktrace's, as on the main thread (remote-session.ts).
    if (method === 'Runtime.evaluate' && typeof params?.expression === 'string')
      params = { ...params, expression: asToolingEvaluation(params.expression) };
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
      const message = JSON.stringify(params === undefined ? { id, method } : { id, method, params });
      this.parent.post('NodeWorker.sendMessageToWorker', { sessionId: this.sessionId, message }).catch((err: Error) => {
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  /** A message from the worker (NodeWorker.receivedMessageFromWorker): an answer or an event. */
  receive(message: string): void {
    let m: { id?: number; result?: unknown; error?: { message?: string }; method?: string; params?: unknown };
    try {
      m = JSON.parse(message) as typeof m;
    } catch {
      return;
    }
    if (typeof m.id === 'number') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new CaptureError(`worker: ${p.method}: ${m.error.message ?? 'protocol error'}`));
      else p.resolve(m.result ?? {});
    } else if (typeof m.method === 'string') {
      for (const l of this.listeners.get(m.method) ?? []) l(m.params);
    }
  }

  /** The worker is gone (exited, or detached): every pending command fails. */
  end(why: string): void {
    if (this.ended !== null) return;
    this.ended = why;
    for (const p of this.pending.values()) p.reject(new CaptureError(`worker: ${p.method}: ${why}`));
    this.pending.clear();
  }

  on(event: string, listener: (params: unknown) => void): void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
  }

  off(event: string, listener: (params: unknown) => void): void {
    this.listeners.get(event)?.delete(listener);
  }

  async close(): Promise<void> {
    if (this.ended !== null) return;
    await this.parent.post('NodeWorker.detach', { sessionId: this.sessionId }).catch(() => undefined);
    this.end('detached');
  }
}
