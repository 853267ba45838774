import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureError, UsageError } from '../../errors.js';

const PRELOAD = fileURLToPath(new URL('./preload.cjs', import.meta.url));

export interface LaunchedTarget {
  child: ChildProcess;
  pid: number;
  inspectorUrl: string;
  /** Resolves with how the program ended. */
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** Resolves when the preload says the program is exiting (its 'exit' event), or never. */
  exiting: Promise<void>;
}

/**
 * Starts `node ...` with leaktrace's preload (which opens the inspector and reports its URL
 * through an extra pipe), and `extraRequires` (the handle agent) before the program's own
 * code. The program keeps the terminal's stdin, stdout and stderr. It runs in its own process
 * group, so a Ctrl-C in the terminal reaches leaktrace first, which then stops capturing
 * cleanly and passes the signal on.
 */
export async function launchNode(
  command: string[],
  options: {
    extraRequires?: string[];
    /** V8 or Node flags put before the program's own node options (which win where they clash). */
    nodeFlags?: string[];
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    exitSnapshot?: string;
    stdoutToStderr?: boolean;
  } = {},
): Promise<LaunchedTarget> {
  const [exe, ...args] = command;
  if (!exe) throw new UsageError('missing the program to run after --');
  if (!/(^|\/)node(js)?(\d+)?$/.test(basename(exe)) && exe !== process.execPath) {
    throw new UsageError(
      `'${exe}' is not node: leaktrace run starts Node programs (leaktrace run -- node app.js); for any other process use leaktrace native`,
    );
  }
  // The extra preloads (the handle agent) first: the preload then holds the program until
  // leaktrace has connected and turned tracking on, and the agent is already there.
  const requires = [...(options.extraRequires ?? []), PRELOAD].flatMap((r) => ['--require', r]);
  // The inspector's URL reaches leaktrace through the pipe: Node need not print "Debugger
  // listening on ws://…" into the program's stderr (unless the user asked for it).
  const quiet = args.some((a) => a.startsWith('--inspect-publish-uid')) ? [] : ['--inspect-publish-uid=http'];
  const child = spawn(exe === 'node' ? process.execPath : exe, [...(options.nodeFlags ?? []), ...quiet, ...requires, ...args], {
    // With --json, leaktrace's stdout carries one JSON document: the program's output goes to stderr.
    stdio: ['inherit', options.stdoutToStderr ? process.stderr : 'inherit', 'inherit', 'pipe'],
    env: {
      ...process.env,
      ...options.env,
      LEAKTRACE_INSPECTOR_FD: '3',
      LEAKTRACE_WAIT: '1',
      ...(options.exitSnapshot ? { LEAKTRACE_EXIT_SNAPSHOT: options.exitSnapshot } : {}),
    },
    cwd: options.cwd,
    detached: true,
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new CaptureError(`cannot start ${exe}: ${err.message}`))),
  );
  const pipe = child.stdio[3] as NodeJS.ReadableStream;
  // The preload's pipe: the inspector's URL first; then "exiting" as the program exits.
  let exitingSaid: () => void = () => {};
  const exiting = new Promise<void>((resolve) => (exitingSaid = resolve));
  const url = await Promise.race([
    new Promise<string | null>((resolve) => {
      const lines = createInterface({ input: pipe });
      lines.once('line', (line) => {
        resolve(line.trim());
        lines.on('line', (next) => {
          if (next.trim() === 'exiting') exitingSaid();
        });
      });
      lines.once('close', () => resolve(null));
    }),
    spawnError,
    exited.then(() => null),
  ]);
  if (!url) {
    child.kill('SIGKILL');
    throw new CaptureError(`${command.join(' ')}: the program ended or failed before its inspector opened`);
  }
  return { child, pid: child.pid!, inspectorUrl: url, exited, exiting };
}
