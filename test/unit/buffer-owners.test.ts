import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SnapshotAnalysis } from '../../src/analysis/snapshot/analysis.js';
import { bufferOwners, oneUserFunction } from '../../src/check/sample-paths.js';
import { loadSnapshot } from '../../src/model/snapshot/load.js';
import { buildSnapshot, moduleGraph } from '../helpers/snapshot-builder.js';
import { tempDir } from '../helpers/write-snapshot.js';

const SLAB = 8192;
/** Larger than a pool slab: made for the one Buffer that asked. */
const BIG = 16384;

/**
 * A module of /app/packets.js whose `headers` array (closed over by its `keepHeader`) holds
 * `slabs` small views, each the one view left of an 8 KiB ArrayBuffer. `slabStack`: the
 * allocation stack the tracker gave each ArrayBuffer (0: Node's pool code, called by Node's own
 * HTTP code; 1: made in C++, "(V8 API)"; 2: the program's own allocUnsafe); each view was made
 * by the program's `keepHeader` through Node's `subarray` (stack 3), or with `viewStack`. The first `inFlight` slabs also have a view of a
 * write in flight, made by the program's `send` (stack 4).
 */
async function slabsHeldByViews(
  slabs: number,
  slabStack: number | ((i: number) => number),
  size = SLAB,
  inFlight = 0,
  viewStack = 3,
): Promise<SnapshotAnalysis> {
  const { nodes, add, root, context } = moduleGraph('/app/packets.js', 'keepHeader');
  const headers = add({ type: 'array', name: '', edges: [] });
  nodes[context].edges!.push({ type: 'context', name: 'headers', to: headers });
  for (let i = 0; i < slabs; i++) {
    const data = add({ type: 'native', name: 'system / JSArrayBufferData', selfSize: size });
    const trace = typeof slabStack === 'number' ? slabStack : slabStack(i);
    const buffer = add({ type: 'object', name: 'ArrayBuffer', trace, edges: [{ type: 'internal', name: 'backing_store', to: data }] });
    const view = add({ type: 'object', name: 'Buffer', trace: viewStack, edges: [{ type: 'internal', name: 'buffer', to: buffer }] });
    nodes[headers].edges!.push({ type: 'element', name: i, to: view });
    if (i < inFlight) {
      // A second view of the slab, of a write in flight made by the program's `send` (made
      // after the kept one: the slab's first retainer as the parser lists them).
      const writing = add({ type: 'object', name: 'Buffer', trace: 4, edges: [{ type: 'internal', name: 'buffer', to: buffer }] });
      const req = add({ type: 'object', name: 'WriteWrap', edges: [{ type: 'property', name: 'buffer', to: writing }] });
      nodes[root].edges!.push({ type: 'element', name: 100 + i, to: req });
    }
  }
  const file = join(tempDir(), 'slabs.heapsnapshot');
  writeFileSync(
    file,
    buildSnapshot(nodes, [], {
      traces: {
        functions: [
          { name: 'createPool', script: 'node:buffer', line: 160, column: 20 },
          { name: 'writeHead', script: 'node:_http_server', line: 370, column: 5 },
          { name: '(V8 API)', script: '', line: 0, column: 0 },
          { name: 'allocUnsafe', script: 'node:buffer', line: 400, column: 10 },
          { name: 'keepHeader', script: '/app/packets.js', line: 12, column: 3 },
          { name: 'subarray', script: 'node:buffer', line: 1100, column: 3 },
          { name: 'writeGeneric', script: 'node:internal/stream_base_commons', line: 150, column: 3 },
          { name: 'send', script: '/app/packets.js', line: 30, column: 3 },
        ],
        stacks: [[0, 1], [2], [3, 4], [5, 4], [6, 7]],
      },
    }),
  );
  return new SnapshotAnalysis(await loadSnapshot(file));
}

test('ArrayBuffer memory whose buffers’ own stacks name no place of the program is credited to the views that keep it', async () => {
  // Pool slabs Node made for its own HTTP code, kept by the program's slices; and buffers made
  // in C++: either way the slices' site is the program's line.
  for (const slabStack of [0, 1]) {
    const owners = bufferOwners(await slabsHeldByViews(12, slabStack), {});
    assert.ok(owners);
    assert.equal(owners.bytes, 12 * SLAB);
    const top = owners.bySite[0];
    assert.equal(top.via, 'views', `stack ${slabStack}`);
    assert.equal(top.attribution.userFrame?.functionName, 'keepHeader');
    assert.equal(top.attribution.userFrame?.line, 12);
    assert.equal(top.bytes, 12 * SLAB);
    assert.equal(owners.tracedBytes, 12 * SLAB);
    // What holds them is the program's array, through the views.
    assert.equal(owners.paths[0]?.variable?.name, 'headers', JSON.stringify(owners.paths[0]));
  }
});

test('a pool slab and its views count only with stacks through Node’s Buffer code: another stack is not theirs (the tracker left it at their address)', async () => {
  // Views whose stack is the program's `send` through Node's stream code, never Node's Buffer
  // code: on pool slabs they are not credited, and the slabs' own stack (Node's pool code)
  // keeps them, reaching no line of the program.
  const pooled = bufferOwners(await slabsHeldByViews(12, 0, SLAB, 0, 4), {});
  assert.ok(pooled);
  assert.deepEqual(
    pooled.bySite.map((e) => [e.via, e.bytes, e.attribution.userFrame?.functionName ?? null]),
    [['made', 12 * SLAB, null]],
  );
  // A slab whose own stack is not through Node's Buffer code either (here the program's
  // `send`) is not credited at all.
  const unknown = bufferOwners(await slabsHeldByViews(12, 4, SLAB, 0, 4), {});
  assert.deepEqual(unknown?.bySite, []);
  assert.equal(unknown?.tracedBytes, 0);
  // Not a pool slab (made in C++ for the one Buffer that asked): its views speak whatever their stack.
  const big = bufferOwners(await slabsHeldByViews(12, 1, BIG, 0, 4), {});
  assert.equal(big?.bySite[0]?.attribution.userFrame?.functionName, 'send');
});

test('ArrayBuffer memory made at the program’s own line keeps that site, not its views’ — unless it is a pool slab, which goes to the views that keep it', async () => {
  const owners = bufferOwners(await slabsHeldByViews(12, 2, BIG), {});
  assert.ok(owners);
  const top = owners.bySite[0];
  assert.equal(top.via, 'made');
  assert.equal(top.attribution.userFrame?.functionName, 'keepHeader');
  assert.equal(owners.bySite.length, 1);
  // 8 KiB slabs are Node's pool: whoever made one, the slice kept is what holds it.
  const pooled = bufferOwners(await slabsHeldByViews(12, 2), {});
  assert.deepEqual(
    pooled?.bySite.map((e) => [e.via, e.attribution.site?.functionName, e.bytes]),
    [['views', 'keepHeader', 12 * SLAB]],
  );
});

test('a slab with two live views goes to the view site found on most slabs (the one that keeps them, not a request in flight)', async () => {
  // The first three slabs also have a view of a write in flight, made by the program's `send`.
  const owners = bufferOwners(await slabsHeldByViews(12, 0, SLAB, 3), {});
  assert.ok(owners);
  assert.deepEqual(
    owners.bySite.map((e) => [e.via, e.attribution.userFrame?.functionName, e.bytes]),
    [['views', 'keepHeader', 12 * SLAB]],
  );
});

test('slabs split between those the program made and those its views keep: no one site has half, one function of the program has all', async () => {
  // Half the slabs made by the program's own allocUnsafe in keepHeader, half by Node's HTTP
  // code and kept by keepHeader's slices.
  const owners = bufferOwners(await slabsHeldByViews(12, (i) => (i % 2 === 0 ? 2 : 0), BIG), {});
  assert.ok(owners);
  assert.deepEqual(
    owners.bySite.map((e) => [e.via, e.bytes]),
    [
      ['made', 6 * BIG],
      ['views', 6 * BIG],
    ],
  );
  const group = oneUserFunction(owners, 0);
  assert.ok(group);
  assert.equal(group.bytes, 12 * BIG);
  assert.equal(group.entries.length, 2);
  assert.equal(group.entries[0].attribution.userFrame?.functionName, 'keepHeader');
  // Not when the function's share is under a quarter of what grows in the window.
  assert.equal(oneUserFunction(owners, 5 * 12 * BIG), null);
});
