import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildHandleReport } from '../../src/analysis/handles/report.js';
import { remoteInstallExpression } from '../../src/capture/agent/install.js';
import { fixture, runProcess } from '../helpers/run-cli.js';
import { agentEnvironment } from '../../src/capture/agent/install.js';
import { frameIn, markerLine, runWithAgent } from '../helpers/handles.js';

const LEAKY = fixture('handles', 'leaky.js');

// Each leak: the type the agent must report, the function and the line that opened it.
const EXPECTED: { kind: string; type: string; fn: string }[] = [
  { kind: 'server', type: 'TCPSERVERWRAP', fn: 'startServer' },
  { kind: 'socket', type: 'TCPWRAP', fn: 'leakSocket' },
  { kind: 'timer', type: 'Timeout', fn: 'leakTimer' },
  { kind: 'interval', type: 'Timeout', fn: 'leakInterval' },
  { kind: 'child', type: 'PROCESSWRAP', fn: 'leakChild' },
  { kind: 'watch', type: 'FSEVENTWRAP', fn: 'leakWatcher' },
  { kind: 'fd', type: 'fd', fn: 'leakFd' },
  { kind: 'zlib', type: 'ZLIB', fn: 'leakGzip' },
  { kind: 'await', type: 'Timeout', fn: 'leakAfterAwait' },
  { kind: 'filehandle', type: 'FILEHANDLE', fn: 'leakFileHandle' },
];

test('every leaked handle is reported with its type, function and line', async () => {
  const { json } = await runWithAgent(LEAKY, ['all', 'report']);
  for (const e of EXPECTED) {
    const line = markerLine(LEAKY, e.kind);
    const match = json.handles.find((h) => {
      const f = frameIn(json.stacks[h.stackId], LEAKY);
      return h.type === e.type && f?.line === line;
    });
    assert.ok(
      match,
      `${e.kind}: no ${e.type} opened at line ${line}; got ${json.handles.map((h) => `${h.type}@${frameIn(json.stacks[h.stackId], LEAKY)?.line}`).join(' ')}`,
    );
    const frame = frameIn(json.stacks[match.stackId], LEAKY)!;
    assert.equal(frame.functionName, e.fn, e.kind);
    assert.ok(frame.column > 0, 'columns are 1-based');
    assert.equal(match.alive, true);
    assert.equal(match.threadId, 0);
  }
  const socket = json.handles.find((h) => h.type === 'TCPWRAP' && h.origin === 'created')!;
  assert.equal(socket.refed, true);
  assert.ok(socket.fd !== null && socket.fd > 2);
  assert.match(socket.detail ?? '', /127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+/);
  assert.deepEqual(socket.libuv, { type: 'tcp', active: true, referenced: true });
  // The server's accepted end has no JavaScript on its own stack: the server's is used, and said so.
  const accepted = json.handles.find((h) => h.type === 'TCPWRAP' && h.origin === 'trigger');
  assert.ok(accepted, 'accepted socket reported');
  assert.equal(frameIn(json.stacks[accepted.stackId], LEAKY)?.line, markerLine(LEAKY, 'server'));
  assert.match(accepted.originNote ?? '', /TCPSERVERWRAP/);
  // listen() creates the server handle a tick later: the stack of the listen() call is used.
  const server = json.handles.find((h) => h.type === 'TCPSERVERWRAP')!;
  assert.equal(server.origin, 'call');
  const fd = json.handles.find((h) => h.type === 'fd')!;
  assert.equal(fd.detail, LEAKY);
  assert.equal(fd.refed, false, 'a raw descriptor does not keep the loop alive');
  const fh = json.handles.find((h) => h.type === 'FILEHANDLE')!;
  assert.equal(fh.origin, 'call', 'a FileHandle is built after the open completes: the open call is its stack');
});

test('a one-shot timer re-armed from its own callback is one chain, under the stack that started it; other timers made in a callback are their own', async () => {
  const file = fixture('handles', 'timer-chains.js');
  const { json } = await runWithAgent(file);
  const at = (h: { stackId: number }): number | undefined => frameIn(json.stacks[h.stackId], file)?.line;
  const own = (h: { ownStackId: number }): number | undefined => frameIn(json.stacks[h.ownStackId], file)?.line;
  const timers = json.handles.filter((h) => h.type === 'Timeout');
  const describe = JSON.stringify(timers.map((h) => [h.asyncId, h.lineage, h.origin, at(h), own(h)]));
  // The poller, re-armed ~70 times by now with the same callback: its Timeout is grouped under
  // startPolling's line, continues the first Timeout's chain, and keeps its own stack apart.
  const poll = timers.find((h) => own(h) === markerLine(file, 'poll-rearm'));
  assert.ok(poll, describe);
  assert.equal(poll.origin, 'chain');
  assert.equal(at(poll), markerLine(file, 'poll-start'));
  assert.notEqual(poll.lineage, poll.asyncId);
  assert.match(poll.originNote ?? '', /re-armed from its own callback/);
  // A new arrow each time, made at the same place: a chain too (its first Timeout was made there).
  const tick = timers.find((h) => own(h) === markerLine(file, 'tick'));
  assert.ok(tick, describe);
  assert.equal(tick.origin, 'chain');
  assert.notEqual(tick.lineage, tick.asyncId);
  // An async loop's `await sleep()` (timers/promises) and `await pause()` (a Promise around
  // setTimeout): each beat's Timeout is made in the microtasks right after the last one's
  // callback, where Node names no trigger, and continues its chain by place.
  for (const kind of ['sleep-loop', 'pause']) {
    const h = timers.find((t) => own(t) === markerLine(file, kind));
    assert.ok(h, `${kind}: ${describe}`);
    assert.equal(h.origin, 'chain', kind);
    assert.notEqual(h.lineage, h.asyncId, kind);
    assert.equal(at(h), markerLine(file, kind), kind);
  }
  // Another callback at another place: not a chain — made in its callback, after an await in
  // it, or by an interval's callback (the same function: the interval re-arms itself, so its
  // timers are their own).
  for (const kind of ['unrelated', 'after-await-unrelated', 'interval-child']) {
    const h = timers.find((t) => own(t) === markerLine(file, kind));
    assert.ok(h, `${kind}: ${describe}`);
    assert.deepEqual([h.origin, h.lineage, at(h)], ['created', h.asyncId, markerLine(file, kind)], kind);
  }
});

test("the listen() stack kept on a server holds no frame's receiver: an object that started the server and was dropped is collected", async () => {
  const r = await runWithAgent(fixture('handles', 'listen-receiver.js'));
  const out = r.json as unknown as { collected: boolean; origin: string | null };
  // The server handle still gets the listen() call's stack, as frames.
  assert.deepEqual(out, { collected: true, origin: 'call' });
});

test('unref and keep-alive are reported as separate facts', async () => {
  const { json } = await runWithAgent(LEAKY, ['interval,child,unref', 'report']);
  const unref = json.handles.find(
    (h) => h.type === 'Timeout' && frameIn(json.stacks[h.stackId], LEAKY)?.line === markerLine(LEAKY, 'unref'),
  );
  assert.ok(unref, "an unref'd interval is open and reported");
  assert.equal(unref.refed, false);
  assert.equal(unref.keepsAlive, false, 'but it does not keep the process alive');
  const interval = json.handles.find(
    (h) => h.type === 'Timeout' && frameIn(json.stacks[h.stackId], LEAKY)?.line === markerLine(LEAKY, 'interval'),
  )!;
  assert.equal(interval.refed, true);
  assert.equal(interval.keepsAlive, true);
  assert.match(interval.detail ?? '', /setInterval 60000 ms/);
  const child = json.handles.find((h) => h.type === 'PROCESSWRAP')!;
  assert.equal(child.keepsAlive, true);
  assert.match(child.detail ?? '', /^pid \d+/);
});

test('a program that closes what it opens has nothing outstanding (noise is counted, not shown)', async () => {
  const { json, code } = await runWithAgent(fixture('handles', 'clean.js'), [], { agent: { control: true } });
  assert.equal(code, 0, 'exits by itself: the agent, its control socket included, keeps nothing alive');
  const clean = fixture('handles', 'clean.js');
  const report = buildHandleReport(json.handles, (_h, id) => json.stacks[id] ?? []);
  const fromProgram = report.groups.filter((g) => g.stack.some((f) => f.file === clean));
  assert.deepEqual(
    fromProgram.map((g) => `${g.type} ${g.site?.functionName}:${g.site?.line}`),
    [],
    'nothing of the program is outstanding',
  );
  // The default DNS resolver (made when listen() loads node:dns) is recognised as noise.
  assert.ok(
    report.filtered.some((f) => f.types.includes('DNSCHANNEL')),
    JSON.stringify(report.filtered),
  );
});

test('stack ids stay unique past 65,536 distinct stacks', async () => {
  const env = agentEnvironment({ control: false });
  const r = await runProcess(process.execPath, [fixture('handles', 'many-stacks.js'), '70000'], { env, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as {
    count: number;
    distinct: number;
    maxId: number;
    minId: number;
    sampled: { i: number; stackId: number; functionName: string; file: string }[];
  };
  assert.equal(s.count, 70000);
  assert.equal(s.distinct, 70000, 'one id per distinct stack, none reused');
  assert.ok(s.maxId > 65536, String(s.maxId));
  assert.ok(s.minId >= 1);
  for (const x of s.sampled) {
    assert.equal(x.functionName, `open_${x.i}`, `stack ${x.stackId} names the function that opened timer ${x.i}`);
    assert.equal(x.file, `/gen/timer-${x.i}.js`);
  }
});

test('the agent forgets its own served connections once they are gone: a long session of requests does not grow it', async () => {
  const env = agentEnvironment({ control: true });
  const r = await runProcess(process.execPath, ['--expose-gc', fixture('handles', 'control-requests.js'), '300'], {
    env,
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { requests: number; ownDuring: number; ownAfter: number };
  // It remembers its resources while they live (so that what they trigger is not reported as
  // the program's): the requests did reach it.
  assert.ok(s.ownDuring >= 1, JSON.stringify(s));
  assert.ok(s.ownAfter < 20, `after 300 requests and a GC the agent still remembers ${s.ownAfter} of its own resources`);
});

test('the agent installs into a running process through Runtime.evaluate', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'leaktrace-remote-'));
  try {
    const exprFile = join(dir, 'expr.js');
    writeFileSync(exprFile, remoteInstallExpression({}));
    const file = fixture('handles', 'remote-install.mjs');
    const r = await runProcess(process.execPath, [file, exprFile], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      info: { pid: number; fromProcessStart: boolean; apiVersion: number };
      exception: unknown;
      handles: { stackId: number; type: string }[];
      stacks: Record<number, { functionName: string; file: string; line: number }[]>;
    };
    assert.equal(out.exception, null);
    assert.equal(out.info.apiVersion, 2);
    assert.equal(out.info.fromProcessStart, false, 'an attached agent says tracking began late');
    const h = out.handles.find((x) => out.stacks[x.stackId]?.some((f) => f.functionName === 'leakAfterAttach'));
    assert.ok(h, JSON.stringify(out));
    const f = out.stacks[h.stackId].find((x) => x.functionName === 'leakAfterAttach')!;
    assert.ok(f.file.endsWith('remote-install.mjs'));
    assert.equal(f.line, markerLine(file, 'remote'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('worker threads are traced and say which thread opened what', async () => {
  const file = fixture('handles', 'worker-leak.js');
  const { json } = (await runWithAgent(file)) as unknown as {
    json: { answered: number; workerThreadId: number } & Awaited<ReturnType<typeof runWithAgent>>['json'];
  };
  assert.equal(json.answered, 1);
  const h = json.handles.find((x) => x.type === 'Timeout' && frameIn(json.stacks[x.stackId], file)?.functionName === 'leakInWorker');
  assert.ok(h, JSON.stringify(json.handles.map((x) => [x.type, x.threadId])));
  assert.equal(h.threadId, json.workerThreadId);
  assert.equal(frameIn(json.stacks[h.stackId], file)?.line, markerLine(file, 'worker'));
  const w = json.handles.find((x) => x.type === 'WORKER');
  assert.ok(w, 'the Worker itself is a handle of the main thread');
  assert.equal(w.threadId, 0);
});

test('records reach the capture folder as the program runs, and survive SIGKILL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'leaktrace-capture-'));
  try {
    const env = agentEnvironment({ control: false, captureDir: dir, flushIntervalMs: 100 });
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [LEAKY, 'interval,fd', 'stay'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    // Wait for a flush that holds the leaked descriptor, then kill without warning.
    const file = join(dir, 'handles.jsonl');
    for (let i = 0; i < 400 && !/"kind":"open"[^\n]*"type":"fd"/.test(readFileSync(file, 'utf8')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; type?: string; stackId?: number; id?: number; frames?: { functionName: string }[] });
    assert.ok(!lines.some((l) => l.kind === 'exit'), 'killed: no exit record, yet every flushed line is whole');
    assert.equal(lines[0].kind, 'agent');
    const opens = lines.filter((l) => l.kind === 'open');
    const fd = opens.find((l) => l.type === 'fd');
    assert.ok(fd, 'the leaked descriptor was written before the kill');
    const stack = lines.find((l) => l.kind === 'stack' && l.id === fd.stackId);
    assert.ok(stack?.frames?.some((f) => f.functionName === 'leakFd'));
    assert.ok(opens.some((l) => l.type === 'Timeout'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('traceHandles(): snapshot, operation, diff — quiet for a clean operation, grouped stacks for a leak', async () => {
  const file = fixture('handles', 'trace-api.mjs');
  const index = new URL('../../src/index.js', import.meta.url).pathname;
  const r = await runProcess(process.execPath, [file, index], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const { afterClean, afterLeak } = JSON.parse(r.stdout) as {
    afterClean: { groups: unknown[]; closed: number; stillOpen: number };
    afterLeak: {
      groups: { type: string; count: number; keepingAlive: number; userFrame: { functionName: string; line: number } | null }[];
    };
  };
  assert.deepEqual(afterClean.groups, [], JSON.stringify(afterClean));
  assert.equal(afterLeak.groups.length, 1, JSON.stringify(afterLeak.groups));
  const g = afterLeak.groups[0];
  assert.equal(g.type, 'Timeout');
  assert.equal(g.count, 2, 'two intervals from one line are one group of two');
  assert.equal(g.keepingAlive, 2);
  assert.equal(g.userFrame?.functionName, 'leakyOperation');
  assert.equal(g.userFrame?.line, markerLine(file, 'api'));
});

test('a keep-alive socket reused for many requests is one open socket, not one per request', async () => {
  // The agent's sweep (once a second) would hide the bug between reads: read straight away.
  const { json } = await runWithAgent(fixture('handles', 'keepalive-reuse.cjs'), [], { agent: { flushIntervalMs: 60_000 } });
  const sockets = json.handles.filter((h) => h.type === 'TCPWRAP');
  // Two client sockets and the server's two accepted ends; before the fix, ~300 per side.
  assert.ok(sockets.length >= 2 && sockets.length <= 4, `${sockets.length} TCPWRAP handles outstanding`);
});

test("workers' agents follow the main thread's: paused, resumed and stopped with it", async () => {
  // Light watching pauses the main thread's agent (run/attach), and a detach or leaktrace's
  // watchdog stops it: the workers' agents must not go on tracing with no one to report to.
  const { json } = await runWithAgent(fixture('handles', 'worker-follows.js'));
  assert.deepEqual(json as unknown, { start: 'tracing', paused: 'paused', resumed: 'tracing', pausedAgain: 'paused', stopped: 'gone' });
});
