import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { profileStacks, readHeapProfile } from '../../src/report/profile/sampling-profile.js';
import { fixture, REPO_ROOT, runCli, runProcess } from '../helpers/run-cli.js';

// Exports decoded back and checked against what leaktrace itself reads from the same input:
// a capture folder's sampling heap profile, and a snapshot taken with allocation tracking.
let dir: string;
const capture = (): string => join(dir, 'capture');
const snapshot = (): string => join(dir, 'example-3.heapsnapshot');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leaktrace-export-'));
  const [c, s] = await Promise.all([
    runProcess(process.execPath, ['--no-turbo-inlining', fixture('report', 'capture-program.mjs'), capture(), 'leaky']),
    runProcess(process.execPath, ['--track-heap-objects', '--no-turbo-inlining', join(REPO_ROOT, 'examples', 'leaky-snapshots.cjs')], {
      cwd: dir,
    }),
  ]);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(s.code, 0, s.stderr);
});

after(() => rmSync(dir, { recursive: true, force: true }));

interface Decoded {
  types: string[];
  totals: number[];
  strings: string[];
  /** Each sample's frames, leaf first, as `function file:line`. */
  stacks: { frames: string[]; value: number[] }[];
  period: number;
}

function decode(file: string): Decoded {
  const p = Profile.decode(gunzipSync(readFileSync(file)));
  const s = p.stringTable.strings;
  const fn = new Map(p.function.map((f) => [Number(f.id), f]));
  const loc = new Map(p.location.map((l) => [Number(l.id), l]));
  const types = p.sampleType.map((t) => s[Number(t.type)]);
  const totals = types.map((_t, i) => p.sample.reduce((sum, x) => sum + Number(x.value[i]), 0));
  const stacks = p.sample.map((x) => ({
    frames: x.locationId.map((id) => {
      const line = loc.get(Number(id))!.line[0];
      const f = fn.get(Number(line.functionId))!;
      return `${s[Number(f.name)]} ${s[Number(f.filename)]}:${Number(line.line)}`;
    }),
    value: x.value.map(Number),
  }));
  return { types, totals, strings: s, stacks, period: Number(p.period) };
}

test('pprof of a capture: inuse totals equal the sampling profile, the leaking function on its stacks', async () => {
  const out = join(dir, 'capture.pb.gz');
  const r = await runCli(['export', capture(), '--format', 'pprof', '-o', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const d = decode(out);
  assert.deepEqual(d.types, ['inuse_objects', 'inuse_space']);
  assert.equal(d.period, 1024);
  const profile = profileStacks(readHeapProfile(join(capture(), 'profiles', '001.heapprofile')), 1024);
  assert.ok(Math.abs(d.totals[1] - profile.totalBytes) <= d.stacks.length, `${d.totals[1]} vs ${profile.totalBytes}`);
  assert.ok(Math.abs(d.totals[0] - profile.totalCount) <= d.stacks.length);
  assert.equal(JSON.parse(r.stdout).inuse.bytes, profile.totalBytes);
  // The biggest sample is the leak: its stack goes through retainSession in the workload.
  const biggest = d.stacks.sort((a, b) => b.value[1] - a.value[1])[0];
  assert.ok(
    biggest.frames.some((f) => /^retainSession .*capture-workload\.cjs:\d+$/.test(f)),
    biggest.frames.join('\n'),
  );
});

test('pprof of a snapshot with allocation stacks: inuse equals `stat --by site`, alloc_* at least inuse', async () => {
  const out = join(dir, 'snap.pb.gz');
  const r = await runCli(['export', snapshot(), '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const d = decode(out);
  assert.deepEqual(d.types, ['inuse_objects', 'inuse_space', 'alloc_objects', 'alloc_space']);
  const stat = JSON.parse((await runCli(['stat', snapshot(), '--by', 'site', '--json'])).stdout) as {
    rows: { key: string; count: number; selfSize: number }[];
  };
  const withStack = stat.rows.filter((row) => !row.key.startsWith('(no allocation stack'));
  assert.equal(
    d.totals[1],
    withStack.reduce((t, row) => t + row.selfSize, 0),
  );
  assert.equal(
    d.totals[0],
    withStack.reduce((t, row) => t + row.count, 0),
  );
  assert.ok(d.totals[3] >= d.totals[1] && d.totals[2] >= d.totals[0]);
  const leak = d.stacks.filter((x) => x.frames[0].startsWith('handleRequest ')).reduce((t, x) => t + x.value[0], 0);
  assert.ok(leak >= 10_000, `${leak} live objects allocated by handleRequest`);
});

test('heapprofile: a capture’s profile as it was; a snapshot’s stacks as a tree with the same totals', async () => {
  const fromCapture = join(dir, 'capture.heapprofile');
  assert.equal((await runCli(['export', capture(), '--format', 'heapprofile', '-o', fromCapture])).code, 0);
  assert.deepEqual(
    JSON.parse(readFileSync(fromCapture, 'utf8')),
    JSON.parse(readFileSync(join(capture(), 'profiles', '001.heapprofile'), 'utf8')),
  );
  const fromSnap = join(dir, 'snap.heapprofile');
  const r = await runCli(['export', snapshot(), '--format', 'heapprofile', '-o', fromSnap, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const p = readHeapProfile(fromSnap);
  assert.equal(p.head.callFrame.functionName, '(root)');
  assert.equal(profileStacks(p, null).totalBytes, JSON.parse(r.stdout).inuse.bytes);
  // What the pprof export of the same snapshot says is live.
  assert.equal(profileStacks(p, null).totalBytes, decode(join(dir, 'snap.pb.gz')).totals[1]);
});

test('--anonymize: no path or name of the user’s code left, hashes stable, sizes kept', async () => {
  const a = join(dir, 'anon-1.pb.gz');
  const b = join(dir, 'anon-2.pb.gz');
  assert.equal((await runCli(['export', capture(), '-o', a, '--anonymize'])).code, 0);
  assert.equal((await runCli(['export', capture(), '-o', b, '--anonymize'])).code, 0);
  const plain = decode(join(dir, 'capture.pb.gz'));
  const anon = decode(a);
  const text = anon.strings.join('\n');
  assert.ok(!text.includes(REPO_ROOT), 'a path of the user’s code survived');
  assert.ok(!text.includes(dir), 'the capture folder’s path survived');
  assert.ok(!/retainSession|makeGarbage|capture-workload/.test(text), 'a name of the user’s code survived');
  assert.match(text, /^fn_[0-9a-f]{12}$/m);
  assert.match(text, /^app\/[0-9a-f]{12}\.cjs$/m);
  assert.deepEqual(anon.totals, plain.totals);
  assert.deepEqual(anon.stacks.map((s) => s.frames.length).sort(), plain.stacks.map((s) => s.frames.length).sort());
  assert.deepEqual(decode(b).strings, anon.strings, 'the same input gives the same hashes');
});

test('bad input: one line and exit 2', async () => {
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const noTraces = join(dir, 'plain.heapsnapshot');
  const w = await runProcess(process.execPath, ['-e', `require('v8').writeHeapSnapshot(${JSON.stringify(noTraces)})`]);
  assert.equal(w.code, 0, w.stderr);
  for (const [args, pattern] of [
    [['export', empty], /not a capture folder/],
    [['export', noTraces], /no allocation stacks/],
    [['export', capture(), '--format', 'svg'], /--format/],
    [['export', join(dir, 'nope')], /no such file/],
  ] as const) {
    const r = await runCli([...args, '-o', join(dir, 'x.out')]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
