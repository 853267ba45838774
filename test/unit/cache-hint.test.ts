import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cacheLikeHolder } from '../../src/check/sample-paths.js';

test('cacheLikeHolder: a holder path through a cache class or a cache variable is named, with both readings; others get nothing', () => {
  // Paths as the live report shows them (an LRU still filling when a capture ended).
  const lru = cacheLikeHolder([
    '(internal) context → system / Context @111013',
    '(context) cache → LRUCache @111033',
    '.#valList → Array @33253',
  ]);
  assert.match(
    lru ?? '',
    /through LRUCache, named like a cache or pool: if it has a size limit.*if it has none it is the leak — a hint from the name alone/,
  );
  assert.match(cacheLikeHolder(['system / Context @1 (context) pagePool', 'Array @2 [3]']) ?? '', /through pagePool/);
  assert.equal(cacheLikeHolder(['(context) kept → Array @49169', '[4432] → Object @169413']), null);
  assert.equal(cacheLikeHolder(['Module @211153 .exports', '(closure) @211085 .instances', 'Array @211107 [45779]']), null);
});
