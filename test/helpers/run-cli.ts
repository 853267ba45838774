import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/...). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = fileURLToPath(new URL('../../../bin/leaktrace.js', import.meta.url));

/** A path under test/fixtures. */
export function fixture(...parts: string[]): string {
  return fileURLToPath(new URL(`../../../test/fixtures/${parts.join('/')}`, import.meta.url));
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `leaktrace ...args` as a real process and collects its output. */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<CliResult> {
  return runProcess(process.execPath, [CLI, ...args], options);
}

export function runProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${options.timeoutMs ?? 120_000} ms: ${command} ${args.join(' ')}\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A program that exits without reading stdin closes the pipe first: not an error here.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/**
 * For tests of a live capture that are not about its verdict: the exit code agrees with the
 * JSON report on stdout — 1 with leaks, 0 without, and 2 (with a one-line "not judged" error)
 * when the capture was too short to judge.
 */
export function assertVerdictExit(r: { code: number | null; stdout: string; stderr: string }): void {
  const report = JSON.parse(r.stdout) as { leaks: unknown[]; notJudged?: string };
  const expected = report.leaks.length > 0 ? 1 : report.notJudged ? 2 : 0;
  if (r.code !== expected) throw new Error(`exit ${r.code}, expected ${expected} from the report: ${r.stderr}`);
  if (expected === 2 && !/not judged: only \d+ measurements? after/.test(r.stderr)) throw new Error(`no "not judged" line: ${r.stderr}`);
}
