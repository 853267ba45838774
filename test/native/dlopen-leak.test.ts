import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { buildC, lineOf, tempDir } from '../helpers/native-build.js';
import { fixture, runCli, runProcess } from '../helpers/run-cli.js';

// host.c loads plugin.c's library with dlopen. In `leak` mode the plug-in leaks one 248-byte
// record per call, the host leaks a strdup'd string, a file and a socket; `clean` frees all.
const N = 500;
let dir: string;
let host: string;
let plugin: string;
const pluginSrc = fixture('native', 'plugin.c');
const hostSrc = fixture('native', 'host.c');

interface Frame {
  functionName: string;
  file: string;
  line: number;
  module: string;
  origin?: string;
}
interface Leak {
  kind: string;
  resource: string | null;
  module: string;
  probability: number;
  site: Frame | null;
  userFrame: Frame | null;
  stack: Frame[];
  outstanding: { count: number; bytes: number };
  evidence: string;
}
interface Report {
  exit: { code: number | null };
  leaks: Leak[];
  process: { exited: boolean };
}

let leakRun: { code: number | null; report: Report; capture: string };

before(async () => {
  dir = tempDir('native');
  plugin = buildC(join(dir, 'libplugin.so'), [pluginSrc], ['-O1', '-shared', '-fPIC']);
  host = buildC(join(dir, 'host'), [hostSrc], ['-O1', '-ldl']);
  const capture = join(dir, 'leak');
  const r = await runCli(['native', '--json', '-o', capture, '--', host, 'leak', plugin, String(N)]);
  leakRun = { code: r.code, report: JSON.parse(r.stdout) as Report, capture };
});

test('a leak in a dlopen-ed library is named by function, module and line', () => {
  assert.equal(leakRun.code, 1);
  assert.equal(leakRun.report.exit.code, 3, 'the program’s own exit code is reported');
  const leak = leakRun.report.leaks.find((l) => l.kind === 'native' && l.module === 'libplugin.so');
  assert.ok(leak, JSON.stringify(leakRun.report.leaks.map((l) => l.site)));
  assert.equal(leak.site?.functionName, 'plugin_make_record');
  assert.ok(leak.site?.file.endsWith('plugin.c'), leak.site?.file);
  assert.equal(leak.site?.line, lineOf(pluginSrc, 'LEAK-LINE'));
  assert.equal(leak.outstanding.count, N);
  assert.equal(leak.outstanding.bytes, N * 248);
  // The stack runs from the plug-in back into the host's main.
  const names = leak.stack.map((f) => f.functionName);
  assert.deepEqual(names.slice(0, 3), ['plugin_make_record', 'plugin_process_leaky', 'main']);
  assert.ok(leak.stack[2].module.endsWith('/host'));
  assert.ok(leak.probability > 0.99);
  // The record the plug-in keeps and frees at unload is not a leak, and neither is stdout's buffer.
  assert.ok(!leakRun.report.leaks.some((l) => l.site?.functionName === 'plugin_init'));
  assert.ok(!leakRun.report.leaks.some((l) => l.stack.some((f) => /IO_file_doallocate/.test(f.functionName))));
});

test('leaked descriptors and the host’s own leak are found, with their lines', () => {
  const leaks = leakRun.report.leaks;
  const str = leaks.find((l) => l.site?.functionName === 'host_remember');
  assert.ok(str, 'strdup leak attributed to its caller, not to libc');
  assert.equal(str.site?.line, lineOf(hostSrc, 'HOST-LEAK-LINE'));
  assert.equal(str.module, 'host');
  const file = leaks.find((l) => l.resource === 'fd (file)');
  assert.ok(file);
  assert.equal(file.site?.functionName, 'host_open_log');
  assert.equal(file.site?.line, lineOf(hostSrc, 'FD-LEAK-LINE'));
  const socket = leaks.find((l) => l.resource === 'fd (socket)');
  assert.ok(socket);
  assert.equal(socket.site?.functionName, 'main');
  assert.equal(leaks.length, 4, JSON.stringify(leaks.map((l) => [l.resource, l.site?.functionName])));
});

test('the clean twin reports no leak and exits 0', async () => {
  const r = await runCli(['native', '--json', '-o', join(dir, 'clean'), '--', host, 'clean', plugin, String(N)]);
  assert.equal(r.code, 0, r.stdout);
  const report = JSON.parse(r.stdout) as Report;
  assert.deepEqual(report.leaks, []);
  assert.equal(report.exit.code, 3);
});

test('the tracked program behaves exactly as the plain one: output, exit code, errno', async () => {
  for (const mode of ['leak', 'clean']) {
    const plain = await runProcess(host, [mode, plugin, String(N)]);
    const tracked = await runCli(['native', '-o', join(dir, `same-${mode}`), '--', host, mode, plugin, String(N)]);
    // The program's stdout comes first; leaktrace's report follows it.
    assert.ok(tracked.stdout.startsWith(plain.stdout), `${tracked.stdout}\n---\n${plain.stdout}`);
    assert.match(plain.stdout, /open=-1 errno=2 malloc=null errno=12 close=-1 errno=9/);
    assert.match(tracked.stdout, /The program exited with code 3/);
    assert.equal(plain.code, 3);
  }
});

test('the !heap views read the native capture: summary, stat, list, show, diff', async () => {
  const cap = leakRun.capture;
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await runCli([...args, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as T;
  };
  const s = await json<{
    heap: { liveBlocks: number; liveBytes: number; peakBytes: number };
    byModule: { module: string; liveBlocks: number; share: number }[];
    descriptors: { open: number };
  }>(['summary', cap]);
  const mod = s.byModule.find((m) => m.module === 'libplugin.so');
  assert.equal(mod?.liveBlocks, N);
  assert.ok(mod!.share > 0.5);
  assert.equal(s.descriptors.open, 2);
  assert.ok(s.heap.peakBytes >= s.heap.liveBytes);

  const bySize = await json<{ rows: { key: string; count: number; share: number }[] }>(['stat', cap, '--by', 'size']);
  assert.equal(bySize.rows[0].key, '248');
  assert.equal(bySize.rows[0].count, N);
  const byModule = await json<{ rows: { key: string; count: number }[] }>(['stat', cap, '--by', 'module']);
  assert.equal(byModule.rows[0].key, 'libplugin.so');
  const bySite = await json<{ rows: { key: string; count: number; stack: Frame[] }[] }>(['stat', cap]);
  assert.match(bySite.rows[0].key, /^plugin_make_record \(.*plugin\.c:\d+\) \[libplugin\.so\]$/);
  const fds = await json<{ rows: { key: string; count: number }[] }>(['stat', cap, '--by', 'fd']);
  assert.deepEqual(fds.rows.map((r) => r.key.split(' — ')[0]).sort(), ['file', 'socket']);

  const list = await json<{ matched: number; rows: { address: string; size: number; site: string }[] }>([
    'list',
    cap,
    '--size',
    '248',
    '--top',
    '3',
  ]);
  assert.equal(list.matched, N);
  assert.equal(list.rows.length, 3);
  const inside = `0x${(parseInt(list.rows[1].address, 16) + 100).toString(16)}`;
  const show = await json<{ blocks: { start: string; size: number; offset: number; freedAtMs: number | null; stack: Frame[] }[] }>([
    'show',
    cap,
    inside,
  ]);
  const live = show.blocks.at(-1)!;
  assert.equal(live.start, list.rows[1].address);
  assert.equal(live.offset, 100);
  assert.equal(live.freedAtMs, null);
  assert.equal(live.stack[0].functionName, 'plugin_make_record');

  const diff = await json<{ rows: { site: string; delta: { count: number; bytes: number } }[] }>(['diff', cap, 'start', 'end']);
  assert.match(diff.rows[0].site, /^plugin_make_record/);
  assert.equal(diff.rows[0].delta.count, N);
  const human = await runCli(['stat', cap, '--by', 'size']);
  assert.match(human.stdout, /248 B\s+500\s+121 KiB/);
});

test('temporary allocations: the clean plug-in frees each record at once', async () => {
  const r = await runCli(['stat', join(dir, 'clean'), '--by', 'temporary', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = (JSON.parse(r.stdout) as { rows: { key: string; temporary: number; allocations: number }[] }).rows;
  const rec = rows.find((x) => x.key.startsWith('plugin_make_record'));
  assert.ok(rec);
  assert.equal(rec.temporary, N);
  assert.equal(rec.allocations, N);
});
