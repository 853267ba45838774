/**
 * Errors a user can cause carry a code and an exit status; the CLI prints them as one line
 * and exits with `exitCode`. Anything that is not a LeaktraceError is a bug in leaktrace and
 * is printed with its stack.
 *
 * The library never calls process.exit and never writes to the console: it throws these.
 */
export class LeaktraceError extends Error {
  /** Stable machine-readable code, e.g. `E_USAGE`, `E_SNAPSHOT_FORMAT`. */
  readonly code: string;
  /** Exit status the CLI uses: 2 for usage and input errors. */
  readonly exitCode: number;

  constructor(message: string, code: string, exitCode = 2, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Bad command line: unknown flag, missing argument, malformed value. */
export class UsageError extends LeaktraceError {
  constructor(message: string) {
    super(message, 'E_USAGE');
  }
}

/** An input file or folder that is missing, unreadable or not what it claims to be. */
export class InputError extends LeaktraceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'E_INPUT', 2, options);
  }
}

/** A `.heapsnapshot` that is not valid: names the file and the byte offset. */
export class SnapshotFormatError extends LeaktraceError {
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, detail: string) {
    super(`${file}: invalid heap snapshot at byte ${offset}: ${detail}`, 'E_SNAPSHOT_FORMAT');
    this.file = file;
    this.offset = offset;
  }
}

/** A capture that could not be made: dead PID, no inspector on a port, target exited. */
export class CaptureError extends LeaktraceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'E_CAPTURE', 2, options);
  }
}

/** The operation under test failed: it threw, or one run of it never finished. */
export class OperationError extends LeaktraceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'E_OPERATION', 2, options);
  }
}

/** True for errors that the CLI should print as one line. */
export function isUserError(err: unknown): err is LeaktraceError {
  return err instanceof LeaktraceError;
}
