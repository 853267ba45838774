import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame } from '../../src/model/frame.js';
import { StackTable } from '../../src/model/stack-table.js';

const frame = (functionName: string, line: number): Frame => ({ functionName, file: '/app/x.js', line, column: 1 });

test('interning the same stack twice gives the same id; a different one a new id', () => {
  const t = new StackTable();
  const a = t.internInnerFirst([frame('leaf', 3), frame('mid', 2), frame('main', 1)]);
  const b = t.internInnerFirst([frame('leaf', 3), frame('mid', 2), frame('main', 1)]);
  const c = t.internInnerFirst([frame('other', 4), frame('mid', 2), frame('main', 1)]);
  assert.equal(a, b);
  assert.notEqual(a, c);
  // Shared prefix (main, mid) is stored once: 4 trie nodes for the two stacks.
  assert.equal(t.size, 4);
  assert.deepEqual(
    t.framesOf(c).map((f) => f.functionName),
    ['other', 'mid', 'main'],
  );
  assert.equal(t.parent(a), t.parent(c));
});

test('ids never wrap past 2^16: 200,000 distinct stacks keep distinct ids and round-trip', () => {
  const t = new StackTable();
  const n = 200_000;
  const ids = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    // Two-frame stacks whose leaf differs: each is a distinct stack.
    ids[i] = t.internInnerFirst([frame(`f${i}`, i + 1), frame('main', 1)]);
  }
  const seen = new Set<number>();
  for (const id of ids) seen.add(id);
  assert.equal(seen.size, n, 'every stack has its own id');
  assert.ok(ids.reduce((a, b) => Math.max(a, b), 0) > 0xffff, 'ids go past 65,535');
  // Stacks past the 16-bit boundary resolve to their own frames, not to those of id & 0xffff.
  for (const i of [65_535, 65_536, 65_537, 131_072, n - 1]) {
    const frames = t.framesOf(ids[i]);
    assert.equal(frames[0].functionName, `f${i}`);
    assert.equal(frames[0].line, i + 1);
  }
  // Re-interning after growth and rehashing still finds the same ids.
  assert.equal(t.internInnerFirst([frame('f70000', 70_001), frame('main', 1)]), ids[70_000]);
});

test('counts and bytes accumulate per stack', () => {
  const t = new StackTable();
  const s = t.internOuterFirst([frame('main', 1), frame('alloc', 9)]);
  t.record(s, 1, 100);
  t.record(s, 2, 50);
  assert.equal(t.countOf(s), 3);
  assert.equal(t.bytesOf(s), 150);
  assert.deepEqual(t.recordedStacks(), [s]);
  assert.throws(() => t.countOf(999), RangeError);
});
