import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attribute, packageFromPath } from '../../src/analysis/attribution.js';
import type { Frame } from '../../src/model/frame.js';

test('package names come from the last node_modules segment, scoped and pnpm included', () => {
  assert.equal(packageFromPath('/app/node_modules/lodash/index.js'), 'lodash');
  assert.equal(packageFromPath('/app/node_modules/@scope/pkg/lib/a.js'), '@scope/pkg');
  assert.equal(packageFromPath('/app/node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad/index.js'), 'left-pad');
  assert.equal(packageFromPath('/app/node_modules/.pnpm/@a+b@2.0.0/node_modules/@a/b/x.js'), '@a/b');
  assert.equal(packageFromPath('/app/node_modules/express/node_modules/debug/src/node.js'), 'debug');
  assert.equal(packageFromPath('file:///app/node_modules/ws/lib/websocket.js'), 'ws');
  assert.equal(packageFromPath('/app/src/server.js'), null);
  assert.equal(packageFromPath('node:internal/timers'), 'node:');
  assert.equal(packageFromPath(''), 'node:');
});

const f = (functionName: string, file: string, line = 1): Frame => ({ functionName, file, line, column: 1 });

test('site skips runtime frames; user frame is the first outside node_modules', () => {
  const a = attribute([
    f('push', ''),
    f('listOnTimeout', 'node:internal/timers', 569),
    f('remember', '/app/node_modules/cachey/index.js', 12),
    f('handle', '/app/src/server.js', 40),
    f('main', '/app/src/main.js', 3),
  ]);
  assert.equal(a.site?.functionName, 'remember');
  assert.equal(a.package, 'cachey');
  assert.equal(a.userFrame?.functionName, 'handle');
  assert.match(a.evidence, /2 runtime frames skipped/);
  assert.match(a.evidence, /node_modules\/cachey/);
});

test('a stack of only internals names no site and says so', () => {
  const a = attribute([f('x', 'node:fs'), f('y', '')]);
  assert.equal(a.site, null);
  assert.equal(a.userFrame, null);
  assert.equal(a.package, 'node:');
  assert.match(a.evidence, /internals/);
});

test('ignored prefixes (leaktrace itself) are skipped like runtime frames', () => {
  const a = attribute([f('hook', '/opt/leaktrace/dist/agent.cjs'), f('mine', '/app/a.js')], {
    ignorePrefixes: ['/opt/leaktrace/'],
  });
  assert.equal(a.site?.functionName, 'mine');
  assert.equal(a.userFrame?.functionName, 'mine');
  assert.equal(a.package, null);
});
