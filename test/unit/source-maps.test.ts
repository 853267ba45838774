import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import type { Leak } from '../../src/analysis/leak-report.js';
import { SourceMaps, applySourceMaps } from '../../src/analysis/source-maps.js';
import { tempDir } from '../helpers/write-snapshot.js';

// Base64 VLQ of one segment [generated column, source, original line, original column], each a delta.
const VLQ = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function vlq(n: number): string {
  let v = n < 0 ? (-n << 1) | 1 : n << 1;
  let out = '';
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += VLQ[digit];
  } while (v > 0);
  return out;
}

/**
 * A map for a compiled script where generated line g (0-based) comes from original line
 * `lines[g]` (0-based, column 0), or from nowhere where it is null.
 */
function mapOf(sources: string[], lines: (number | null)[], sourceRoot?: string): string {
  let prevLine = 0;
  const mappings = lines
    .map((l) => {
      if (l === null) return '';
      const seg = vlq(0) + vlq(0) + vlq(l - prevLine) + vlq(0);
      prevLine = l;
      return seg;
    })
    .join(';');
  return JSON.stringify({ version: 3, sources, names: [], mappings, ...(sourceRoot ? { sourceRoot } : {}) });
}

function project(): { dir: string; script: (name: string, mapComment: string | null, lines?: number) => string } {
  const dir = tempDir();
  mkdirSync(join(dir, 'dist'));
  mkdirSync(join(dir, 'src'));
  return {
    dir,
    script(name, mapComment, lines = 6) {
      const file = join(dir, 'dist', name);
      const body = Array.from({ length: lines }, (_, i) => `const v${i} = ${i};`).join('\n');
      writeFileSync(file, body + (mapComment === null ? '\n' : `\n//# sourceMappingURL=${mapComment}\n`));
      return file;
    },
  };
}

test('SourceMaps: a map file beside the script moves a position to its original source; lines the map says nothing of stay', () => {
  const p = project();
  const file = p.script('app.js', 'app.js.map');
  writeFileSync(join(p.dir, 'dist', 'app.js.map'), mapOf(['../src/app.ts'], [0, 4, null, 10]));
  const maps = new SourceMaps();
  assert.deepEqual(maps.original(file, 2, 7), { file: join(p.dir, 'src', 'app.ts'), line: 5, column: 1 });
  assert.deepEqual(maps.original(file, 4, 1), { file: join(p.dir, 'src', 'app.ts'), line: 11, column: 1 });
  // Line 3 has no mapping of its own: the one on line 2 is not taken for it.
  assert.equal(maps.original(file, 3, 1), null);
  // The same script named by a file: URL (ES modules).
  assert.equal(maps.original(pathToFileURL(file).href, 2, 1)?.line, 5);
  const frame = maps.frame({ functionName: 'serve', file, line: 4, column: 3 });
  assert.deepEqual(frame, {
    functionName: 'serve',
    file: join(p.dir, 'src', 'app.ts'),
    line: 11,
    column: 1,
    generated: { file, line: 4, column: 3 },
  });
});

test('SourceMaps: an inline data: map and a sourceRoot are read; scripts without a map, node: and unknown files are left alone', () => {
  const p = project();
  const inline = Buffer.from(mapOf(['app.ts'], [2, 3], '../src')).toString('base64');
  const file = p.script('inline.js', `data:application/json;charset=utf-8;base64,${inline}`);
  const maps = new SourceMaps();
  assert.deepEqual(maps.original(file, 1, 1), { file: join(p.dir, 'src', 'app.ts'), line: 3, column: 1 });
  const plain = p.script('plain.js', null);
  assert.equal(maps.original(plain, 1, 1), null);
  assert.equal(maps.original('node:internal/timers', 500, 1), null);
  assert.equal(maps.original(join(p.dir, 'dist', 'missing.js'), 1, 1), null);
  assert.equal(maps.original('', 0, 0), null);
});

test('applySourceMaps: frames, user frame and the variable that keeps the leak move; a missing or malformed map is said, not thrown', () => {
  const p = project();
  const good = p.script('orders.js', 'orders.js.map');
  writeFileSync(join(p.dir, 'dist', 'orders.js.map'), mapOf(['../src/orders.ts'], [0, 14, 17, 18]));
  const missing = p.script('missing-map.js', 'missing-map.js.map');
  const broken = p.script('broken.js', 'broken.js.map');
  writeFileSync(join(p.dir, 'dist', 'broken.js.map'), '{"version":3,"sources":["a.ts"],"mappings":');
  const site = { functionName: 'placeOrder', file: good, line: 4, column: 5 };
  const caller = { functionName: 'tick', file: missing, line: 2, column: 1 };
  const third = { functionName: 'main', file: broken, line: 1, column: 1 };
  const leak: Leak = {
    kind: 'heap',
    site,
    userFrame: site,
    package: null,
    resource: null,
    probability: 0.9,
    perIteration: null,
    stack: [site, caller, third],
    evidence: 'grew',
    keptIn: { variable: 'history', expression: 'history', file: good, line: 2, column: 7 },
  };
  applySourceMaps([leak]);
  const ts = join(p.dir, 'src', 'orders.ts');
  assert.deepEqual([leak.site?.file, leak.site?.line], [ts, 19]);
  assert.deepEqual((leak.userFrame as { generated?: unknown }).generated, { file: good, line: 4, column: 5 });
  assert.deepEqual(
    leak.stack.map((f) => `${f.file}:${f.line}`),
    [`${ts}:19`, `${missing}:2`, `${broken}:1`],
  );
  assert.deepEqual([leak.keptIn?.file, leak.keptIn?.line], [ts, 15]);
  assert.match(leak.evidence, /positions: moved to the original source by source maps \(.*orders\.js\.map\)/);
  assert.match(leak.evidence, /missing-map\.js: its source map .*missing-map\.js\.map could not be read/);
  assert.match(leak.evidence, /broken\.js: its source map could not be parsed/);
});
