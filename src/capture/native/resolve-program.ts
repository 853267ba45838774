import { accessSync, constants, closeSync, openSync, readSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { InputError } from '../../errors.js';
import { readElfInfo } from '../../model/native/elf.js';

/**
 * Finds the program a command line runs (as execvp would) and checks that the native
 * tracker can reach it: LD_PRELOAD works only on dynamically linked programs that are not
 * set-user-ID. A `#!` script is judged by its interpreter.
 */
export function resolveProgram(name: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (name.includes('/')) {
    const p = isAbsolute(name) ? name : resolve(cwd, name);
    if (!isExecutable(p)) throw new InputError(`${name}: no such executable file`);
    return p;
  }
  for (const dir of (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    const p = join(dir || '.', name);
    if (isExecutable(p)) return isAbsolute(p) ? p : resolve(cwd, p);
  }
  throw new InputError(`${name}: command not found`);
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function shebang(p: string): string | null {
  const fd = openSync(p, 'r');
  try {
    const b = Buffer.alloc(256);
    const n = readSync(fd, b, 0, 256, 0);
    const head = b.toString('latin1', 0, n);
    if (!head.startsWith('#!')) return null;
    const line = head.slice(2).split('\n')[0].trim();
    return line.split(/\s+/)[0] || null;
  } finally {
    closeSync(fd);
  }
}

/** Throws a one-line InputError when LD_PRELOAD cannot reach the program. */
export function checkPreloadable(program: string, depth = 0): void {
  const st = statSync(program);
  if (st.mode & 0o6000) {
    throw new InputError(
      `${program} runs set-user-ID or set-group-ID: the dynamic loader ignores LD_PRELOAD for it, so it cannot be tracked`,
    );
  }
  const elf = readElfInfo(program);
  if (elf) {
    if (elf.interpreter === null && !elf.dynamic) {
      throw new InputError(
        `${program} is statically linked: LD_PRELOAD cannot load the tracker into it, so its allocations cannot be tracked (rebuild it dynamically linked)`,
      );
    }
    return;
  }
  const interpreter = shebang(program);
  if (interpreter && depth < 4 && isAbsolute(interpreter) && isExecutable(interpreter)) checkPreloadable(interpreter, depth + 1);
}
