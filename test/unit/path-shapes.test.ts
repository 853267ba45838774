import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextShape, type ShapeState } from '../../src/check/sample-paths.js';

/** The shape of a path of hops, as votePaths groups them. */
function shapeOf(hops: readonly string[]): string {
  let state: ShapeState = { words: [], run: null };
  for (const hop of hops) state = nextShape(state, hop);
  return state.words.join(' ');
}

test('path shapes: a linked list is one shape at every depth, a run of one hop folded', () => {
  const list = (depth: number): string[] => [
    '(context) head → Node',
    ...Array.from({ length: depth }, () => '.next → Node'),
    '.value → Object',
  ];
  assert.equal(shapeOf(list(2)), '(context) head → Node .next → Node ×* .value → Object');
  for (const depth of [3, 10, 1000]) assert.equal(shapeOf(list(depth)), shapeOf(list(2)));
  // One hop is no run; it stays as it is, and the unfolded paths differ.
  assert.equal(shapeOf(list(1)), '(context) head → Node .next → Node .value → Object');
  assert.equal(shapeOf(list(0)), '(context) head → Node .value → Object');
});

test('path shapes: a chain whose links hold one another through several objects is one shape at every depth', () => {
  // A config kept by the next one through a shared closure context (the "unused closure
  // variable" leak): current → describe → its context → previous → describe → …
  const cycle = ['.describe → (closure)', '(internal) context → system / Context', '(context) previous → Object'];
  const chain = (depth: number): string[] => [
    '(context) current → Object',
    ...Array.from({ length: depth }, () => cycle).flat(),
    '.table → Array',
  ];
  const deep = shapeOf(chain(2));
  assert.equal(
    deep,
    '(context) current → Object .describe → (closure) (internal) context → system / Context (context) previous → Object ×* .table → Array',
  );
  for (const depth of [3, 7, 200]) assert.equal(shapeOf(chain(depth)), deep);
  assert.notEqual(shapeOf(chain(1)), deep);
  // Leaving a cycle part way shows the part followed: a path that branches off inside a link.
  const partial = shapeOf(['(context) current → Object', ...cycle, ...cycle, ...cycle, cycle[0], '.name → String']);
  assert.equal(partial, `${deep.replace(/ \.table → Array$/, '')} .describe → (closure) .name → String`);
});

test('path shapes: hops that differ are never folded', () => {
  const hops = ['(context) a → Object', '.b → Object', '.c → Object', '.b → Object', '.d → Array', '[] → Object'];
  assert.equal(shapeOf(hops), hops.join(' '));
});
