import WebSocket from 'ws';
import { CaptureError } from '../../errors.js';
import { ProtocolChannel } from './protocol-channel.js';
import type { InspectorSession } from './session.js';

/**
 * The DevTools protocol over an inspector's WebSocket (`ws://127.0.0.1:PORT/UUID`), for a
 * target that is another process: `run` and `attach`. Messages are matched to replies by id;
 * events go to listeners. If the target goes away, every pending command fails with one
 * CaptureError and `closed` resolves, so a capture can stop cleanly and keep what it has.
 */
export class RemoteSession implements InspectorSession {
  private readonly channel: ProtocolChannel;
  /** Resolves when the connection ends, for whatever reason. */
  readonly closed: Promise<string>;
  private resolveClosed!: (reason: string) => void;

  private constructor(private readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.channel = new ProtocolChannel((text) => socket.send(text), 'the target');
    socket.on('message', (data) => this.channel.receive(data.toString()));
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
    return this.channel.post<T>(method, params);
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
    this.channel.on(event, listener);
  }

  off(event: string, listener: (params: unknown) => void): void {
    this.channel.off(event, listener);
  }

  get isClosed(): boolean {
    return this.channel.endedBecause !== null;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.socket.close();
    this.shutdown('detached');
  }

  /**
   * Drops the connection at once, without the WebSocket closing handshake: for a target that
   * is exiting, before it closes its inspector. Node's inspector can crash a program that
   * exits while a client's reply to its close races its own shutdown (a core from CI, Node
   * 20: SIGSEGV in WsHandler::OnCloseFrameWritten on the inspector's I/O thread, the main
   * thread joining it from the preload's inspector.close()). A client already gone leaves it
   * no session to close; a client's EOF is the ordinary way a debugger goes away.
   */
  drop(reason: string): void {
    if (this.isClosed) return;
    this.socket.terminate();
    this.shutdown(reason);
  }

  /**
   * Fails every command still waiting for a reply, leaving the connection open. For a target
   * that is exiting: it still holds the connection (waiting for us to detach) but will never
   * answer what it had not answered yet — a forced GC sent just before the exit hangs forever.
   */
  failPending(reason: string): void {
    this.channel.failPending(reason);
  }

  private shutdown(reason: string): void {
    if (this.isClosed) return;
    this.channel.end(reason);
    this.resolveClosed(reason);
  }
}
