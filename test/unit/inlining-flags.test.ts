import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeOptionsOf, userSetsInlining } from '../../src/capture/live/inlining.js';

test('nodeOptionsOf: only the options before the script, values of -r/--import included', () => {
  assert.deepEqual(nodeOptionsOf(['--inspect', '-r', 'ts-node/register', 'app.js', '--no-turbo-inlining']), [
    '--inspect',
    '-r',
    'ts-node/register',
  ]);
  assert.deepEqual(nodeOptionsOf(['app.js', '--max-opt=1']), []);
  assert.deepEqual(nodeOptionsOf(['--import', 'tsx', '--', 'app.js']), ['--import', 'tsx']);
});

test('userSetsInlining: the program’s own inlining or optimization flags win, and are named', () => {
  assert.equal(userSetsInlining(['--turbo-inlining', 'app.js']), '--turbo-inlining');
  assert.equal(userSetsInlining(['--max-opt=1', 'app.js']), '--max-opt=1');
  assert.equal(userSetsInlining(['--jitless', 'app.js']), '--jitless');
  assert.equal(userSetsInlining(['--max-inlined-bytecode-size=0', 'app.js']), '--max-inlined-bytecode-size=0');
  // A program argument is the program's, not node's.
  assert.equal(userSetsInlining(['app.js', '--turbo-inlining']), null);
  assert.equal(userSetsInlining(['-r', 'inline-hook', 'app.js']), null);
  assert.equal(userSetsInlining(['--inspect', 'app.js']), null);
});
