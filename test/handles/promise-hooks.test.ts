import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AGENT_PATH } from '../../src/capture/agent/install.js';
import { nodeBinary } from '../helpers/node-versions.js';
import { fixture, runProcess } from '../helpers/run-cli.js';

// The agent wants handles, not promises, but enabling an async hook makes Node run a promise
// hook for every promise. The agent must leave none of its own behind (trackPromises: false on
// Node 24, the cleared promise-hook slot on 20 and 22), never touch hooks someone else had, never
// break an AsyncLocalStorage started before or after it, never print a warning, and still trace
// a Timeout opened after awaits to its line.
const PROGRAM = fixture('handles', 'promise-hooks.cjs');

interface Outcome {
  promiseHooks: string;
  slotAfterInstall: string[] | null;
  storeAfterAwaits: number | null;
  traced: boolean;
}

for (const major of [20, 22, 24]) {
  test(`the agent's promise hooks on Node ${major}: none of its own, others' kept`, async (t) => {
    const node = nodeBinary(major);
    if ('skip' in node) return t.skip(node.skip);
    const run = async (order: string): Promise<Outcome> => {
      const r = await runProcess(node.path, [PROGRAM, AGENT_PATH, order], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '', `Node ${major}, ${order}: the program saw output on stderr`);
      return JSON.parse(r.stdout) as Outcome;
    };
    const alone = await run('als-after');
    assert.equal(alone.promiseHooks, 'off');
    // Node 20 and 22 must still show the slot (the agent relies on it there); 24 has no binding.
    if (major < 24) assert.ok(alone.slotAfterInstall, `Node ${major}: the async_wrap promise-hook slot is not readable`);
    if (alone.slotAfterInstall) assert.deepEqual(alone.slotAfterInstall, ['undefined', 'undefined', 'undefined', 'undefined']);
    assert.equal(alone.storeAfterAwaits, 42, 'an AsyncLocalStorage started after the agent lost its store');
    assert.ok(alone.traced, 'a Timeout opened after awaits was not traced to its line');

    const shared = await run('als-before');
    assert.equal(shared.storeAfterAwaits, 42, 'an AsyncLocalStorage started before the agent lost its store');
    assert.ok(shared.traced);
    if (shared.slotAfterInstall) {
      // Node 20/22: AsyncLocalStorage runs on promise hooks there; they must still be in place.
      assert.equal(shared.promiseHooks, 'on');
      assert.equal(shared.slotAfterInstall[0], 'function');
    }
  });
}
