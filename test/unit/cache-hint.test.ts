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
  // Through Node's require cache to a package's module-level array (a blind test, L7): not a cache.
  const viaRequireCache = [
    '(context) $Module → (closure) @237237',
    '._cache → Object @237247',
    './tmp/blind/node_modules/tiny-registry/index.js → Module @167359',
    '.exports → Object @168825',
    '(context) hooks → Array @16385',
  ];
  assert.equal(cacheLikeHolder(viaRequireCache), null);
  // …and a module file named like a cache is not the cache either; its array named so is.
  assert.equal(
    cacheLikeHolder(['._cache → Object @2', './app/cache.js → Module @3', '.exports → Object @4', '(context) kept → Array @5']),
    null,
  );
  assert.match(cacheLikeHolder([...viaRequireCache.slice(0, 3), '(context) sessionCache → Map @9']) ?? '', /through sessionCache/);
});

test('cacheLikeHolder: a path that ends at a Module under its file name is Node’s require cache', () => {
  const path = [
    '(root) @1',
    '[13] → (Global handles) @29',
    '(internal) value → Object @260357',
    './tmp/app/gen/greeting.1901.js → Module @352465',
  ];
  assert.match(cacheLikeHolder(path) ?? '', /ends in Node's require cache \(require\.cache\).*greeting\.1901\.js is one of them/);
  // Through a Module to a package's module-level state: not the require cache's doing.
  assert.equal(cacheLikeHolder([...path, '.exports → Object @5', '.queue → Array @6']), null);
});

test('cacheLikeHolder: a path from an open connection says so, not that a Pool on it is a cache', () => {
  const path = [
    '(root) @1',
    '[9] → Node / TCPSocketWrap @1211811744',
    '(internal) native_to_javascript → TCP @615065',
    '.<symbol owner_symbol> → Socket @615033',
    '(context) pool → Pool @614731',
    '.<symbol queue> → FixedQueue @614701',
  ];
  const hint = cacheLikeHolder(path) ?? '';
  assert.match(hint, /^the holder path starts at an open TCP connection: /);
  assert.doesNotMatch(hint, /named like a cache/);
  // From the listening server (it stays open by design): the names still speak.
  const server = ['(root) @1', '[14] → Node / TCPServerWrap @9', '(context) pool → Pool @614731'];
  assert.match(cacheLikeHolder(server) ?? '', /through Pool, named like a cache or pool/);
});
