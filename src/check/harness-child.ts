/**
 * The child process of `leaktrace check`: loads the operation's module, runs the leak check
 * in-process and sends the report to the parent over the IPC channel. Running the check in
 * a child of its own keeps leaktrace's own memory and handles out of what is measured and
 * lets the child use V8 flags (no inlining) that keep allocation sites exact.
 *
 * Messages to the parent: {type: 'progress', progress}, {type: 'result', report},
 * {type: 'error', message, code} for errors the user can act on.
 */
import { isUserError, OperationError } from '../errors.js';
import { type CheckLeaksOptions, checkLeaks } from './check-leaks.js';
import { firstLine, loadOperation } from './load-operation.js';

interface ChildRequest {
  module: string;
  options: Omit<CheckLeaksOptions, 'onProgress' | 'signal'>;
}

function send(message: unknown): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, () => resolve());
  });
}

/** The phase the check was last in, for a check whose event loop runs dry (below). */
let lastPhase = 'loading the module';

async function main(): Promise<void> {
  const request = JSON.parse(process.env.LEAKTRACE_CHECK ?? '{}') as ChildRequest;
  delete process.env.LEAKTRACE_CHECK;
  // Nothing left to run while the check still waits: a promise that will never settle (an
  // import() whose loader stopped answering, an operation awaiting what never comes). Said,
  // with the phase, rather than an exit that looks like the operation's own.
  process.once('beforeExit', () => {
    void send({
      type: 'error',
      message: `the check stopped while ${lastPhase}: nothing was left to run, yet it still waited (a promise that never settles — of the operation, or of a module loader that stopped answering)`,
      code: 'E_STALLED',
    }).then(() => process.exit(0));
  });
  try {
    const op = await loadOperation(request.module);
    try {
      await op.setup?.();
    } catch (err) {
      throw new OperationError(`setup() threw: ${firstLine(err)}`, { cause: err });
    }
    const report = await checkLeaks(
      async () => {
        try {
          await op.run();
        } catch (err) {
          if (isUserError(err)) throw err;
          throw new OperationError(`the operation threw: ${firstLine(err)}`, { cause: err });
        }
      },
      {
        ...request.options,
        onProgress: (progress) => {
          lastPhase = progress.phase;
          void send({ type: 'progress', progress });
        },
      },
    );
    try {
      await op.teardown?.();
    } catch (err) {
      throw new OperationError(`teardown() threw: ${firstLine(err)}`, { cause: err });
    }
    await send({ type: 'result', report: { module: op.file, ...report } });
  } catch (err) {
    if (isUserError(err)) await send({ type: 'error', message: err.message, code: err.code });
    else await send({ type: 'error', message: `internal error: ${(err as Error)?.stack ?? String(err)}`, code: 'E_INTERNAL' });
  }
  process.disconnect?.();
  // The operation may have left handles open (that may be the leak): do not wait for them.
  process.exit(0);
}

void main();
