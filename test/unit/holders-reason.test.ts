import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseHolders, noHoldersReason, type SuspectPaths } from '../../src/check/sample-paths.js';

const none = { viaAgent: 0, noPath: 0, onStack: 0 };
const suspect = (matched: number, unshown = none): SuspectPaths => ({
  matched,
  shape: null,
  externalBytes: 0,
  paths: [],
  unshown,
  byKind: null,
});

test('noHoldersReason: nothing attributed and attributed-but-every-path-left-out read differently, with the counts', () => {
  assert.equal(noHoldersReason(undefined), "V8's allocation tracker attributed no live object to this site");
  assert.equal(noHoldersReason(suspect(0)), "V8's allocation tracker attributed no live object to this site");
  assert.equal(
    noHoldersReason(suspect(12, { viaAgent: 9, noPath: 3, onStack: 0 })),
    "V8's allocation tracker attributed 12 live objects to this site, but none is held by a path of the program's own (9 reached only through leaktrace's own handle agent, 3 by no retainer path from a root)",
  );
  assert.equal(
    noHoldersReason(suspect(1, { viaAgent: 0, noPath: 1, onStack: 0 })),
    "V8's allocation tracker attributed 1 live object to this site, but none is held by a path of the program's own (1 by no retainer path from a root)",
  );
  assert.equal(
    noHoldersReason(suspect(40, { viaAgent: 0, noPath: 0, onStack: 40 })),
    "V8's allocation tracker attributed 40 live objects to this site, but none is held by a path of the program's own (40 only by the stack of the code running at the snapshot: in use for a moment, not kept)",
  );
});

const path = (hops: string[], objects: number) => ({ path: hops, shape: hops.join(' → '), objects, held: objects, variable: null });

test('chooseHolders: paths that run only through compiled code are left out, and a suspect with nothing else says so', () => {
  const viaCode = path(['(GC roots)', '(compiled code) fn', 'Array'], 40);
  const viaProgram = path(['(GC roots)', 'system / Context', 'cache', 'Array'], 25);
  const onlyCode = chooseHolders({ ...suspect(40), paths: [viaCode] }, 40);
  assert.deepEqual(onlyCode, { how: 'none', compiledOnly: true });
  const mixed = chooseHolders({ ...suspect(65), paths: [viaCode, viaProgram] }, 65);
  assert.equal(mixed.how, 'attributed');
  assert.deepEqual(mixed.how === 'attributed' && mixed.paths.map((p) => p.shape), [viaProgram.shape]);
  // No path at all is not "compiled code only": the two call for different remedies.
  assert.deepEqual(chooseHolders({ ...suspect(3), paths: [] }, 3), { how: 'none', compiledOnly: false });
  assert.deepEqual(chooseHolders(undefined, 3), { how: 'none', compiledOnly: false });
});
