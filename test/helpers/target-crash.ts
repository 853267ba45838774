import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const loadedAt = Date.now();

/** What `run --json` says of the program it started. */
export interface ProgramEnd {
  pid: number;
  exitCode: number | null;
  signal: string | null;
}

/**
 * Asserts that the program `run` started exited with code 0. When it died of a signal instead,
 * the failure carries the crash's native stack where one can be had: the core the kernel wrote
 * (`core` in the directory the program ran in, when `.ci/run` allowed cores) read by gdb. A rare
 * SIGSEGV right after the program's at-exit heap snapshot was seen in CI and never reproduced
 * here; this is how the next one tells where it happened.
 */
export function assertProgramExitedCleanly(program: ProgramEnd, cwd = process.cwd()): void {
  if (program.exitCode === 0) return;
  assert.fail(`the program ended with ${JSON.stringify(program)}\n${crashStack(program, cwd)}`);
}

function crashStack(program: ProgramEnd, cwd: string): string {
  if (program.signal === null) return '(no signal: no crash stack to read)';
  const core = join(cwd, 'core');
  // (A core older than this test file is another program's: check-crash.test.ts crashes one.)
  if (!existsSync(core) || statSync(core).mtimeMs < loadedAt)
    return `(no core dump in ${cwd}: ulimit -c is ${spawnSync('sh', ['-c', 'ulimit -c'], { encoding: 'utf8' }).stdout.trim()})`;
  const gdb = spawnSync('gdb', ['-batch', '-q', '-ex', 'bt 40', '-ex', 'info threads', process.execPath, core], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  rmSync(core, { force: true }); // hundreds of MB
  if (gdb.error) return `(a core dump, but gdb could not read it: ${gdb.error.message})`;
  return `native stack of the crash (gdb on its core):\n${gdb.stdout.slice(0, 12_000)}`;
}
