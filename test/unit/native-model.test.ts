import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BlockIndex } from '../../src/analysis/native/block-index.js';
import { NativeLog } from '../../src/model/native/event-log.js';
import { ElfSymbols, readElfInfo } from '../../src/model/native/elf.js';
import { ModuleMap } from '../../src/model/native/module-map.js';
import { PerfMap, parsePerfName } from '../../src/model/native/perf-map.js';
import { buildC, tempDir } from '../helpers/native-build.js';
import { fixture, runCli } from '../helpers/run-cli.js';

test('the event log reader survives a cut at every byte and never reads past it', async () => {
  const dir = tempDir('log-cut');
  const host = buildC(join(dir, 'host'), [fixture('native', 'host.c')], ['-O1', '-ldl']);
  const plugin = buildC(join(dir, 'libplugin.so'), [fixture('native', 'plugin.c')], ['-O1', '-shared', '-fPIC']);
  const r = await runCli(['native', '-o', join(dir, 'c'), '--', host, 'clean', plugin, '20']);
  assert.equal(r.code, 0, r.stderr);
  const native = join(dir, 'c', 'native');
  const whole = readFileSync(
    join(
      native,
      readdirSync(native).find((f) => f.endsWith('.ltn'))!,
    ),
  );
  const count = (bytes: Uint8Array) => {
    let allocs = 0;
    const end = new NativeLog('x', bytes).read({ alloc: () => allocs++ });
    return { ...end, allocs };
  };
  const full = count(whole);
  assert.equal(full.problems.length, 0);
  assert.ok(full.allocs > 20);
  assert.equal(full.dataEnd, whole.length);
  let last = 0;
  for (let cut = 64; cut < whole.length; cut++) {
    const bytes = Uint8Array.from(whole.subarray(0, cut));
    bytes.fill(0, 56, 64); // as if the header's data end were unknown: the reader must find the end itself
    const got = count(bytes);
    assert.ok(got.dataEnd <= cut, `cut ${cut}: data end ${got.dataEnd}`);
    assert.ok(got.records >= last, `cut ${cut}: ${got.records} records < ${last}`);
    last = got.records;
  }
  assert.ok(last >= full.records - 1);
});

test('perf map names: tiers, anonymous functions, builtins, and the latest entry wins', () => {
  assert.deepEqual(parsePerfName('JS:*leakOnce /srv/app.js:12:3'), {
    kind: 'JS',
    name: 'leakOnce',
    file: '/srv/app.js',
    line: 12,
    column: 3,
  });
  assert.deepEqual(parsePerfName('JS:~ /srv/app.js:1:1'), { kind: 'JS', name: '', file: '/srv/app.js', line: 1, column: 1 });
  assert.deepEqual(parsePerfName('JS:^get size node:internal/fs/utils:10:5'), {
    kind: 'JS',
    name: 'get size',
    file: 'node:internal/fs/utils',
    line: 10,
    column: 5,
  });
  assert.deepEqual(parsePerfName('Builtin:ArrayPrototypePush'), {
    kind: 'Builtin',
    name: 'ArrayPrototypePush',
    file: '',
    line: 0,
    column: 0,
  });
  const map = PerfMap.parse(['1000 100 JS:~old /a.js:1:1', '2000 10 Builtin:X', '1000 80 JS:*new /a.js:1:1', 'garbage line'].join('\n'));
  assert.equal(map.size, 3);
  assert.equal(map.lookup(0x1010)?.name, 'new');
  assert.equal(map.lookup(0x1090)?.name, 'old'); // only the old, longer entry covers it
  assert.equal(map.lookup(0x2005)?.kind, 'Builtin');
  assert.equal(map.lookup(0x3000), null);
  assert.equal(map.lookup(0x0fff), null);
});

test('the block index agrees with a Map over a million random operations', () => {
  const idx = new BlockIndex();
  const ref = new Map<number, number>();
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 1_000_000; i++) {
    // 47-bit addresses, 16-byte aligned, from a small pool so that deletes and reuse happen.
    const addr = 0x7f00_0000_0000 + (rand() % 50_000) * 16;
    if (rand() % 3 === 0) {
      assert.equal(idx.delete(addr), ref.has(addr) ? ref.get(addr)! : -1);
      ref.delete(addr);
    } else {
      idx.set(addr, i);
      ref.set(addr, i);
    }
    if (i % 1000 === 0) assert.equal(idx.size, ref.size);
  }
  for (const [k, v] of ref) assert.equal(idx.get(k), v);
  let n = 0;
  idx.forEach(() => n++);
  assert.equal(n, ref.size);
});

test('module maps and ELF: addresses to modules, file offsets to symbols, static vs dynamic', () => {
  const maps = ModuleMap.parse(
    [
      '00400000-00401000 r--p 00000000 fe:00 1 /usr/bin/prog',
      '00401000-00500000 r-xp 00001000 fe:00 1 /usr/bin/prog',
      '7f0000000000-7f0000100000 r-xp 00010000 fe:00 2 /lib/libx.so (deleted)',
      '7f0000200000-7f0000300000 rwxp 00000000 00:00 0 ',
    ].join('\n'),
  );
  assert.equal(maps.mappings.length, 2);
  assert.equal(maps.find(0x401234)?.path, '/usr/bin/prog');
  assert.equal(maps.find(0x7f0000000010)?.path, '/lib/libx.so');
  assert.equal(maps.find(0x7f0000200010), null); // anonymous code: the perf map's job
  assert.equal(maps.find(0x400010), null); // not executable

  const node = readElfInfo(process.execPath);
  assert.ok(node && node.dynamic && node.interpreter);
  const syms = ElfSymbols.load(process.execPath);
  assert.ok(syms.size > 1000, `${syms.size} symbols`);
  const dir = tempDir('elf');
  const stat = buildC(join(dir, 'static'), [fixture('native', 'many-stacks.c')], ['-O1', '-static']);
  const info = readElfInfo(stat);
  assert.ok(info && !info.dynamic && info.interpreter === null);
  const own = ElfSymbols.load(stat);
  const descend = own.lookup(info.segments.find((s) => s.executable)!.vaddr);
  assert.ok(own.size > 10 && descend !== undefined);
  assert.equal(readElfInfo(fixture('native', 'host.c')), null);
});
