import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLI, fixture, runCli } from '../helpers/run-cli.js';
import { LiveProcess } from '../helpers/live-process.js';

interface Fd {
  fd: number;
  kind: string;
  description: string;
  mode: string | null;
  socket: { protocol: string; local: string; remote: string | null; state: string } | null;
}

test('fds <pid>: every descriptor of a process the test controls, by kind, with socket addresses', async () => {
  const target = new LiveProcess(process.execPath, [fixture('handles', 'descriptors.js')]);
  try {
    const info = JSON.parse((await target.waitFor(/^\{.*\}$/m))[0]) as {
      pid: number;
      file: string;
      fileFd: number;
      tcpPort: number;
      tcpListenFd: number;
      clientFd: number;
      clientLocalPort: number;
      unixPath: string;
      udpPort: number;
    };
    const r = await runCli(['fds', String(info.pid), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { pid: number; count: number; byKind: { kind: string; count: number }[]; fds: Fd[] };
    const byFd = new Map(doc.fds.map((f) => [f.fd, f]));
    assert.equal(byFd.get(info.fileFd)?.kind, 'file');
    assert.equal(byFd.get(info.fileFd)?.description, info.file);
    assert.equal(byFd.get(info.fileFd)?.mode, 'r');
    const listen = byFd.get(info.tcpListenFd)?.socket;
    assert.deepEqual(listen, { protocol: 'tcp', local: `127.0.0.1:${info.tcpPort}`, remote: null, state: 'LISTEN' });
    const client = byFd.get(info.clientFd)?.socket;
    assert.deepEqual(client, {
      protocol: 'tcp',
      local: `127.0.0.1:${info.clientLocalPort}`,
      remote: `127.0.0.1:${info.tcpPort}`,
      state: 'ESTABLISHED',
    });
    assert.ok(
      doc.fds.some((f) => f.socket?.protocol === 'unix' && f.socket.local === info.unixPath && f.socket.state === 'LISTEN'),
      'unix listener',
    );
    assert.ok(doc.fds.some((f) => f.socket?.protocol === 'udp' && f.socket.local === `127.0.0.1:${info.udpPort}`));
    assert.ok(
      doc.fds.some((f) => f.kind === 'pipe'),
      'stdio pipes',
    );
    assert.ok(
      doc.fds.some((f) => f.kind === 'epoll'),
      "libuv's epoll",
    );
    assert.ok(doc.fds.some((f) => f.kind === 'eventfd'));
    assert.ok(
      doc.fds.some((f) => f.kind === 'inotify'),
      'fs.watch',
    );
    const sum = doc.byKind.reduce((n, k) => n + k.count, 0);
    assert.equal(sum, doc.count);
    assert.equal(doc.count, doc.fds.length);
    const human = await runCli(['fds', String(info.pid)]);
    assert.match(human.stdout, new RegExp(`tcp 127\\.0\\.0\\.1:${info.clientLocalPort} -> 127\\.0\\.0\\.1:${info.tcpPort} ESTABLISHED`));
  } finally {
    target.child.stdin?.end();
    target.kill();
  }
});

test('fds --watch marks descriptors opened and closed between refreshes, with running totals', async () => {
  const target = new LiveProcess(process.execPath, [fixture('handles', 'descriptors.js')]);
  try {
    const info = JSON.parse((await target.waitFor(/^\{.*\}$/m))[0]) as { pid: number };
    const w = new LiveProcess(process.execPath, [CLI, 'fds', String(info.pid), '--watch', '--interval', '150ms', '--json'], {
      stdin: 'ignore',
    });
    try {
      await w.waitFor(/"refresh":0/);
      target.write('open\n');
      const opened = JSON.parse((await target.waitFor(/^\{"opened".*\}$/m))[0]) as { opened: number; path: string };
      await w.waitFor(new RegExp(`"opened":\\[\\{"fd":${opened.opened},"kind":"file"`));
      target.write('close\n');
      await w.waitFor(new RegExp(`"closed":\\[\\{"fd":${opened.opened},`));
      w.kill('SIGINT');
      const { code } = await w.done;
      assert.equal(code, 0);
      const lines = w.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { refresh: number; totalOpened: number; totalClosed: number });
      const last = lines.at(-1)!;
      assert.ok(last.totalOpened >= 1 && last.totalClosed >= 1, JSON.stringify(last));
    } finally {
      w.kill();
    }
  } finally {
    target.child.stdin?.end();
    target.kill();
  }
});

test('fds of a dead or bad pid: one line, exit 2', async () => {
  const r = await runCli(['fds', '4194001']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim(), 'leaktrace fds: no process 4194001');
  const bad = await runCli(['fds', 'abc']);
  assert.equal(bad.code, 2);
});
