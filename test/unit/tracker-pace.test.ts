import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slowedByTracker } from '../../src/capture/heap/tracker-pace.js';

test('slowedByTracker (Node 20): statistics at their 50 ms period are not a stall; far apart, or one in a whole window, are', () => {
  assert.equal(slowedByTracker({ updates: 60, meanIntervalMs: 50.4, windowMs: 3000, firstSeenId: null }, 20), null);
  assert.equal(slowedByTracker({ updates: 50, meanIntervalMs: 62, windowMs: 3100, firstSeenId: null }, 20), null);
  assert.match(
    slowedByTracker({ updates: 33, meanIntervalMs: 91.1, windowMs: 3157, firstSeenId: null }, 20)!,
    /here they came 91 ms apart, so each outlasted the 50 ms/,
  );
  assert.match(slowedByTracker({ updates: 1, meanIntervalMs: null, windowMs: 3000, firstSeenId: null }, 20)!, /here one came in 3\.0 s/);
  assert.match(slowedByTracker({ updates: 0, meanIntervalMs: null, windowMs: 3000, firstSeenId: null }, 20)!, /here none came in 3\.0 s/);
  // A window too short to say.
  assert.equal(slowedByTracker({ updates: 0, meanIntervalMs: null, windowMs: 200, firstSeenId: null }, 20), null);
});

test('slowedByTracker: Node 22 and later space the statistics themselves (three times what each took), and an unknown version is not judged', () => {
  const far = { updates: 3, meanIntervalMs: 1000, windowMs: 3000, firstSeenId: null };
  assert.match(slowedByTracker(far, 20)!, /\(Node 20\)/);
  assert.equal(slowedByTracker(far, 22), null);
  assert.equal(slowedByTracker(far, 24), null);
  assert.equal(slowedByTracker(far, null), null);
});
