import { type ChildProcess, spawn } from 'node:child_process';

/** A process the test talks to while it runs: wait for output, send input and signals. */
export class LiveProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: 'pipe' | 'ignore' } = {}) {
    this.child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: [options.stdin ?? 'pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    // 'close' waits for the pipes too, which a grandchild that inherited them can hold open
    // for ever: after 'exit', give the pipes a second to drain, then resolve anyway.
    this.done = new Promise((resolve) => {
      this.child.once('close', (code, signal) => resolve({ code, signal }));
      this.child.once('exit', (code, signal) => setTimeout(() => resolve({ code, signal }), 1000).unref());
    });
  }

  /** Resolves with the first match of `pattern` in stdout (or stderr), waiting up to `timeoutMs`. */
  async waitFor(pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout', timeoutMs = 30_000): Promise<RegExpExecArray> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this[stream]);
      if (m) return m;
      if (Date.now() > until)
        throw new Error(`timed out waiting for ${pattern} on ${stream}:\n${this.stdout}\n--- stderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** The port of the inspector this process opened with --inspect=127.0.0.1:0, from its stderr. */
  async inspectorPort(): Promise<number> {
    return Number((await this.waitFor(/Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//, 'stderr'))[1]);
  }

  write(text: string): void {
    this.child.stdin?.write(text);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    try {
      this.child.kill(signal);
    } catch {}
  }
}
