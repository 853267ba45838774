import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CheckLeaksOptions, CheckReport } from '../check/check-leaks.js';
import { InputError, LeaktraceError, OperationError } from '../errors.js';
import { formatCount } from './output/format.js';
import type { CommandContext } from './command.js';

const HARNESS = fileURLToPath(new URL('../check/harness-child.js', import.meta.url));

/** `leaktrace check`: runs the harness child, relays its progress, prints its report. */
export async function runCheck(
  ctx: CommandContext,
  modulePath: string,
  options: Omit<CheckLeaksOptions, 'onProgress' | 'signal'>,
  htmlFile?: string,
): Promise<number> {
  const file = resolve(modulePath);
  if (!existsSync(file)) throw new InputError(`${modulePath}: no such file`);
  // Ignition and Sparkplug only: see check-leaks.ts for why the optimizing tiers are off.
  const execArgv = ['--max-opt=1', ...typeScriptLoader(file)];
  const bar = ctx.out.progress('check');
  const crashNotes: string[] = [];
  let report: CheckReport & { module: string };
  try {
    report = await runHarness(ctx, file, options, execArgv, bar);
  } catch (err) {
    // V8 itself, not the operation, has crashed the child on rare runs (SIGSEGV seen once in
    // ~100 corpus checks, with the allocation profiler at interval 1). One more try, said in
    // the report; a second crash is reported as the operation's.
    if (!(err instanceof ChildCrash)) throw err;
    crashNotes.push(`the first check process crashed (${err.signal}) and the check was run again from the start`);
    report = await runHarness(ctx, file, options, execArgv, bar);
  } finally {
    bar.done();
  }
  if (crashNotes.length > 0) report.tracking.note += `; ${crashNotes.join('; ')}`;
  if (htmlFile) {
    const { writeCheckHtml } = await import('./write-check-html.js');
    await writeCheckHtml(report, htmlFile);
  }
  if (ctx.json) ctx.out.json(report);
  else {
    const { renderLeakReport } = await import('../report/leak-text.js');
    ctx.out.print(
      renderLeakReport(
        {
          headline: `leaktrace check ${modulePath}: ${formatCount(report.iterations)} runs after ${formatCount(report.warmup)} warm-up runs, ${report.measurements.length} measurements after full GCs (${report.samplingInterval <= 1 ? 'every allocation recorded' : `sampling heap profiler, one sample per ${formatCount(report.samplingInterval)} bytes`}), ${(report.durationMs / 1000).toFixed(1)} s`,
          leaks: report.leaks,
          belowThreshold: report.belowThreshold,
          memory: [
            { label: 'heap used', values: report.measurements.map((m) => m.heapUsed) },
            { label: 'external', values: report.measurements.map((m) => m.external) },
          ],
          notes: [report.tracking.note],
        },
        ctx.out.width,
      ),
    );
    if (htmlFile) ctx.out.print(`\nHTML report: ${htmlFile}`);
  }
  return report.leaks.length > 0 ? 1 : 0;
}

const CRASH_SIGNALS = new Set(['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGTRAP', 'SIGABRT']);

/** The check child died of a crash signal (an OperationError, so a second one is reported as is). */
class ChildCrash extends OperationError {
  constructor(
    message: string,
    readonly signal: string,
  ) {
    super(message);
  }
}

/** One run of the harness child: its progress relayed, its report returned. */
function runHarness(
  ctx: CommandContext,
  file: string,
  options: Omit<CheckLeaksOptions, 'onProgress' | 'signal'>,
  execArgv: string[],
  bar: { update: (p: never) => void },
): Promise<CheckReport & { module: string }> {
  return new Promise<CheckReport & { module: string }>((done, fail) => {
    const child = fork(HARNESS, [], {
      execArgv,
      env: { ...process.env, LEAKTRACE_CHECK: JSON.stringify({ module: file, options }) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // The operation's own output goes to stderr, so stdout stays one JSON document.
    child.stdout?.pipe(process.stderr, { end: false });
    child.stderr?.pipe(process.stderr, { end: false });
    let settled = false;
    const settle = (f: () => void): void => {
      if (!settled) {
        settled = true;
        f();
      }
    };
    const onAbort = (): void => {
      child.kill('SIGKILL');
      settle(() => fail(new LeaktraceError('interrupted: the check was stopped before it finished', 'E_INTERRUPTED')));
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    child.on(
      'message',
      (m: { type: string; progress?: never; report?: CheckReport & { module: string }; message?: string; code?: string }) => {
        if (m.type === 'progress' && m.progress) bar.update(m.progress);
        else if (m.type === 'result' && m.report) settle(() => done(m.report!));
        else if (m.type === 'error')
          settle(() => fail(m.code === 'E_INTERNAL' ? new Error(m.message) : new OperationError(m.message ?? 'the check failed')));
      },
    );
    child.on('exit', (code, signal) => {
      ctx.signal.removeEventListener('abort', onAbort);
      const message = `the operation ended the process before the check finished (${signal ? `signal ${signal}` : `exit code ${code}`})`;
      settle(() => fail(signal && CRASH_SIGNALS.has(signal) ? new ChildCrash(message, signal) : new OperationError(message)));
    });
  });
}

/**
 * `.ts` modules: Node >= 22.6 strips types itself (flag before 23.6); otherwise tsx, when the
 * module's project has it, is loaded with --import.
 */
function typeScriptLoader(file: string): string[] {
  if (!['.ts', '.mts', '.cts'].includes(extname(file))) return [];
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > 23 || (major === 23 && minor >= 6)) return [];
  if (major > 22 || (major === 22 && minor >= 6)) return ['--experimental-strip-types', '--no-warnings=ExperimentalWarning'];
  try {
    const pkgJson = createRequire(file).resolve('tsx/package.json');
    const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as { exports?: Record<string, unknown> };
    const dot = pkg.exports?.['.'];
    const entry =
      typeof dot === 'string'
        ? dot
        : ((dot as Record<string, string> | undefined)?.import ?? (dot as Record<string, string> | undefined)?.default);
    if (entry) return ['--import', pathToFileURL(join(dirname(pkgJson), entry)).href];
  } catch {}
  throw new InputError(`${file}: a TypeScript module needs tsx in its project (npm i -D tsx) or Node >= 22.6`);
}
