import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check } from '../helpers/check.js';

// Handle leaks: the open handles of each type and creation stack, judged like heap sites.
const cases: { file: string; resource: string; fn: string; line: number; args?: string[] }[] = [
  { file: 'leaks/raw-fds.cjs', resource: 'fd', fn: 'readConfig', line: 5 },
  { file: 'leaks/intervals.cjs', resource: 'Timeout', fn: 'startPolling', line: 5 },
  // A heartbeat re-armed from its own callback: a new Timeout each beat, one chain per run,
  // found at the line that started it (the settle before each measurement lets the beats fire).
  { file: 'leaks/heartbeat-timers.cjs', resource: 'Timeout', fn: 'startHeartbeat', line: 11 },
  // Each run opens a real TCP connection: a few hundred runs are plenty.
  { file: 'leaks/sockets.cjs', resource: 'TCPWRAP', fn: '', line: 8, args: ['--iterations', '240'] },
  // A native zlib handle per run, never closed (its memory is judged in bytes as well).
  { file: 'leaks/zlib-streams.cjs', resource: 'ZLIB', fn: 'compressStart', line: 6, args: ['--iterations', '800'] },
];

for (const c of cases) {
  test(`check finds the ${c.resource} handle leak in ${c.file}, with the line that opens it`, async () => {
    const { code, report } = await check(c.file, c.args);
    assert.equal(code, 1);
    const leak = report.leaks.find((l) => l.kind === 'handle' && l.resource === c.resource && l.userFrame !== null);
    assert.ok(leak, JSON.stringify(report.leaks.map((l) => [l.kind, l.resource, l.site])));
    assert.ok(leak.userFrame!.file.endsWith(c.file.split('/')[1]), leak.userFrame!.file);
    assert.equal(leak.userFrame!.line, c.line);
    assert.ok(leak.userFrame!.functionName.endsWith(c.fn), leak.userFrame!.functionName);
    assert.ok(leak.probability >= 0.9, String(leak.probability));
    // One handle per run, measured as such.
    assert.ok(Math.abs(leak.perIteration!.count - 1) < 0.1, `${leak.perIteration!.count} per run`);
    assert.match(leak.evidence, /open .* handles created here/);
  });
}

test('an operation that closes what it opens has no handle leak', async () => {
  const { code, report } = await check('clean/closed-handles.cjs');
  assert.deepEqual(
    report.leaks.map((l) => [l.kind, l.resource, l.site?.functionName]),
    [],
  );
  assert.equal(code, 0);
});
