// `run` on TypeScript: through tsx, and as Node 24 runs it itself (split from run.test.ts).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { fixture, runCli } from '../helpers/run-cli.js';
import { nodeBinary } from '../helpers/node-versions.js';
import { lineOf } from '../helpers/source-line.js';
import { FAST } from '../helpers/run-fixture.js';
import { tempDir } from '../helpers/write-snapshot.js';

test('run on a TypeScript service run through tsx: the leak, its caller and the variable that keeps it are named in the .ts sources', async () => {
  // The code tsx compiled in memory, and its source maps, are asked of the program before it ends.
  const project = fixture('ts-service');
  const r = await runCli(
    [
      'run',
      '--out',
      join(tempDir(), 'cap'),
      ...FAST,
      '--duration',
      '14s',
      '--json',
      '--',
      'node',
      '--import',
      'tsx',
      join(project, 'src', 'server.ts'),
    ],
    {
      cwd: project,
      env: { SECONDS_TO_RUN: '60' },
      timeoutMs: 120_000,
    },
  );
  assert.equal(r.code, 1, r.stderr);
  const leak = JSON.parse(r.stdout).leaks[0];
  const src = (name: string): string => join(project, 'src', name);
  assert.deepEqual(
    [leak.userFrame.functionName, leak.userFrame.file, leak.userFrame.line],
    ['placeOrder', src('orders.ts'), lineOf(src('orders.ts'), 'const order: Order =')],
  );
  assert.equal(leak.userFrame.generated.file, src('orders.ts'));
  assert.notEqual(leak.userFrame.generated.line, leak.userFrame.line);
  // The frame below your code's: the stack may begin above it (once in CI it began with a
  // frame made for a call on that line, so the caller was the third frame).
  const own = leak.stack.findIndex(
    (f: { functionName: string; file: string }) => f.functionName === 'placeOrder' && f.file === src('orders.ts'),
  );
  assert.ok(own >= 0, JSON.stringify(leak.stack));
  const caller = leak.stack[own + 1];
  assert.deepEqual(
    [caller.functionName, caller.file, caller.line],
    ['tick', src('server.ts'), lineOf(src('server.ts'), 'placeOrder(next++)')],
    JSON.stringify(leak.stack.slice(0, 4)),
  );
  assert.deepEqual([leak.keptIn?.variable, leak.keptIn?.line], ['history', lineOf(src('orders.ts'), 'const history')], leak.evidence);
});

test('run on TypeScript that Node 24 runs itself (types stripped, no map): the leak found at its statement in the .ts file, read in the code V8 ran', async (t) => {
  const node = nodeBinary(24);
  if ('skip' in node) return t.skip(node.skip);
  const project = fixture('ts-native');
  const r = await runCli(
    ['run', '--out', join(tempDir(), 'cap'), ...FAST, '--duration', '14s', '--json', '--', node.path, join(project, 'app.ts')],
    {
      cwd: project,
      env: { SECONDS_TO_RUN: '60' },
      timeoutMs: 120_000,
    },
  );
  assert.equal(r.code, 1, r.stderr);
  const leak = JSON.parse(r.stdout).leaks[0];
  const orders = join(project, 'orders.ts');
  // The statement, not the function's first line: acorn cannot read the .ts file, but it
  // reads the code V8 ran (the types blanked out, every position kept).
  assert.deepEqual(
    [leak.userFrame.functionName, leak.userFrame.file, leak.userFrame.line],
    ['placeOrder', pathToFileURL(orders).href, lineOf(orders, 'const order: Order =')],
  );
  assert.equal(leak.userFrame.generated, undefined, 'no source map: the positions are the file’s own');
  assert.deepEqual([leak.keptIn?.variable, leak.keptIn?.line], ['history', lineOf(orders, 'const history')]);
});
