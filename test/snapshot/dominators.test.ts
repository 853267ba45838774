import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeDominators } from '../../src/analysis/snapshot/dominators.js';
import { computeShortestPaths, retainerPath } from '../../src/analysis/snapshot/shortest-paths.js';
import { HeapSnapshot } from '../../src/model/snapshot/heap-snapshot.js';
import { SnapshotParser } from '../../src/model/snapshot/parser.js';
import { type BuiltNode, buildSnapshot } from '../helpers/snapshot-builder.js';

function graph(nodes: BuiltNode[]): HeapSnapshot {
  const p = new SnapshotParser('graph');
  p.write(Buffer.from(buildSnapshot(nodes)));
  return new HeapSnapshot('graph', p.close());
}

/** Reference: v is dominated by d when removing d makes v unreachable from the root. */
function naiveIdoms(nodes: BuiltNode[]): number[] {
  const n = nodes.length;
  const reach = (removed: number): boolean[] => {
    const seen = new Array<boolean>(n).fill(false);
    if (removed === 0) return seen;
    const stack = [0];
    seen[0] = true;
    while (stack.length) {
      const v = stack.pop()!;
      for (const e of nodes[v].edges ?? []) {
        if (e.type === 'weak' || (e.type === 'shortcut' && v !== 0)) continue;
        if (e.to !== removed && !seen[e.to]) {
          seen[e.to] = true;
          stack.push(e.to);
        }
      }
    }
    return seen;
  };
  const all = reach(-1);
  const doms: Set<number>[] = [];
  for (let v = 0; v < n; v++) doms.push(new Set([v]));
  for (let d = 0; d < n; d++) {
    const r = reach(d);
    for (let v = 0; v < n; v++) if (all[v] && !r[v] && v !== d) doms[v].add(d);
  }
  // The immediate dominator is the strict dominator dominated by all the others.
  return doms.map((ds, v) => {
    if (v === 0 || !all[v]) return 0;
    const strict = [...ds].filter((d) => d !== v);
    return strict.find((d) => strict.every((o) => doms[d].has(o))) ?? 0;
  });
}

function randomGraph(n: number, m: number, seed: number): BuiltNode[] {
  let x = seed;
  const rnd = (k: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x % k;
  };
  const nodes: BuiltNode[] = Array.from({ length: n }, (_, i) => ({
    selfSize: 1 + rnd(100),
    edges: [],
    type: i === 0 ? 'synthetic' : 'object',
  }));
  for (let i = 0; i < m; i++) {
    const from = rnd(n);
    const kinds = ['property', 'property', 'property', 'element', 'weak', 'internal'] as const;
    nodes[from].edges!.push({ to: 1 + rnd(n - 1), type: kinds[rnd(kinds.length)], name: i });
  }
  return nodes;
}

test('dominators and retained sizes match a brute-force reference on random graphs', () => {
  for (let seed = 1; seed <= 60; seed++) {
    const nodes = randomGraph(8 + (seed % 25), 10 + seed * 2, seed);
    const s = graph(nodes);
    const dom = computeDominators(s);
    const expected = naiveIdoms(nodes);
    for (let v = 1; v < nodes.length; v++) assert.equal(dom.idom[v], expected[v], `seed ${seed}, node ${v}`);
    // Retained size = self + retained of the nodes it immediately dominates.
    const retained = nodes.map((nd) => nd.selfSize ?? 0);
    const order = [...dom.preorder].reverse();
    for (const v of order) if (v !== 0) retained[expected[v]] += retained[v];
    for (const v of dom.preorder) if (v !== 0) assert.equal(dom.retainedSize[v], retained[v], `seed ${seed}, retained of ${v}`);
  }
});

test('weak edges do not retain; unreachable nodes are counted, not dropped', () => {
  const s = graph([
    { type: 'synthetic', edges: [{ to: 1 }] },
    { name: 'A', selfSize: 10, edges: [{ to: 2 }, { to: 3, type: 'weak' }] },
    { name: 'B', selfSize: 20 },
    { name: 'OnlyWeak', selfSize: 30 },
  ]);
  const dom = computeDominators(s);
  assert.equal(dom.retainedSize[1], 30);
  assert.equal(dom.unreachableCount, 1);
  assert.equal(dom.unreachableSize, 30);
  assert.equal(dom.reachable[3], 0);
});

test('a chain a million nodes deep needs no recursion', () => {
  const n = 1_000_000;
  const nodes: BuiltNode[] = Array.from({ length: n }, (_, i) => ({ selfSize: 1, edges: i + 1 < n ? [{ to: i + 1 }] : [] }));
  nodes[0].type = 'synthetic';
  const s = graph(nodes);
  const dom = computeDominators(s);
  assert.equal(dom.retainedSize[1], n - 1);
  assert.equal(dom.idom[n - 1], n - 2);
  const paths = computeShortestPaths(s);
  assert.equal(retainerPath(paths, n - 1).length, n);
});

test('shortest retainer path prefers the fewest hops and skips weak edges', () => {
  const s = graph([
    { type: 'synthetic', edges: [{ to: 1 }, { to: 2 }] },
    { name: 'Long', edges: [{ to: 3 }] },
    { name: 'Holder', edges: [{ to: 4, name: 'leaked' }] },
    { name: 'Mid', edges: [{ to: 4 }] },
    { name: 'Target', edges: [] },
  ]);
  const path = retainerPath(computeShortestPaths(s), 4);
  assert.deepEqual(
    path.map((p) => s.name(p.ordinal)),
    ['', 'Holder', 'Target'],
  );
  assert.equal(s.edgeName(path[2].edgeIndex), 'leaked');
});

test('retainer paths reach through V8’s string table last: a key the program holds is shown held by the program', () => {
  const s = graph([
    { type: 'synthetic', edges: [{ to: 1 }, { to: 2 }] },
    { type: 'synthetic', name: '(GC roots)', edges: [{ to: 3 }] },
    { name: 'Cache', edges: [{ to: 4, name: 'data' }] },
    { type: 'synthetic', name: '(Internalized strings)', edges: [{ to: 6 }, { to: 7 }] },
    { name: 'Object', edges: [{ to: 5, name: 'properties', type: 'internal' }] },
    { type: 'array', name: '', edges: [{ to: 6, type: 'internal', name: '1' }] },
    { type: 'string', name: 'k5201', edges: [] },
    { type: 'string', name: 'only-interned', edges: [] },
  ]);
  const paths = computeShortestPaths(s);
  assert.deepEqual(
    retainerPath(paths, 6).map((p) => s.name(p.ordinal)),
    ['', 'Cache', 'Object', '', 'k5201'],
  );
  // A string nothing else holds still has its path, through the table.
  assert.deepEqual(
    retainerPath(paths, 7).map((p) => s.name(p.ordinal)),
    ['', '(GC roots)', '(Internalized strings)', 'only-interned'],
  );
});

test('retainer paths reach through V8’s shareable object cache last: a header string the program keeps is shown held by the program', () => {
  const s = graph([
    { type: 'synthetic', edges: [{ to: 1 }, { to: 2 }] },
    { type: 'synthetic', name: '(GC roots)', edges: [{ to: 3 }] },
    { name: 'Log', edges: [{ to: 4, name: 'entries' }] },
    { type: 'synthetic', name: '(Shareable object cache)', edges: [{ to: 5, type: 'internal', name: '5593' }] },
    { type: 'array', name: '', edges: [{ to: 5, type: 'element', name: 0 }] },
    { type: 'string', name: 'keep-alive', edges: [] },
  ]);
  const paths = computeShortestPaths(s);
  assert.deepEqual(
    retainerPath(paths, 5).map((p) => s.name(p.ordinal)),
    ['', 'Log', '', 'keep-alive'],
  );
});

test('retainer paths reach through Node’s queue of pending immediates last: what a listener list keeps is shown held there', () => {
  const s = graph([
    { type: 'synthetic', edges: [{ to: 1 }, { to: 2 }] },
    { name: 'ImmediateList', edges: [{ to: 3, name: 'head' }] },
    { name: 'Transport', edges: [{ to: 4, name: '_events' }] },
    { name: 'Immediate', edges: [{ to: 6, name: '_argv' }] },
    { name: 'Object', edges: [{ to: 5, name: 'unpipe' }] },
    { type: 'array', name: '', edges: [{ to: 6, type: 'element', name: 0 }] },
    { name: 'Logger', edges: [] },
  ]);
  const paths = computeShortestPaths(s);
  assert.deepEqual(
    retainerPath(paths, 6).map((p) => s.name(p.ordinal)),
    ['', 'Transport', 'Object', '', 'Logger'],
  );
  // An immediate's own data, held by nothing else, keeps its path through the queue.
  assert.deepEqual(
    retainerPath(paths, 3).map((p) => s.name(p.ordinal)),
    ['', 'ImmediateList', 'Immediate'],
  );
});

test('retainer paths reach through Node’s cleanup queue last: a vm context the program keeps is shown held by the program’s array', () => {
  const s = graph([
    { type: 'synthetic', edges: [{ to: 1 }, { to: 2 }] },
    { type: 'native', name: 'Node / CleanupQueue', edges: [{ to: 4, type: 'element', name: 45 }] },
    { name: 'Module', edges: [{ to: 3, name: 'sandboxes' }] },
    { type: 'array', name: '', edges: [{ to: 5, type: 'element', name: 0 }] },
    { type: 'native', name: 'ContextifyContext', edges: [{ to: 5, type: 'internal', name: 'native_to_javascript' }] },
    { name: 'Object', edges: [] },
  ]);
  const paths = computeShortestPaths(s);
  assert.deepEqual(
    retainerPath(paths, 5).map((p) => s.name(p.ordinal)),
    ['', 'Module', '', 'Object'],
  );
  // What only the queue holds keeps its path through it.
  assert.deepEqual(
    retainerPath(paths, 4).map((p) => s.name(p.ordinal)),
    ['', 'Node / CleanupQueue', 'ContextifyContext'],
  );
});

test('retainer paths reach through the microtask V8 was running at the snapshot last: the program’s variable is shown holding the client', () => {
  const s = graph([
    { type: 'synthetic', edges: [{ to: 1 }, { to: 3 }] },
    { type: 'synthetic', name: '(Strong roots)', edges: [{ to: 2, type: 'internal', name: 'current_microtask' }] },
    { type: 'hidden', name: '(system)', edges: [{ to: 5, name: 'bound_this', type: 'internal' }] },
    { type: 'closure', name: 'main', edges: [{ to: 4, type: 'internal', name: 'context' }] },
    { type: 'object', name: 'system / Context', edges: [{ to: 5, type: 'context', name: 'api' }] },
    { name: 'Axios', edges: [{ to: 6, name: 'handlers' }] },
    { type: 'array', name: '', edges: [] },
  ]);
  const paths = computeShortestPaths(s);
  assert.deepEqual(
    retainerPath(paths, 6).map((p) => s.name(p.ordinal)),
    ['', 'main', 'system / Context', 'Axios', ''],
  );
});
