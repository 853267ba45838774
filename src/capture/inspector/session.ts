/**
 * One interface over the Chrome DevTools Protocol, whichever way we reach the target:
 * - in-process, through `node:inspector`'s Session (checkLeaks inside a test, the `check`
 *   harness child);
 * - remotely, over the inspector's WebSocket (`run` starts the target with an inspector,
 *   `attach` opens one with SIGUSR1).
 * Everything that measures a target (sampling profiles, forced GC, snapshots, evaluating
 * the agent) is written against this interface, so it works the same both ways.
 */
export interface InspectorSession {
  /** Sends a protocol command and resolves with its result (rejects with the protocol error). */
  post<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** Subscribes to a protocol event, e.g. `HeapProfiler.addHeapSnapshotChunk`. */
  on(event: string, listener: (params: unknown) => void): void;
  off(event: string, listener: (params: unknown) => void): void;
  /** Detaches. The target keeps running. */
  close(): Promise<void>;
  /**
   * Runs `send`, whose `post`s then leave in one write, so that the target receives them
   * together (where the transport allows; target-gc.ts needs two commands handled back to back).
   */
  together?<T>(send: () => T): T;
}
