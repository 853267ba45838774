import type { Writable } from 'node:stream';
import { ProgressBar } from './progress.js';

/**
 * Where a command writes. Results go to stdout (a table, or one JSON document with --json);
 * progress and notes go to stderr, so `--json | jq` always sees clean JSON.
 */
export class Output {
  readonly stdout: Writable & { isTTY?: boolean; columns?: number };
  readonly stderr: Writable & { isTTY?: boolean; columns?: number };
  readonly quiet: boolean;

  constructor(options: { stdout?: Writable; stderr?: Writable; quiet?: boolean } = {}) {
    this.stdout = (options.stdout ?? process.stdout) as Output['stdout'];
    this.stderr = (options.stderr ?? process.stderr) as Output['stderr'];
    this.quiet = options.quiet ?? false;
  }

  /** True when stdout is a terminal (colors and widths may be used). */
  get interactive(): boolean {
    return this.stdout.isTTY === true;
  }

  get width(): number {
    // A pty with no size reports 0 columns: treat it like no terminal width at all.
    const c = this.stdout.columns;
    return c && c > 20 ? c : 120;
  }

  /** Whether a result was written to stdout (a failing --json command then adds no error document). */
  wrote = false;

  /** Writes text plus a newline to stdout. */
  print(text = ''): void {
    this.wrote = true;
    this.stdout.write(`${text}\n`);
  }

  /** Writes one JSON document to stdout. */
  json(value: unknown): void {
    this.wrote = true;
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A note for the human on stderr (suppressed by --quiet). */
  note(text: string): void {
    if (!this.quiet) this.stderr.write(`${text}\n`);
  }

  /** A warning on stderr, always shown. */
  warn(text: string): void {
    this.stderr.write(`warning: ${text}\n`);
  }

  /** A progress bar on stderr when it is a terminal; a no-op otherwise or with --quiet. */
  progress(label: string): ProgressBar {
    return new ProgressBar(label, this.quiet || this.stderr.isTTY !== true ? null : this.stderr);
  }
}
