'use strict';
// Preloaded by agent-cost.bench.js: an async hook with an `init` that returns at once, set up
// as the handle agent sets up its own (no promise hooks: trackPromises false where Node knows
// it, else Node's own promise hooks cleared), to price what any async_hooks-based tracer pays.
const asyncHooks = require('node:async_hooks');
asyncHooks.createHook({ init() {}, trackPromises: false }).enable();
try {
  const binding = process.binding('async_wrap');
  if (typeof binding.setPromiseHooks === 'function') binding.setPromiseHooks(undefined, undefined, undefined, undefined);
} catch {
  // Node 24+: trackPromises did it
}
