import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { test } from 'node:test';
import { loadSnapshot } from '../../src/model/snapshot/load.js';
import { commonShape } from '../../src/check/sample-paths.js';

test('commonShape: a plain object’s keys come from its hidden class, certain up to the last one whose value is an object', async () => {
  // Kept while the snapshot is taken: records (a small integer, a string, a double, a small
  // integer), a few Maps, and strings beside them.
  const kept = {
    records: Array.from({ length: 40 }, (_, i) => ({ id: i, label: `shape-test-${i}`, at: Date.now() + 0.5, n: i })),
    maps: Array.from({ length: 3 }, () => new Map([[1, 2]])),
    handlers: Array.from(
      { length: 4 },
      (_, i) =>
        function onShapeTest() {
          return i;
        },
    ),
  };
  const file = writeHeapSnapshot(join(mkdtempSync(join(tmpdir(), 'leaktrace-shape-')), 'shape.heapsnapshot'));
  const s = await loadSnapshot(file);
  const records: number[] = [];
  const labels: number[] = [];
  const maps: number[] = [];
  const handlers: number[] = [];
  for (let o = 1; o < s.nodeCount; o++) {
    if (s.className(o) !== 'Object') continue;
    for (let e = s.firstEdgeIndex[o]; e < s.firstEdgeIndex[o + 1]; e += s.meta.edgeFieldCount) {
      if (s.edgeName(e) === 'label' && s.isString(s.edgeTarget(e))) {
        records.push(o);
        labels.push(s.edgeTarget(e));
      }
      if (s.edgeName(e) === 'maps' || s.edgeName(e) === 'handlers') {
        const list = s.edgeTarget(e);
        for (let m = s.firstEdgeIndex[list]; m < s.firstEdgeIndex[list + 1]; m += s.meta.edgeFieldCount) {
          const t = s.edgeTarget(m);
          if (s.className(t) === 'Map') maps.push(t);
          if (s.className(t) === '(closure)' && s.name(t) === 'onShapeTest') handlers.push(t);
        }
      }
    }
  }
  assert.equal(records.length, 40);
  assert.equal(labels.length, 40);
  // `id` is certain (before `label`, which has an edge); `at` and `n` have none: perhaps.
  assert.deepEqual(commonShape(s, [...records, ...labels]), {
    className: 'Object',
    properties: ['id', 'label'],
    moreProperties: ['at', 'n'],
    objects: 40,
    tops: 80,
  });
  // Too few of the matched objects to stand for them: no shape.
  assert.equal(commonShape(s, [...records.slice(0, 2), ...labels]), null);
  assert.equal(maps.length, 3);
  assert.deepEqual(commonShape(s, maps), { className: 'Map', properties: [], moreProperties: [], objects: 3, tops: 3 });
  // Closures: by where their function is defined (the snapshot's locations).
  assert.equal(handlers.length, 4);
  const closures = commonShape(s, handlers);
  assert.equal(closures?.className, 'Function');
  assert.equal(closures.functionName, 'onShapeTest');
  assert.ok(closures.defined && closures.defined.line > 1, JSON.stringify(closures.defined));
  assert.equal(closures.objects, 4);
  assert.ok(kept.records.length > 0);
});
