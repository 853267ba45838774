import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Helpers for the native tracker's tests: C programs are built in the tests, with cc. */

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `leaktrace-${prefix}-`));
}

/** Compiles C sources into `out` (a program, or a shared library with `-shared -fPIC`). */
export function buildC(out: string, sources: string[], flags: string[] = []): string {
  execFileSync(process.env.CC || 'cc', ['-g', ...flags, '-o', out, ...sources], { stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

/** The 1-based line of the first line of `file` containing `marker`. */
export function lineOf(file: string, marker: string): number {
  const i = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`${marker} not found in ${file}`);
  return i + 1;
}

/** npm's bundled node-gyp, next to the running node (npm ships it). */
export function nodeGyp(): string | null {
  const prefix = dirname(dirname(process.execPath));
  for (const p of [
    process.env.npm_config_node_gyp,
    join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(prefix, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ]) {
    if (p && existsSync(p)) return p;
  }
  return null;
}

/**
 * Where Node's headers are, as node-gyp's --nodedir wants it: the running node's prefix
 * (official tarballs and NodeSource packages put them in <prefix>/include/node), else
 * /usr (Debian's libnode-dev). Never a download: there is no network in CI.
 */
export function nodeHeadersDir(): string | null {
  for (const d of [dirname(dirname(process.execPath)), '/usr', '/usr/local']) {
    if (existsSync(join(d, 'include', 'node', 'node_api.h'))) return d;
  }
  return null;
}
