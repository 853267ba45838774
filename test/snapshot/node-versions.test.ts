import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeBinary } from '../helpers/node-versions.js';
import { fixture, runCli } from '../helpers/run-cli.js';
import { writeSnapshots } from '../helpers/write-snapshot.js';

// Snapshots written by other V8 versions: the field layout is read from meta, not assumed.
for (const major of [22, 24]) {
  test(`snapshots written by Node ${major} load, with allocation stacks`, async (t) => {
    const node = nodeBinary(major);
    if ('skip' in node) return t.skip(node.skip);
    const dir = await writeSnapshots(fixture('snapshot', 'objects.js'), { node: node.path, flags: ['--track-heap-objects'] });
    const r = await runCli(['stat', join(dir, 'c.heapsnapshot'), '--by', 'site', '--json', '--top', '100']);
    assert.equal(r.code, 0, r.stderr);
    const stat = JSON.parse(r.stdout) as { rows: { count: number; site: { functionName: string; line: number } | null }[] };
    const open = stat.rows.find((row) => row.site?.functionName === 'openSession');
    assert.ok(open, `Node ${major}: openSession found as a site`);
    assert.equal(open.site!.line, 16);
    const d = await runCli(['diff', ...['a', 'b', 'c'].map((n) => join(dir, `${n}.heapsnapshot`)), '--json']);
    assert.equal(d.code, 1, d.stderr);
    const c = JSON.parse(d.stdout) as { byRetainerPath: { className: string; count: number }[] };
    assert.equal(c.byRetainerPath[0].className, 'Session');
    assert.equal(c.byRetainerPath[0].count, 1000);
  });
}
