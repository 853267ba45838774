import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { NativeAnalysis } from '../../src/analysis/native/native-analysis.js';
import { buildC, tempDir } from '../helpers/native-build.js';
import { fixture, runCli } from '../helpers/run-cli.js';

// The classic stack database kept a 16-bit index and, past 65,535 stacks, blamed the wrong
// code. 2^17 = 131,072 distinct stacks here; each block's stack must still spell, in the
// functions it passes through, the number of the allocation that made it.
test('more than 65,536 distinct native stacks keep distinct, correct 32-bit ids', async () => {
  const dir = tempDir('stacks');
  const prog = buildC(join(dir, 'many-stacks'), [fixture('native', 'many-stacks.c')], ['-O0']);
  const capture = join(dir, 'capture');
  const levels = 17;
  const r = await runCli(['native', '--json', '-o', capture, '--', prog, String(levels)], { timeoutMs: 300_000 });
  assert.equal(r.code, 1, r.stderr); // 131,072 blocks never freed

  const a = NativeAnalysis.open(capture);
  const replay = a.replay;
  assert.ok(replay.stackCount > 2 ** 16 + 2 ** 15, `only ${replay.stackCount} stacks`);
  const blocks = replay.blocks;
  const n = 2 ** levels;
  // Blocks in allocation order: the calloc'd array first, then one per `bits`.
  const leafBlocks: number[] = [];
  for (let i = 0; i < blocks.count; i++) if (blocks.size[i] === 16) leafBlocks.push(i);
  assert.equal(leafBlocks.length, n);
  const ids = new Set<number>();
  let highest = 0;
  for (let bits = 0; bits < n; bits++) {
    const stack = blocks.stack[leafBlocks[bits]];
    ids.add(stack);
    highest = Math.max(highest, stack);
    // Check every 97th block fully (symbolizing all 131k is slow and adds nothing), plus the last ones.
    if (bits % 97 !== 0 && bits < n - 8) continue;
    const names = a.frames(stack).map((f) => f.functionName);
    const path = names.filter((x) => x === 'go_one' || x === 'go_zero');
    assert.equal(path.length, levels, names.join(' < '));
    // Innermost first: the last level's choice comes first.
    let decoded = 0;
    path.forEach((x, i) => {
      if (x === 'go_one') decoded |= 1 << (levels - 1 - i);
    });
    assert.equal(decoded, bits, `block ${bits} has the stack of ${decoded} (stack id ${stack})`);
  }
  assert.equal(ids.size, n, 'every block has its own stack id');
  assert.ok(highest > 0xffff, `highest id ${highest} is past 16 bits`);
  // After symbolization the StackTable keeps them apart too.
  const tableIds = new Set<number>();
  for (let bits = 0; bits < n; bits += 1) tableIds.add(a.tableId(blocks.stack[leafBlocks[bits]]));
  assert.equal(tableIds.size, n);
  assert.ok(a.table.size > 2 ** 16);
});
