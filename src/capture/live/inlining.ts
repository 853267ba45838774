/**
 * V8's inlining and the allocation sites the sampler records.
 *
 * V8's sampling heap profiler walks physical stack frames: once Maglev or TurboFan inlines a
 * function into its caller, that function's allocations are recorded under the caller, and
 * only until the code is deoptimized. Measured (Node 20, `run`, 45–60 s): a per-request
 * `debug()` logger leaking through debug@4.1's instance list was reported at the program's
 * timer callback, package "(your code)", instead of `createDebug` in debug; a slow leak in a
 * small `record()` at its caller, p 0.64 (0.92 with inlining off); a memo cache's site started
 * at zero mid-capture when its lookup got inlined, which made the cache look like growth. So
 * `run` starts the program with inlining off in both optimizing compilers (code is still
 * optimized). What it costs: the bench's HTTP server served ~16.5 % fewer requests per second
 * with inlining off alone (3 alternating 10 s rounds, pinned), and under `run` −28.6 % against
 * −6.9 % with `run --inlining` (bench/live-run.bench.js, README bench 5): un-inlined stacks are
 * deeper for the sampler to walk. `--inlining` keeps V8's default. `attach` turns inlining off
 * in the running program and on again at the detach (runtime-inlining.ts).
 */
export const NO_INLINING_FLAGS = ['--no-turbo-inlining', '--no-maglev-inlining'];

/** Node options that take their value as the next argument (so it is not the script). */
const TAKES_VALUE = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-e',
  '--eval',
  '-p',
  '--print',
  '-C',
  '--conditions',
  '--title',
  '--env-file',
]);

/** Node's own options in `node [options] script [args]`: those before the script. */
export function nodeOptionsOf(args: readonly string[]): string[] {
  const options: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--' || !a.startsWith('-')) break;
    options.push(a);
    if (TAKES_VALUE.has(a) && i + 1 < args.length) options.push(args[++i]);
  }
  return options;
}

/** Whether the user's own node options already say something about inlining or optimization. */
export function userSetsInlining(args: readonly string[]): string | null {
  return (
    nodeOptionsOf(args).find((a) => a.startsWith('-') && /inlin|^--max-opt|^--jitless|^--no-opt$|^--(no-)?(turbofan|maglev)$/.test(a)) ??
    null
  );
}

export function inliningOffNote(): string {
  return (
    `V8's inlining was turned off in the program (${NO_INLINING_FLAGS.join(' ')}), so that each allocation is recorded under the ` +
    `function that made it rather than a caller it was inlined into; the program runs slower for it (the bench's HTTP server, ` +
    `saturated: −28 % requests/s under run, −7 to −12 % under run --inlining, in benches 5 and 6); --inlining keeps V8's default`
  );
}

export function inliningKeptNote(why: string): string {
  return `V8's optimizing compilers inline as usual (${why}): a function inlined into its caller has its allocations recorded under the caller`;
}

/** `restoredTo`: where the flags restored at the detach came from (the binary's own defaults, or its major's). */
export function inliningAttachOffNote(deoptimized: boolean, watchdogMs: number, restoredTo: string): string {
  return (
    `V8's inlining was turned off in the program at the attach (${NO_INLINING_FLAGS.join(' ')}, through v8.setFlagsFromString), so that each ` +
    `allocation is recorded under the function that made it; ` +
    (deoptimized
      ? `its optimized code was deoptimized to recompile without it (by starting and stopping precise coverage, after which V8 no longer flushes unused bytecode in this process)`
      : `its code optimized before keeps its inlining until V8 deoptimizes it (it collects its own coverage, NODE_V8_COVERAGE, which leaktrace would have ended)`) +
    `; at the detach inlining was turned on again (${restoredTo}), as the program itself would after ${Math.round(watchdogMs / 1000)} s ` +
    `without hearing from leaktrace. It runs slower while attached (the bench's HTTP server, saturated: −28 % requests/s against −7 to −12 % ` +
    `with inlining kept); --inlining keeps it`
  );
}
