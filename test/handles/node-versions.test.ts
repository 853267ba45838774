import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildHandleReport } from '../../src/analysis/handles/report.js';
import { agentEnvironment } from '../../src/capture/agent/install.js';
import type { AgentDump } from '../helpers/handles.js';
import { frameIn, markerLine } from '../helpers/handles.js';
import { nodeBinary } from '../helpers/node-versions.js';
import { fixture, runProcess } from '../helpers/run-cli.js';

// `attach` injects the same agent into targets on Node 22 and 24: it must read their
// resources just as well (liveness signals, stack shapes, FileHandle, listen()).
const LEAKY = fixture('handles', 'leaky.js');
const CLEAN = fixture('handles', 'clean.js');

for (const major of [22, 24]) {
  test(`the agent on Node ${major}: leaks found with type and line, the clean twin quiet`, async (t) => {
    const node = nodeBinary(major);
    if ('skip' in node) return t.skip(node.skip);
    const env = agentEnvironment({ control: false });
    const r = await runProcess(node.path, [LEAKY, 'socket,interval,fd,watch,filehandle,await', 'report'], { env, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const dump = JSON.parse(r.stdout) as AgentDump;
    for (const [kind, type] of [
      ['socket', 'TCPWRAP'],
      ['interval', 'Timeout'],
      ['fd', 'fd'],
      ['watch', 'FSEVENTWRAP'],
      ['filehandle', 'FILEHANDLE'],
      ['await', 'Timeout'],
      ['server', 'TCPSERVERWRAP'],
    ]) {
      const line = markerLine(LEAKY, kind);
      assert.ok(
        dump.handles.some((h) => h.type === type && frameIn(dump.stacks[h.stackId], LEAKY)?.line === line),
        `${kind}: no ${type} at line ${line} on Node ${major}`,
      );
    }
    const clean = await runProcess(node.path, [CLEAN], { env, timeoutMs: 60_000 });
    assert.equal(clean.code, 0, clean.stderr);
    const c = JSON.parse(clean.stdout) as AgentDump;
    const report = buildHandleReport(c.handles, (_h, id) => c.stacks[id] ?? []);
    assert.deepEqual(
      report.groups.filter((g) => g.stack.some((f) => f.file === CLEAN)).map((g) => g.type),
      [],
    );
  });
}
