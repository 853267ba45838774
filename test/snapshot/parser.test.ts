import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { SnapshotFormatError } from '../../src/errors.js';
import { loadSnapshot } from '../../src/model/snapshot/load.js';
import { SnapshotParser } from '../../src/model/snapshot/parser.js';
import { buildSnapshot } from '../helpers/snapshot-builder.js';
import { fixture } from '../helpers/run-cli.js';
import { tempDir, writeSnapshots } from '../helpers/write-snapshot.js';

let dir: string;
before(async () => {
  dir = await writeSnapshots(fixture('snapshot', 'objects.js'), { flags: ['--track-heap-objects'] });
});

test('a snapshot written by Node parses to exactly what JSON.parse sees', async () => {
  const file = join(dir, 'b.heapsnapshot');
  const reference = JSON.parse(readFileSync(file, 'utf8'));
  const s = await loadSnapshot(file);
  assert.equal(s.nodeCount, reference.snapshot.node_count);
  assert.equal(s.edgeCount, reference.snapshot.edge_count);
  assert.deepEqual(Array.from(s.nodes), reference.nodes);
  assert.deepEqual(Array.from(s.edges), reference.edges);
  assert.equal(s.strings.count, reference.strings.length);
  for (let i = 0; i < reference.strings.length; i++) assert.equal(s.strings.get(i), reference.strings[i]);
  // (V8 writes code points above U+FFFF truncated to 16 bits, so the fixture's emoji arrives
  // as U+F600 for JSON.parse and for us alike; the CJK character arrives whole.)
  assert.ok(
    reference.strings.some((x: string) => x.includes('\u00e9\u4e2d')),
    'fixture has non-ASCII strings',
  );
  assert.ok(s.traces, 'allocation traces were read');
});

/** Feeds `text` to a parser split at `cut` and returns the parsed strings. */
function parseSplit(bytes: Buffer, cuts: number[]): string[] {
  const p = new SnapshotParser('split.heapsnapshot');
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    p.write(bytes.subarray(from, cut));
    from = cut;
  }
  const parsed = p.close();
  const out: string[] = [];
  for (let i = 0; i < parsed.strings.count; i++) out.push(parsed.strings.get(i));
  return out;
}

test('strings come out whole wherever the file is split, raw UTF-8 and escapes alike', () => {
  const tricky = [
    'caf\u00e9',
    '\u4e2d\u6587',
    'emoji \ud83d\ude00!',
    'quote " backslash \\ tab \t nl \n',
    'ctl \u0001',
    'lone \ud800 surrogate',
  ];
  const text = buildSnapshot([{ type: 'synthetic', edges: [{ to: 1 }] }, { name: 'x' }], tricky);
  // Variant 1: V8 style, non-ASCII as \u escapes (JSON.stringify of the builder escapes only
  // controls, so force escapes for everything above 0x7e).
  const escaped = text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  for (const variant of [text, escaped]) {
    const bytes = Buffer.from(variant, 'utf8');
    const expected = (JSON.parse(variant).strings as string[]).map((s) => Buffer.from(s, 'utf8').toString('utf8'));
    const start = bytes.indexOf('"strings"');
    for (let cut = start; cut < bytes.length; cut++) {
      assert.deepEqual(parseSplit(bytes, [cut]), expected, `split at byte ${cut}`);
    }
    // And one byte at a time.
    const everyByte = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    assert.deepEqual(parseSplit(bytes, everyByte), expected);
  }
});

test('sections in an unusual order and unknown sections are handled', () => {
  const text = buildSnapshot([{ type: 'synthetic', edges: [{ to: 1 }] }, { name: 'x' }]);
  const obj = JSON.parse(text);
  const reordered = `{"strings":${JSON.stringify(obj.strings)},"future_section":{"a":[1,2,{"b":"}]"}]},"edges":${JSON.stringify(obj.edges)},"snapshot":${JSON.stringify(obj.snapshot)},"nodes":${JSON.stringify(obj.nodes)},"extra":"text, with ] and }"}`;
  const p = new SnapshotParser('r');
  p.write(Buffer.from(reordered));
  const parsed = p.close();
  assert.equal(parsed.nodes.length, obj.nodes.length);
  assert.equal(parsed.strings.get(parsed.strings.count - 1), obj.strings.at(-1));
});

test('format errors name the file and the exact byte offset', async () => {
  const d = tempDir();
  const good = buildSnapshot([{ type: 'synthetic', edges: [{ to: 1 }] }, { name: 'x', edges: [{ to: 2 }] }, { name: 'y' }]);
  const cases: [string, string, RegExp, (text: string) => number][] = [
    ['empty', '', /empty/, () => 0],
    ['not-json', 'hello', /not JSON/, () => 0],
    ['truncated', good.slice(0, good.indexOf('"edges"') + 12), /ends early, inside the "edges" array/, (t) => t.length],
    ['letter-in-nodes', good.replace('"nodes":[9', '"nodes":[x'), /expected a number in "nodes"/, (t) => t.indexOf('"nodes":[') + 9],
    ['bad-type', good.replace('"nodes":[9', '"nodes":[99'), /unknown type 99/, (t) => t.indexOf('"nodes":[') + 9],
    ['bad-layout', good.replace('"self_size"', '"selfsize"'), /unexpected snapshot layout.*self_size/, (t) => t.indexOf('{"meta"')],
    [
      'bad-edge-target',
      good.replace(/"edges":\[(\d+),(\d+),7/, '"edges":[$1,$2,8'),
      /points to 8, which is not a node/,
      (t) => t.indexOf('"edges":[') + 13,
    ],
  ];
  for (const [name, text, message, offsetOf] of cases) {
    const file = join(d, `${name}.heapsnapshot`);
    writeFileSync(file, text);
    await assert.rejects(
      loadSnapshot(file),
      (err: unknown) => {
        assert.ok(err instanceof SnapshotFormatError, `${name}: ${String(err)}`);
        assert.match(err.message, message, name);
        assert.ok(err.message.startsWith(file), name);
        assert.equal(err.offset, offsetOf(text), `${name}: ${err.message}`);
        return true;
      },
      name,
    );
  }
});
