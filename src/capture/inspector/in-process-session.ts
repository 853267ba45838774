import { Session } from 'node:inspector';
import type { InspectorSession } from './session.js';

/**
 * The DevTools protocol on the current thread, through `node:inspector`. Used where the
 * target is this very process: `checkLeaks()` inside a test, and the `check` harness child.
 * Protocol events (snapshot chunks) are delivered synchronously while the command runs.
 */
export class InProcessSession implements InspectorSession {
  private readonly session = new Session();
  private connected = false;

  constructor() {
    this.session.connect();
    this.connected = true;
  }

  post<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T> {
    return new Promise((resolve, reject) => {
      if (!this.connected) {
        reject(new Error(`inspector session closed (${method})`));
        return;
      }
      this.session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
    });
  }

  on(event: string, listener: (params: unknown) => void): void {
    const wrapped = (message: { params?: unknown }): void => listener(message.params);
    this.listeners.set(listener, wrapped);
    this.session.on(event, wrapped);
  }

  off(event: string, listener: (params: unknown) => void): void {
    const wrapped = this.listeners.get(listener);
    if (wrapped) this.session.off(event, wrapped);
    this.listeners.delete(listener);
  }

  private readonly listeners = new Map<(params: unknown) => void, (message: { params?: unknown }) => void>();

  async close(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    this.session.disconnect();
  }
}
