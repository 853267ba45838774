import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from './run-cli.js';

/** A fresh temporary folder for one test. */
export function tempDir(prefix = 'lt-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Runs a fixture program that writes heap snapshots (its argv[2] is the output folder) with
 * the given Node binary and flags, and returns the folder.
 */
export async function writeSnapshots(program: string, options: { node?: string; flags?: string[]; dir?: string } = {}): Promise<string> {
  const dir = options.dir ?? tempDir('lt-snap-');
  const r = await runProcess(options.node ?? process.execPath, [...(options.flags ?? []), program, dir], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`${program} failed (${r.code}): ${r.stderr}`);
  return dir;
}
