import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolChannel } from '../../src/capture/inspector/protocol-channel.js';

test('ProtocolChannel: replies matched by id, events to listeners, errors and the end fail what waits', async () => {
  const sent: { id: number; method: string; params: Record<string, unknown> }[] = [];
  const channel = new ProtocolChannel((text) => void sent.push(JSON.parse(text)), 'the worker');
  const a = channel.post<{ v: number }>('HeapProfiler.enable');
  const b = channel.post('Runtime.evaluate', { expression: '1 + 1', returnByValue: true });
  assert.deepEqual(
    sent.map((m) => [m.id, m.method]),
    [
      [1, 'HeapProfiler.enable'],
      [2, 'Runtime.evaluate'],
    ],
  );
  // Our evaluates run inside the named tooling function (their allocations are never the program's).
  assert.match(String(sent[1].params.expression), /^\(function leaktraceEvaluate\(\) \{ return eval\("1 \+ 1"\); \}\)\(\)$/);
  const events: unknown[] = [];
  channel.on('HeapProfiler.addHeapSnapshotChunk', (p) => events.push(p));
  channel.receive(JSON.stringify({ method: 'HeapProfiler.addHeapSnapshotChunk', params: { chunk: 'x' } }));
  channel.receive('not json');
  channel.receive(JSON.stringify({ id: 2, error: { message: 'boom' } }));
  channel.receive(JSON.stringify({ id: 1, result: { v: 7 } }));
  assert.deepEqual(await a, { v: 7 });
  await assert.rejects(b, /Runtime\.evaluate failed in the worker: boom/);
  assert.deepEqual(events, [{ chunk: 'x' }]);
  const c = channel.post('HeapProfiler.collectGarbage');
  channel.end('it exited');
  await assert.rejects(c, /HeapProfiler\.collectGarbage: it exited/);
  await assert.rejects(channel.post('HeapProfiler.getSamplingProfile'), /getSamplingProfile: it exited/);
  assert.equal(channel.endedBecause, 'it exited');
});

test('ProtocolChannel: a message the transport could not write fails its command', async () => {
  const channel = new ProtocolChannel(() => Promise.reject(new Error('no such session')), 'the worker');
  await assert.rejects(channel.post('HeapProfiler.enable'), /no such session/);
});
