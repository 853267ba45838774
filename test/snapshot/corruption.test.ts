import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SnapshotAnalysis } from '../../src/analysis/snapshot/analysis.js';
import { describeObject } from '../../src/analysis/snapshot/describe.js';
import { leakCandidates } from '../../src/analysis/snapshot/leak-candidates.js';
import { statBy } from '../../src/analysis/snapshot/stat.js';
import { summarize } from '../../src/analysis/snapshot/summary.js';
import { LeaktraceError } from '../../src/errors.js';
import { loadSnapshot } from '../../src/model/snapshot/load.js';
import { fixture, runCli } from '../helpers/run-cli.js';
import { tempDir, writeSnapshots } from '../helpers/write-snapshot.js';

/** Loads and analyses a file fully; resolves 'ok' or the user-facing error, anything else fails the test. */
async function analyse(file: string): Promise<string> {
  try {
    const s = await loadSnapshot(file);
    const a = new SnapshotAnalysis(s);
    summarize(a);
    statBy(a, 'constructor');
    if (s.traces) statBy(a, 'site');
    describeObject(a, s.id(s.nodeCount - 1));
    leakCandidates(a, a, a);
    return 'ok';
  } catch (err) {
    if (err instanceof LeaktraceError) {
      assert.equal(err.message.split('\n').length, 1, 'one-line message');
      return err.code;
    }
    throw err;
  }
}

test('randomly truncated or corrupted snapshots never crash or hang', async () => {
  const dir = await writeSnapshots(fixture('snapshot', 'objects.js'), { flags: ['--track-heap-objects'] });
  const original = readFileSync(join(dir, 'a.heapsnapshot'));
  const out = tempDir();
  let seed = 12345;
  const rnd = (k: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % k;
  };
  const outcomes = new Map<string, number>();
  const started = Date.now();
  for (let round = 0; round < 120; round++) {
    const bytes = Buffer.from(original);
    let mutated: Buffer;
    const kind = round % 4;
    if (kind === 0) mutated = bytes.subarray(0, rnd(bytes.length));
    else if (kind === 1) {
      for (let k = 0; k < 1 + rnd(8); k++) bytes[rnd(bytes.length)] = rnd(256);
      mutated = bytes;
    } else if (kind === 2) {
      // Digits changed inside the header and arrays: counts, types and edge targets go wrong.
      for (let k = 0; k < 1 + rnd(20); k++) {
        const at = rnd(bytes.length);
        if (bytes[at] >= 48 && bytes[at] <= 57) bytes[at] = 48 + rnd(10);
      }
      mutated = bytes;
    } else {
      const at = rnd(2000); // the header
      bytes[at] = '0123456789{}[],"'.charCodeAt(rnd(17));
      mutated = bytes;
    }
    const file = join(out, `m${round}.heapsnapshot`);
    writeFileSync(file, mutated);
    const outcome = await analyse(file);
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  console.log('outcomes', JSON.stringify([...outcomes]));
  assert.ok((outcomes.get('E_SNAPSHOT_FORMAT') ?? 0) > 20, JSON.stringify([...outcomes]));
  assert.ok(Date.now() - started < 240_000, 'no hang');
});

test('the CLI reports a corrupt file in one line with exit code 2', async () => {
  const dir = tempDir();
  const file = join(dir, 'cut.heapsnapshot');
  writeFileSync(
    file,
    '{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["hidden"]],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element"]]},"node_count":1,"edge_count":0},\n"nodes":[0,0,1,',
  );
  const r = await runCli(['summary', file]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /cut\.heapsnapshot: invalid heap snapshot at byte \d+: the file ends early, inside the "nodes" array/);
  writeFileSync(file, '');
  const empty = await runCli(['stat', file]);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /at byte 0: the file is empty/);
  assert.equal(empty.stdout, '');
  // With --json, stdout still carries one document: the error, for a machine to read.
  const json = await runCli(['stat', file, '--json']);
  assert.equal(json.code, 2);
  const doc = JSON.parse(json.stdout) as { error: { command: string; kind: string; message: string; exitCode: number } };
  assert.deepEqual([doc.error.command, doc.error.kind, doc.error.exitCode], ['stat', 'input', 2]);
  assert.match(doc.error.message, /at byte 0: the file is empty/);
  const usage = await runCli(['stat', '--json', '--no-such-flag']);
  assert.equal(usage.code, 2);
  assert.equal((JSON.parse(usage.stdout) as { error: { kind: string } }).error.kind, 'usage');
});
