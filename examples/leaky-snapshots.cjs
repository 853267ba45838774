// A small program with a leak, that writes three heap snapshots of itself with allocation
// tracking on: before, during and after the leak grows. Used by README's first command:
//   node --track-heap-objects --no-turbo-inlining examples/leaky-snapshots.cjs
//   npx leaktrace diff example-1.heapsnapshot example-2.heapsnapshot example-3.heapsnapshot
// (--no-turbo-inlining: V8's allocation tracker records an inlined function's allocations
// under its caller; turning inlining off keeps the site exact.)
'use strict';
const v8 = require('node:v8');

// The leak: every request's context is remembered "for debugging" and never dropped.
const recentRequests = [];
function handleRequest(id) {
  const context = { id, startedAt: Date.now(), headers: { 'x-request-id': `req-${id}` }, body: 'x'.repeat(256) };
  recentRequests.push(context);
  return JSON.stringify(context).length; // garbage, freed
}

let id = 0;
const serve = (n) => {
  for (let i = 0; i < n; i++) handleRequest(id++);
};
serve(100);
v8.writeHeapSnapshot('example-1.heapsnapshot');
serve(5000);
v8.writeHeapSnapshot('example-2.heapsnapshot');
serve(5000);
v8.writeHeapSnapshot('example-3.heapsnapshot');
console.log('wrote example-1.heapsnapshot, example-2.heapsnapshot, example-3.heapsnapshot');
