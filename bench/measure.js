// Runs a command and reports its wall time and peak resident set size.
// Peak RSS comes from GNU time (/usr/bin/time -f) when installed, which reads the kernel's
// high-water mark at exit; otherwise from polling /proc/<pid>/status VmHWM every 50 ms.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const GNU_TIME = '/usr/bin/time';

/** @returns {Promise<{ ok: boolean, code: number|null, seconds: number, peakRssMB: number, stdout: string, stderr: string }>} */
export function measure(command, args, options = {}) {
  const useTime = existsSync(GNU_TIME);
  const argv = useTime ? ['-f', '__MEASURE__ %e %M', command, ...args] : args;
  const exe = useTime ? GNU_TIME : command;
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(exe, argv, { env: { ...process.env, ...options.env }, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let polledPeakKb = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const poll = useTime
      ? null
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) polledPeakKb = Math.max(polledPeakKb, Number(m[1]));
          } catch {}
        }, 50);
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : null;
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      if (timer) clearTimeout(timer);
      let seconds = Number(process.hrtime.bigint() - started) / 1e9;
      let peakKb = polledPeakKb;
      const m = /__MEASURE__ ([\d.]+) (\d+)/.exec(stderr);
      if (m) {
        seconds = Number(m[1]);
        peakKb = Number(m[2]);
        stderr = stderr.replace(m[0], '');
      }
      resolve({ ok: code === 0, code, seconds, peakRssMB: peakKb / 1024, stdout, stderr });
    });
  });
}
