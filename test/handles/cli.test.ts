import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, fixture, runCli } from '../helpers/run-cli.js';
import { markerLine } from '../helpers/handles.js';
import { LiveProcess } from '../helpers/live-process.js';

const LEAKY = fixture('handles', 'leaky.js');
const GROWER = fixture('handles', 'grower.js');

interface Group {
  type: string;
  count: number;
  keepingAlive: number;
  userFrame: { functionName: string; file: string; line: number } | null;
}
interface RunDocument {
  exit: { code: number | null; signal: string | null };
  stoppedByLeaktrace: boolean;
  capture: string;
  diffs: { report: { groups: Group[] } }[];
  snapshots: unknown[];
  final: { when: string; shown: number; groups: Group[]; filtered: { types: string[] }[] };
  leak: boolean;
}

function findGroup(groups: Group[], type: string, file: string, kind: string): Group | undefined {
  const line = markerLine(file, kind);
  return groups.find((g) => g.type === type && g.userFrame?.file === file && g.userFrame.line === line);
}

test('handles -- leaky program: what is open at exit, with stacks; --fail-on-leak exits 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'leaktrace-cli-'));
  try {
    const capture = join(dir, 'capture');
    const r = await runCli(['handles', '--fail-on-leak', '--json', '--capture', capture, '--', LEAKY, 'interval,fd,watch,child', 'exit']);
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as RunDocument;
    assert.equal(doc.exit.code, 0, "the program's own exit code is reported");
    assert.equal(doc.final.when, 'exit');
    assert.equal(doc.leak, true);
    const interval = findGroup(doc.final.groups, 'Timeout', LEAKY, 'interval');
    assert.ok(interval, JSON.stringify(doc.final.groups.map((g) => [g.type, g.userFrame])));
    assert.equal(interval.userFrame?.functionName, 'leakInterval');
    assert.equal(interval.keepingAlive, 1);
    assert.ok(findGroup(doc.final.groups, 'fd', LEAKY, 'fd'));
    assert.ok(findGroup(doc.final.groups, 'FSEVENTWRAP', LEAKY, 'watch'));
    assert.ok(findGroup(doc.final.groups, 'PROCESSWRAP', LEAKY, 'child'));
    // The capture folder is readable later: `handles list <dir>` shows the same.
    assert.ok(existsSync(join(capture, 'handles-report.json')));
    const later = await runCli(['handles', 'list', capture, '--json']);
    assert.equal(later.code, 0, later.stderr);
    const listed = JSON.parse(later.stdout) as { report: { groups: Group[] } };
    assert.ok(findGroup(listed.report.groups, 'fd', LEAKY, 'fd'));
    // The human view names the function and line.
    const human = await runCli(['handles', '--', LEAKY, 'fd', 'exit']);
    assert.equal(human.code, 0, 'without --fail-on-leak the exit code is 0');
    assert.match(human.stdout, new RegExp(`leakFd \\(${LEAKY.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${markerLine(LEAKY, 'fd')}:\\d+\\)`));
    assert.match(human.stdout, /program exited with code 0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('handles -- clean program: nothing outstanding, exit 0 even with --fail-on-leak', async () => {
  const r = await runCli(['handles', '--fail-on-leak', '--json', '--', fixture('handles', 'clean.js')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const doc = JSON.parse(r.stdout) as RunDocument;
  assert.equal(doc.final.shown, 0, JSON.stringify(doc.final.groups));
  assert.equal(doc.exit.code, 0);
});

test('a program that will not exit: Ctrl-C prints what keeps it alive, then stops it', async () => {
  const p = new LiveProcess(process.execPath, [CLI, 'handles', '--json', '--', LEAKY, 'interval,socket', 'stay'], { stdin: 'ignore' });
  try {
    await p.waitFor(/ready/, 'stderr'); // the program's stdout goes to stderr with --json
    p.kill('SIGINT');
    const { code } = await p.done;
    assert.equal(code, 0);
    const doc = JSON.parse(p.stdout) as RunDocument;
    assert.equal(doc.final.when, 'stopped');
    assert.equal(doc.stoppedByLeaktrace, true);
    assert.equal(doc.exit.signal, 'SIGTERM');
    const interval = findGroup(doc.final.groups, 'Timeout', LEAKY, 'interval');
    assert.equal(interval?.keepingAlive, 1);
    const socket = findGroup(doc.final.groups, 'TCPWRAP', LEAKY, 'socket');
    assert.equal(socket?.keepingAlive, 1);
  } finally {
    p.kill();
  }
});

test('snapshot and diff: from another terminal, by signal, and on a schedule', async () => {
  const p = new LiveProcess(process.execPath, [CLI, 'handles', '--snapshot-after', '200ms', '--diff-every', '400ms', '--', GROWER], {
    stdin: 'ignore',
  });
  try {
    const pid = Number((await p.waitFor(/\(pid (\d+)\)/, 'stderr'))[1]);
    await p.waitFor(/ready/);
    // Scheduled: a snapshot, then diffs that find the intervals opened since.
    await p.waitFor(/diff \(every 400ms\)[^\n]*: [1-9]\d* handles? in 1 group/);
    // Another terminal: snapshot, then a diff that fails CI because the program keeps leaking.
    const snap = await runCli(['handles', 'snapshot', String(pid), '--json']);
    assert.equal(snap.code, 0, snap.stderr);
    await new Promise((r) => setTimeout(r, 450));
    const diff = await runCli(['handles', 'diff', String(pid), '--fail-on-leak', '--json']);
    assert.equal(diff.code, 1, diff.stderr);
    const d = JSON.parse(diff.stdout) as { snapshot: { id: number }; report: { groups: Group[] } };
    assert.equal(d.snapshot.id, (JSON.parse(snap.stdout) as { snapshot: { id: number } }).snapshot.id);
    const grow = findGroup(d.report.groups, 'Timeout', GROWER, 'grow');
    assert.ok(grow && grow.count >= 2, JSON.stringify(d.report.groups));
    assert.equal(d.report.groups.length, 1, 'the timeouts that fired are not outstanding');
    // A signal to leaktrace: diff against the latest snapshot.
    p.child.kill('SIGUSR2');
    await p.waitFor(/diff \(signal\)/);
    p.kill('SIGINT');
    await p.done;
  } finally {
    p.kill();
  }
});

test('handles snapshot <pid> with no agent there, or no such process: one line, exit 2', async () => {
  const r = await runCli(['handles', 'diff', String(process.pid)]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^leaktrace handles: process \d+ has no leaktrace agent listening/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  const dead = await runCli(['handles', 'snapshot', '4194000']);
  assert.equal(dead.code, 2);
  assert.match(dead.stderr, /no process 4194000/);
  const usage = await runCli(['handles', 'frobnicate', '1']);
  assert.equal(usage.code, 2);
});
