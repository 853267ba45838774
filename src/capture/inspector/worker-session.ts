import { ProtocolChannel } from './protocol-channel.js';
import type { InspectorSession } from './session.js';

/**
 * The DevTools protocol of one worker thread, spoken through its parent's session (Node's
 * `NodeWorker` domain: each command wrapped in `sendMessageToWorker`, each answer and event
 * unwrapped from `receivedMessageFromWorker`). A worker has its own V8 isolate and heap, which
 * the main thread's HeapProfiler does not see; through this session the same samplers and GCs
 * that measure the main thread measure the worker.
 */
export class WorkerSession implements InspectorSession {
  private readonly channel: ProtocolChannel;

  constructor(
    private readonly parent: InspectorSession,
    readonly sessionId: string,
  ) {
    this.channel = new ProtocolChannel((message) => parent.post('NodeWorker.sendMessageToWorker', { sessionId, message }), 'the worker');
  }

  /** Why the worker can no longer answer (it exited, or we detached), or null. */
  get endedBecause(): string | null {
    return this.channel.endedBecause;
  }

  post<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T> {
    return this.channel.post<T>(method, params);
  }

  /** A message from the worker (NodeWorker.receivedMessageFromWorker): an answer or an event. */
  receive(message: string): void {
    this.channel.receive(message);
  }

  /** The worker is gone (exited, or detached): every pending command fails. */
  end(why: string): void {
    this.channel.end(why);
  }

  on(event: string, listener: (params: unknown) => void): void {
    this.channel.on(event, listener);
  }

  off(event: string, listener: (params: unknown) => void): void {
    this.channel.off(event, listener);
  }

  async close(): Promise<void> {
    if (this.endedBecause !== null) return;
    await this.parent.post('NodeWorker.detach', { sessionId: this.sessionId }).catch(() => undefined);
    this.end('detached');
  }
}
