import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { readProcFile } from '../../src/capture/proc/proc-file.js';
import { procStatFields } from '../../src/capture/proc/proc-stat.js';

test('readProcFile: each read through the kept descriptor is the file as it is now, and null once the process is gone', async () => {
  // This process's own CPU time (utime + stime, in ticks) moves after 300 ms of work.
  const ticks = (): number => {
    const f = procStatFields(process.pid)!;
    return Number(f[11]) + Number(f[12]);
  };
  const before = ticks();
  const until = Date.now() + 300;
  while (Date.now() < until);
  assert.ok(ticks() > before, `${before} → ${ticks()} ticks`);

  const child = spawn('sleep', ['30']);
  const path = `/proc/${child.pid}/stat`;
  assert.match(readProcFile(path) ?? '', new RegExp(`^${child.pid} \\(sleep\\) `));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(readProcFile(path), null);
  assert.equal(readProcFile('/proc/no-such-file'), null);
});
