import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { attachToPid, detachFrom } from '../../src/capture/live/attach.js';
import { RemoteHandles } from '../../src/capture/live/remote-handles.js';
import { inliningDefaults, knownInliningDefaults, turnInliningOffInTarget } from '../../src/capture/live/runtime-inlining.js';
import { installWatchdog } from '../../src/capture/live/target-watchdog.js';
import { MEMORY_PROBE_KEY } from '../../src/capture/live/memory-probe.js';
import { LiveProcess } from '../helpers/live-process.js';
import { nodeBinary } from '../helpers/node-versions.js';
import { assertVerdictExit, fixture, runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/write-snapshot.js';

const PROBE = fixture('live', 'inlining-probe.cjs');

/** The share of a small hot allocator's sampled bytes recorded under itself (low: inlined). */
function makeShare(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/inlined', timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body).makeShare) : reject(new Error(body))));
    }).on('error', reject);
  });
}

/** What of leaktrace is still in the process: its handle agent, its watchdog, its memory probe (attached again to look). */
async function leftInTarget(pid: number): Promise<string[]> {
  const attached = await attachToPid(pid);
  try {
    const reply = await attached.session.post<{ result: { value: string[] } }>('Runtime.evaluate', {
      expression: `['leaktrace.agent', 'leaktrace.watchdog', '${MEMORY_PROBE_KEY}'].filter((key) => globalThis[Symbol.for(key)] !== undefined)`,
      returnByValue: true,
    });
    return reply.result.value;
  } finally {
    await detachFrom(attached);
  }
}

const INLINED = 0.2;
const EXACT = 0.6;

async function withProbe(node: string, body: (pid: number, port: number) => Promise<void>): Promise<void> {
  const target = new LiveProcess(node, [PROBE]);
  try {
    const port = Number((await target.waitFor(/port=(\d+)/))[1]);
    await body(target.child.pid!, port);
    assert.equal(target.child.exitCode, null, 'the target is still running');
  } finally {
    target.kill();
    await target.done;
  }
}

for (const major of [20, 22, 24]) {
  test(`attach's inlining switch on Node ${major}: off while attached, on again at the restore, and by the target itself when leaktrace is gone`, async (t) => {
    const node = nodeBinary(major);
    if ('skip' in node) return t.skip(node.skip);
    await withProbe(node.path, async (pid, port) => {
      // The probe itself: V8 inlines the small allocator into its caller.
      assert.ok((await makeShare(port)) < INLINED, 'inlined before the attach');
      const attached = await attachToPid(pid);
      try {
        await installWatchdog(attached.session, 60_000);
        const first = await turnInliningOffInTarget(attached.session, pid, { keep: false, watchdogMs: 60_000 });
        assert.equal(first.off, true, first.note);
        // Code optimized before (the probe's caller) was deoptimized and recompiled without inlining.
        assert.ok((await makeShare(port)) > EXACT, 'each allocation under the function that made it');
        await first.restore();
        assert.ok((await makeShare(port)) < INLINED, 'inlined again after the restore');
        // leaktrace gone without a restore: the target waits for its probes, then undoes
        // everything by itself — inlining, and the handle agent's hooks.
        await installWatchdog(attached.session, 1000);
        const second = await turnInliningOffInTarget(attached.session, pid, { keep: false, watchdogMs: 1000 });
        assert.equal(second.off, true, second.note);
        await attached.session.post('Runtime.enable'); // as the capture does before installing the agent
        const handles = await RemoteHandles.connect(attached.session, { captureDir: tempDir(), fds: false });
        assert.ok(!('unavailable' in handles) && handles.installedByUs, JSON.stringify(handles));
      } finally {
        await detachFrom(attached);
      }
      await new Promise((r) => setTimeout(r, 2500));
      assert.ok((await makeShare(port)) < INLINED, 'inlined again after the watchdog');
      assert.deepEqual(await leftInTarget(pid), [], 'the agent and the watchdog are gone');
    });
  });
}

test('attach --inlining leaves the compilers alone; attach without it restores them at the detach', async () => {
  await withProbe(process.execPath, async (pid, port) => {
    const quick = ['--duration', '3s', '--warmup', '1s', '--measure-every', '1s', '--no-end-snapshot', '--json'];
    const kept = await runCli(['attach', String(pid), '--out', join(tempDir(), 'kept'), '--inlining', ...quick], { timeoutMs: 60_000 });
    assertVerdictExit(kept);
    assert.deepEqual(JSON.parse(kept.stdout).leaks, []);
    assert.ok(JSON.parse(kept.stdout).notes.some((n: string) => /inline as usual \(--inlining\)/.test(n)));
    const off = await runCli(['attach', String(pid), '--out', join(tempDir(), 'off'), ...quick], { timeoutMs: 60_000 });
    assertVerdictExit(off);
    assert.deepEqual(JSON.parse(off.stdout).leaks, []);
    const notes: string[] = JSON.parse(off.stdout).notes;
    assert.ok(
      notes.some((n) => /inlining was turned off in the program at the attach/.test(n)),
      notes.join('\n'),
    );
    assert.ok((await makeShare(port)) < INLINED, 'inlined again after the detach');
    // Nothing of leaktrace is left in the program: no agent, no watchdog, no memory probe.
    assert.deepEqual(await leftInTarget(pid), []);
  });
});

test('the inlining defaults leaktrace restores on a target it cannot read are those of the real binaries (Node 20, 22, 24)', (t) => {
  for (const major of [20, 22, 24]) {
    const node = nodeBinary(major);
    if ('skip' in node) {
      t.diagnostic(node.skip);
      continue;
    }
    const version = spawnSync(node.path, ['--version'], { encoding: 'utf8' }).stdout.trim();
    assert.deepEqual(knownInliningDefaults(version), inliningDefaults(node.path), `Node ${version}`);
  }
  assert.equal(knownInliningDefaults('v21.7.3'), null);
});
