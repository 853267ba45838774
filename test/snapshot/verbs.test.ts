import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fixture, runCli } from '../helpers/run-cli.js';
import { writeSnapshots } from '../helpers/write-snapshot.js';

// One program, run once with allocation tracking: a.heapsnapshot is the baseline, b has 1,000
// Sessions more (allocated in openSession, objects.js line 16), c another 1,000.
let dir: string;
const snap = (name: string): string => join(dir, `${name}.heapsnapshot`);
before(async () => {
  dir = await writeSnapshots(fixture('snapshot', 'objects.js'), { flags: ['--track-heap-objects'] });
});

async function json<T>(args: string[]): Promise<T> {
  const r = await runCli([...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

test('summary splits the V8 heap from external buffers and ranks constructors', async () => {
  const s = await json<{
    nodeCount: number;
    memory: { jsHeap: number; arrayBufferBackingStores: number };
    topConstructors: { key: string; count: number }[];
    allocationTraces: { present: boolean };
  }>(['summary', snap('c'), '--top', '40']);
  assert.ok(s.nodeCount > 10_000);
  // The 3 MiB Buffer lives outside the V8 heap.
  assert.ok(s.memory.arrayBufferBackingStores >= 3 * 1024 * 1024, String(s.memory.arrayBufferBackingStores));
  assert.ok(s.memory.jsHeap < s.memory.jsHeap + s.memory.arrayBufferBackingStores);
  const session = s.topConstructors.find((r) => r.key === 'Session');
  assert.equal(session?.count, 2000);
  assert.equal(s.allocationTraces.present, true);
  const human = await runCli(['summary', snap('c')]);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /external buffers\s+3\.\d+ MiB/);
});

test('stat groups by constructor, size, site and package, with retained sizes', async () => {
  const byCtor = await json<{ rows: { key: string; count: number; selfSize: number; retainedSize: number }[] }>([
    'stat',
    snap('c'),
    '--by',
    'constructor',
    '--top',
    '200',
  ]);
  const session = byCtor.rows.find((r) => r.key === 'Session')!;
  assert.equal(session.count, 2000);
  assert.ok(session.retainedSize >= session.selfSize);
  const bySite = await json<{ rows: { key: string; count: number; site: { functionName: string; line: number } | null }[] }>([
    'stat',
    snap('c'),
    '--by',
    'site',
    '--top',
    '200',
  ]);
  const open = bySite.rows.find((r) => r.site?.functionName === 'openSession');
  assert.ok(open, 'openSession is an allocation site');
  assert.equal(open.site!.line, 16);
  assert.ok(open.count >= 2000);
  // The Buffer's 3 MiB contents are attributed to the code that allocated the Buffer.
  const top = bySite.rows.find((r) => r.key.includes('objects.js:1:'));
  assert.ok(top, 'top-level code of objects.js is a site');
  const byPkg = await json<{ rows: { key: string }[] }>(['stat', snap('c'), '--by', 'package']);
  assert.ok(byPkg.rows.some((r) => r.key === '(your code)'));
  const bySize = await json<{ rows: { key: string; count: number }[] }>(['stat', snap('c'), '--by', 'size', '--top', '5']);
  assert.equal(bySize.rows.length, 5);
});

test('list filters like !heap -flt; show gives stack, path, dominator and contents', async () => {
  const list = await json<{ matched: number; rows: { id: number; className: string; site: string }[] }>([
    'list',
    snap('c'),
    '--constructor',
    'Session',
    '--top',
    '3',
  ]);
  assert.equal(list.matched, 2000);
  assert.equal(list.rows.length, 3);
  assert.match(list.rows[0].site, /openSession/);
  const big = await json<{ rows: { className: string; selfSize: number }[] }>(['list', snap('c'), '--min-size', '3MB', '--type', 'native']);
  assert.equal(big.rows[0].selfSize, 3 * 1024 * 1024);
  const id = list.rows[0].id;
  const d = await json<{
    object: { id: number; className: string };
    allocationStack: { functionName: string; line: number }[];
    retainerPath: { edge: string | null; className: string }[];
    dominator: { className: string };
    contents: { edge: string; value: string }[];
  }>(['show', snap('c'), `@${id}`]);
  assert.equal(d.object.className, 'Session');
  assert.equal(d.allocationStack[0].functionName, 'openSession');
  assert.equal(d.retainerPath.at(-1)!.className, 'Session');
  assert.ok(
    d.retainerPath.some((step) => step.edge === 'sessions'),
    'path passes through the `sessions` variable',
  );
  assert.equal(d.dominator.className, 'Array');
  const user = d.contents.find((c) => c.edge === 'user');
  assert.match(user!.value, /^"user-/);
  const human = await runCli(['show', snap('c'), `@${id}`]);
  assert.match(human.stdout, /Shortest retainer path/);
  assert.match(human.stdout, /at openSession \(.*objects\.js:16:\d+\)/);
});

test('show prints numbers recorded with exposeNumericValues', async () => {
  const maps = await json<{ rows: { id: number }[] }>(['list', snap('a'), '--constructor', 'Map']);
  let found = false;
  for (const row of maps.rows) {
    const d = await json<{ contents: { edge: string; value: string }[] }>(['show', snap('a'), `@${row.id}`, '--edges', '500']);
    // Map entries live in its table; look one level down for the 3.25 heap number.
    const table = d.contents.find((c) => c.edge === 'table');
    if (!table) continue;
    const t = await json<{ contents: { value: string }[] }>(['show', snap('a'), table.value.replace(/^.* /, ''), '--edges', '500']);
    if (t.contents.some((c) => c.value === '3.25')) found = true;
  }
  assert.ok(found, 'the value 3.25 is shown');
});

test('diff of two snapshots counts new objects per class; of three, finds the leak cluster', async () => {
  const d = await json<{ rows: { className: string; newCount: number; deletedCount: number; newRetainedSize: number }[] }>([
    'diff',
    snap('a'),
    snap('b'),
    '--top',
    '100',
  ]);
  const session = d.rows.find((r) => r.className === 'Session')!;
  assert.equal(session.newCount, 1000);
  assert.equal(session.deletedCount, 0);
  assert.ok(session.newRetainedSize > 0);
  const r = await runCli(['diff', snap('a'), snap('b'), snap('c'), '--json']);
  assert.equal(r.code, 1, 'leak candidates → exit code 1');
  const c = JSON.parse(r.stdout) as {
    byRetainerPath: { count: number; className: string; site: string; samplePath: string[] }[];
    bySite: { key: string }[];
  };
  assert.equal(c.byRetainerPath[0].className, 'Session');
  assert.equal(c.byRetainerPath[0].count, 1000);
  assert.match(c.byRetainerPath[0].site, /openSession/);
  assert.ok(c.byRetainerPath[0].samplePath.some((p) => p.includes('sessions')));
  assert.match(c.bySite[0].key, /openSession .*objects\.js:16/);
  // Nothing leaks between identical snapshots.
  const none = await runCli(['diff', snap('c'), snap('c'), snap('c')]);
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /No leak candidates/);
});

test('usage and input errors: one line on stderr, exit 2, no stack trace', async () => {
  const cases: [string[], RegExp][] = [
    [['summary'], /missing argument/],
    [['summary', '/no/such/file.heapsnapshot'], /no\/such\/file.heapsnapshot: cannot read \(ENOENT\)/],
    [['stat', snap('a'), '--by', 'color'], /--by must be one of/],
    [['show', snap('a'), '@999999999'], /no object with id @999999999/],
    [['show', snap('a'), 'abc'], /expected an object id/],
    [['list', snap('a'), '--min-size', 'huge'], /--min-size expects a size/],
    [['summary', snap('a'), '--bogus'], /Unknown option '--bogus'/],
    [['nosuchcommand'], /unknown command/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${args.join(' ')} printed a stack trace`);
  }
});
