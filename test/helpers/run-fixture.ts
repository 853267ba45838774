import { join } from 'node:path';
import { type CliResult, fixture, runCli } from './run-cli.js';
import { tempDir } from './write-snapshot.js';

/** A short schedule for the live tests: a measurement a second after a 3 s warm-up. */
export const FAST = ['--measure-every', '1s', '--warmup', '3s', '--series-every', '500ms'];

/** `leaktrace run --json` on a fixture in test/fixtures/live, on the FAST schedule for `duration`. */
export function runFixture(
  name: string,
  o: { duration: string; out?: string; flags?: string[]; env?: NodeJS.ProcessEnv },
): Promise<CliResult> {
  const out = o.out ?? join(tempDir(), 'cap');
  const args = ['run', '--out', out, ...FAST, '--duration', o.duration, ...(o.flags ?? []), '--json'];
  return runCli([...args, '--', 'node', fixture('live', name)], { env: o.env, timeoutMs: 120_000 });
}
