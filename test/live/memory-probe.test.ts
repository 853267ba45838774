import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RemoteSession } from '../../src/capture/inspector/remote-session.js';
import { MEMORY_PROBE_KEY, MemoryProbe, removeMemoryProbe, SNAPSHOT_ROOM_KEY } from '../../src/capture/live/memory-probe.js';
import { LiveProcess } from '../helpers/live-process.js';

/** Evaluates `expression` in the target (no leaktrace wrapping beyond the session's own). */
async function evaluate<T>(session: RemoteSession, expression: string): Promise<T> {
  const r = await session.post<{ result: { value: T } }>('Runtime.evaluate', { expression, returnByValue: true });
  return r.result.value;
}

test('memory probe: installed once in a real target, it reads the memory series point, is installed again if the program drops it, and leaves nothing at removal', async () => {
  // A program holding ~8 MB of heap and one extra descriptor, so the point has something to show.
  const target = new LiveProcess(process.execPath, [
    '--inspect=127.0.0.1:0',
    '-e',
    `globalThis.kept = Array.from({ length: 200000 }, (_, i) => ({ i })); const fd = require('fs').openSync(process.execPath, 'r'); setInterval(() => {}, 1000);`,
  ]);
  const port = await target.inspectorPort();
  const session = await RemoteSession.connect(`ws://127.0.0.1:${port}/${await debuggerId(port)}`);
  try {
    const probe = new MemoryProbe(session, target.child.pid!);
    const first = await probe.read();
    assert.ok(first, 'the target answered');
    assert.ok(first.heapUsed > 8_000_000, `heapUsed ${first.heapUsed}`);
    assert.ok(first.rss >= first.heapUsed, `rss ${first.rss}`);
    assert.ok((first.spaces?.old_space?.used ?? 0) > 0, JSON.stringify(first.spaces));
    assert.ok(first.heapLimit > first.heapUsed);
    assert.ok(first.fds !== undefined && first.fds >= 4, `fds ${first.fds}`);
    assert.equal(await evaluate(session, `typeof globalThis[Symbol.for('${MEMORY_PROBE_KEY}')]`), 'function');

    // Installed once: later reads call what is there (here a stand-in), not a new install.
    await evaluate(
      session,
      `void (globalThis[Symbol.for('${MEMORY_PROBE_KEY}')] = () => JSON.stringify({ rss: 2, heapUsed: 1, heapTotal: 1, external: 0, arrayBuffers: 0, spaces: {}, heapLimit: 9 }))`,
    );
    assert.equal((await probe.read())?.heapUsed, 1);
    await evaluate(session, `void delete globalThis[Symbol.for('${MEMORY_PROBE_KEY}')]`);

    // The at-exit snapshot's limit is left where the program looks for it.
    const limit = { largestHeap: 123456789, room: { bytes: 1, where: 'test' } };
    await probe.read(limit as never);
    assert.deepEqual(await evaluate(session, `globalThis[Symbol.for('${SNAPSHOT_ROOM_KEY}')]`), limit);

    // A program that clears it (or a leaktrace before us that removed it): installed again.
    await evaluate(session, `void delete globalThis[Symbol.for('${MEMORY_PROBE_KEY}')]`);
    const again = await probe.read();
    assert.ok(again && again.heapUsed > 8_000_000);
    assert.equal(await evaluate(session, `typeof globalThis[Symbol.for('${MEMORY_PROBE_KEY}')]`), 'function');

    await removeMemoryProbe(session);
    assert.equal(await evaluate(session, `typeof globalThis[Symbol.for('${MEMORY_PROBE_KEY}')]`), 'undefined');
  } finally {
    await session.close();
    target.kill();
    await target.done;
  }
});

test('memory probe: a target whose main thread is blocked (no protocol message answered, the console discard included) gives no point after 3 s instead of holding the capture', async () => {
  const target = new LiveProcess(process.execPath, [
    '--inspect=127.0.0.1:0',
    '-e',
    `process.on('SIGUSR2', () => require('child_process').execSync('sleep 8')); console.log('ready'); setInterval(() => {}, 1000);`,
  ]);
  const port = await target.inspectorPort();
  const session = await RemoteSession.connect(`ws://127.0.0.1:${port}/${await debuggerId(port)}`);
  // The inspector listens before the program's first line runs: a SIGUSR2 sent before its
  // handler is installed kills it (seen once in CI: "the target closed the inspector connection").
  await target.waitFor(/ready/);
  try {
    // Blocks the main thread for 8 s in native code (waiting for a child), where V8 runs no
    // interrupt: the inspector dispatches nothing meanwhile. (Atomics.wait is not such a
    // block: V8 serves the inspector's interrupts during it.)
    target.kill('SIGUSR2');
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const point = await new MemoryProbe(session, target.child.pid!).read();
    const waited = Date.now() - started;
    assert.equal(point, null);
    assert.ok(waited >= 2900 && waited < 7000, `waited ${waited} ms: the 3 s limit, not the 8 s block`);
  } finally {
    await session.close();
    target.kill();
    await target.done;
  }
});

/** The target's debugger id, from its /json/list. */
async function debuggerId(port: number): Promise<string> {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { id: string }[];
  return list[0].id;
}
