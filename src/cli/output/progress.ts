import type { Writable } from 'node:stream';

/** What long-running library calls report through their `onProgress` callback. */
export interface Progress {
  /** What is being done, e.g. `parsing nodes`. */
  phase: string;
  /** Units done so far (bytes, nodes, ...). */
  done: number;
  /** Total units when known, else 0. */
  total: number;
}

/**
 * A one-line progress bar redrawn in place on a terminal, at most ~10 times a second.
 * With no stream (not a TTY, or --quiet) every call is a no-op.
 */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly stream: (Writable & { columns?: number }) | null,
  ) {}

  /** Usable directly as a library `onProgress` callback. */
  readonly update = (p: Progress): void => {
    if (!this.stream) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && p.done < p.total) return;
    this.lastDraw = now;
    const width = 30;
    let line: string;
    if (p.total > 0) {
      const frac = Math.min(1, p.done / p.total);
      const filled = Math.round(frac * width);
      line = `${this.label}: ${p.phase} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(0)}%`;
    } else {
      line = `${this.label}: ${p.phase} ${p.done.toLocaleString('en-US')}`;
    }
    const cols = this.columns();
    this.stream.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, 100))}`);
    this.drawn = true;
  };

  /** Clears the bar line. */
  done(): void {
    if (this.stream && this.drawn) this.stream.write(`\r${' '.repeat(Math.min(this.columns() - 1, 100))}\r`);
    this.drawn = false;
  }

  /** The terminal's width; a terminal that reports 0 or nothing (a pty with no size) counts as 100. */
  private columns(): number {
    const c = this.stream?.columns;
    return c && c > 1 ? c : 100;
  }
}
