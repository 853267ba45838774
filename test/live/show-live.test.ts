import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { listeningPorts } from '../../src/capture/proc/listening-ports.js';
import { LiveProcess } from '../helpers/live-process.js';
import { fixture, runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/write-snapshot.js';

interface LiveObjectJson {
  id: number;
  className: string | null;
  properties: { name: string; value: string; bytes?: { total: number; shown: number[] } }[];
  bytes: { total: number; shown: number[] } | null;
}

test('show --pid: properties and the bytes of a Buffer, read live by the ids of the process’s own snapshot', async () => {
  const snapshotFile = join(tempDir(), 'own.heapsnapshot');
  // --inspect-port=0: SIGUSR1 then opens the inspector on a free port (found through /proc), so
  // this test never collides on 9229 with an attach test running at the same time.
  const holder = new LiveProcess(process.execPath, ['--inspect-port=0', fixture('live', 'holder.cjs')], {
    env: { SNAPSHOT_FILE: snapshotFile },
  });
  try {
    await holder.waitFor(/snapshot=/);
    const pid = holder.child.pid!;
    // The ids, from the snapshot the process wrote itself (so the target knows them).
    const list = await runCli(['list', snapshotFile, '--constructor', 'SessionToken', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const tokenId: number = JSON.parse(list.stdout).rows[0].id;
    const described = await runCli(['show', snapshotFile, `@${tokenId}`, '--json']);
    const payload = JSON.parse(described.stdout).contents.find((e: { edge: string }) => e.edge === 'payload');
    assert.ok(payload, described.stdout.slice(0, 2000));

    const r = await runCli(['show', '--pid', String(pid), `@${tokenId}`, `@${payload.id}`, '--json'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const [token, buffer] = JSON.parse(r.stdout).objects as LiveObjectJson[];
    assert.equal(token.className, 'SessionToken');
    const user = token.properties.find((p) => p.name === 'user')!.value;
    assert.ok(['"alice"', '"bob"'].includes(user), user);
    assert.ok(['42', '7'].includes(token.properties.find((p) => p.name === 'count')!.value));
    // The buffer's bytes: the text written at 0 and 0xdeadbeef at 32, which no snapshot holds.
    assert.ok(buffer.bytes, JSON.stringify(buffer));
    assert.equal(buffer.bytes.total, 40);
    const text = Buffer.from(buffer.bytes.shown.slice(0, 14)).toString('latin1');
    assert.equal(text.replace(/\0+$/, ''), `token of ${JSON.parse(user)}`);
    assert.deepEqual(buffer.bytes.shown.slice(32, 36), [0xde, 0xad, 0xbe, 0xef]);
    assert.deepEqual(token.properties.find((p) => p.name === 'payload')!.bytes?.shown, buffer.bytes.shown.slice(0, 16));

    // The human view: a hex dump with the ASCII column.
    const picked = await runCli(['show', '--pid', String(pid), '--constructor', 'SessionToken', '--limit', '5'], { timeoutMs: 60_000 });
    assert.equal(picked.code, 0, picked.stderr);
    assert.match(picked.stdout, /2 live SessionToken objects/);
    assert.match(picked.stdout, /"alice"/);
    assert.match(picked.stdout, /"bob"/);
    const dump = await runCli(['show', '--pid', String(pid), '--constructor', 'Buffer', '--limit', '10'], { timeoutMs: 60_000 });
    assert.match(dump.stdout, /00000020 {2}de ad be ef 00 00 00 00/);
    assert.match(dump.stdout, /\|token of alice\.\.\|/);

    // An id the target does not know: one line, exit 2; the target is left as it was.
    const unknown = await runCli(['show', '--pid', String(pid), '@999999999']);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /not known to the target's heap profiler/);
    assert.equal(unknown.stderr.trim().split('\n').length, 1, unknown.stderr);
    assert.equal(holder.child.exitCode, null);
    assert.deepEqual(listeningPorts(pid), [], 'the inspector opened for show is closed again');

    // A snapshot that would not fit under the memory allowed: refused in one line, exit 2, the
    // target left running with its inspector closed.
    const capped = await runCli(['show', '--pid', String(pid), '--constructor', 'SessionToken', '--max-snapshot-memory', '1M']);
    assert.equal(capped.code, 2, capped.stderr);
    assert.match(
      capped.stderr,
      /no snapshot for --constructor SessionToken: a heap snapshot of the target's .+ heap could need ~.+ more than --max-snapshot-memory allows/,
    );
    assert.equal(capped.stderr.trim().split('\n').length, 1, capped.stderr);
    assert.equal(holder.child.exitCode, null);
    assert.deepEqual(listeningPorts(pid), [], 'the inspector opened for show is closed again');

    for (const args of [
      ['show', '--pid', String(pid)],
      ['show', '--pid', 'abc', '@1'],
      ['show', '--pid', String(pid), '@1', '--constructor', 'X'],
    ]) {
      const bad = await runCli(args);
      assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
    }
  } finally {
    holder.kill();
    await holder.done;
  }
});

test('show --pid HOST:PORT: objects read through an inspector the program opened itself, left open', async () => {
  const holder = new LiveProcess(process.execPath, ['--inspect=127.0.0.1:0', fixture('live', 'holder.cjs')], {
    env: { SNAPSHOT_FILE: join(tempDir(), 'own.heapsnapshot') },
  });
  try {
    await holder.waitFor(/snapshot=/);
    const port = await holder.inspectorPort();
    const r = await runCli(['show', '--pid', `127.0.0.1:${port}`, '--constructor', 'SessionToken', '--json'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const shown = JSON.parse(r.stdout);
    assert.equal(shown.pid, holder.child.pid);
    const users = (shown.objects as LiveObjectJson[]).map((o) => o.properties.find((p) => p.name === 'user')?.value).sort();
    assert.deepEqual(users, ['"alice"', '"bob"']);
    assert.ok(
      listeningPorts(holder.child.pid!).some((p) => p.port === port),
      'an inspector leaktrace did not open is left open',
    );
  } finally {
    holder.kill();
    await holder.done;
  }
});
