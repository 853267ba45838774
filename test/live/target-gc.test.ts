import assert from 'node:assert/strict';
import { test } from 'node:test';
import { incrementalFullGc } from '../../src/capture/heap/target-gc.js';
import { RemoteSession } from '../../src/capture/inspector/remote-session.js';
import { LiveProcess } from '../helpers/live-process.js';
import { fixture } from '../helpers/run-cli.js';

async function debuggerId(port: number): Promise<string> {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { id: string }[];
  return list[0].id;
}

test('measurement GC: when V8 does not finish the marking in time, the fallback gc() runs from the target`s timer without killing the program', async () => {
  // Red-team: a program with a 10 GB heap, whose marking took over a second; the fallback then
  // ran from a timer, where the command-line API's `require` no longer exists, and its
  // ReferenceError was the program's uncaught exception.
  // A program file: under \`node -e\` \`require\` is a global and the bug does not show.
  const target = new LiveProcess(process.execPath, ['--inspect=127.0.0.1:0', fixture('live', 'idle-holder.cjs')]);
  const port = await target.inspectorPort();
  const session = await RemoteSession.connect(`ws://127.0.0.1:${port}/${await debuggerId(port)}`);
  try {
    const gc = incrementalFullGc(session);
    await gc.collect(); // installs the helper in the target
    assert.equal(gc.tally.incremental + [...gc.tally.atomic.values()].reduce((a, b) => a + b, 0), 1);

    // A marking that never finishes: no marking is started, so only the target's timer ends the wait.
    const reply = await session.post<{ result: { value?: { how?: string } }; exceptionDetails?: unknown }>('Runtime.evaluate', {
      expression: `(() => { const h = globalThis[Symbol.for('leaktrace.gc')]; h.mark = () => true; return h.collect(50); })()`,
      awaitPromise: true,
      returnByValue: true,
    });
    assert.equal(reply.exceptionDetails, undefined);
    assert.equal(reply.result.value?.how, 'V8 did not finish marking in time');

    // The program lives on, and its own global never got a gc function.
    const alive = await session.post<{ result: { value?: unknown } }>('Runtime.evaluate', {
      expression: `typeof globalThis.gc + ':' + globalThis.kept.length`,
      returnByValue: true,
    });
    assert.equal(alive.result.value, 'undefined:100000');
    assert.equal(target.child.exitCode, null, target.stderr);
    assert.doesNotMatch(target.stderr, /ReferenceError/);
  } finally {
    await session.close();
    target.kill();
    await target.done;
  }
});
