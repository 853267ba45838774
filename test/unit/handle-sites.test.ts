import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutstandingHandle } from '../../src/capture/agent/agent-types.js';
import { countHandleSites } from '../../src/analysis/handles/site-counts.js';

function handle(type: string, stackId: number, keepsAlive: boolean): OutstandingHandle {
  return {
    asyncId: Math.floor(Math.random() * 1e9),
    type,
    stackId,
    ownStackId: stackId,
    origin: 'created',
    originNote: null,
    triggerAsyncId: 1,
    createdAt: 0,
    threadId: 0,
    pid: 1,
    alive: true,
    refed: keepsAlive,
    keepsAlive,
    libuv: null,
    fd: null,
    detail: null,
  };
}

test('handles are counted per type and creation stack', () => {
  const counts = countHandleSites([
    handle('Timeout', 7, true),
    handle('Timeout', 7, false),
    handle('TCPWRAP', 7, true),
    handle('Timeout', 70000, true),
  ]);
  assert.deepEqual([...counts.keys()].sort(), ['TCPWRAP:7', 'Timeout:7', 'Timeout:70000']);
  assert.equal(counts.get('Timeout:7')?.count, 2);
  assert.equal(counts.get('Timeout:7')?.keepingAlive, 1);
  assert.equal(counts.get('Timeout:70000')?.stackId, 70000);
});
