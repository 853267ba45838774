import { CaptureError } from '../../errors.js';
import { asToolingEvaluation } from './evaluate.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string };

/**
 * The DevTools protocol's bookkeeping over any pipe of JSON text: commands numbered and
 * matched to their replies, events handed to listeners, every command still waiting failed
 * at once when the other side goes away. Shared by the WebSocket session (remote-session.ts)
 * and a worker's session tunnelled through its parent's (worker-session.ts); only how a
 * message is written differs.
 */
export class ProtocolChannel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(params: unknown) => void>>();
  private ended: string | null = null;

  /**
   * `write` sends one message (a rejected promise fails that command); `where` names the
   * other side in errors ("the target", "the worker").
   */
  constructor(
    private readonly write: (text: string) => void | Promise<unknown>,
    private readonly where: string,
  ) {}

  /** Why the other side can no longer answer, or null while it can. */
  get endedBecause(): string | null {
    return this.ended;
  }

  post<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T> {
    if (this.ended !== null) return Promise.reject(new CaptureError(`${method}: ${this.ended}`));
    // What our evaluates allocate is marked as leaktrace's, never the program's (evaluate.ts).
    if (method === 'Runtime.evaluate' && typeof params?.expression === 'string')
      params = { ...params, expression: asToolingEvaluation(params.expression) };
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
      const written = this.write(JSON.stringify({ id, method, params: params ?? {} }));
      written?.catch((err: Error) => {
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  /** One message from the other side: a reply or an event. */
  receive(text: string): void {
    let message: { id?: number; result?: unknown; error?: { message?: string }; method?: string; params?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (message.id !== undefined) {
      const p = this.pending.get(message.id);
      if (!p) return;
      this.pending.delete(message.id);
      if (message.error) p.reject(new CaptureError(`${p.method} failed in ${this.where}: ${message.error.message ?? 'protocol error'}`));
      else p.resolve(message.result ?? {});
      return;
    }
    if (message.method) for (const l of this.listeners.get(message.method) ?? []) l(message.params);
  }

  /** Fails every command still waiting for a reply; the channel stays usable. */
  failPending(reason: string): void {
    for (const p of this.pending.values()) p.reject(new CaptureError(`${p.method}: ${reason}`));
    this.pending.clear();
  }

  /** The other side is gone: every pending and later command fails with `reason`. */
  end(reason: string): void {
    if (this.ended !== null) return;
    this.ended = reason;
    this.failPending(reason);
  }

  on(event: string, listener: (params: unknown) => void): void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
  }

  off(event: string, listener: (params: unknown) => void): void {
    this.listeners.get(event)?.delete(listener);
  }
}
