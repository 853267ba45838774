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

test('allocations the tooling makes when Node calls it back are not the program’s; those under a wrapper the program called are', async () => {
  const { allocatedByTooling } = await import('../../src/analysis/attribution.js');
  const { buildSiteSeries } = await import('../../src/analysis/leaks/site-series.js');
  const { StackTable } = await import('../../src/model/stack-table.js');
  const AGENT = '/opt/leaktrace/dist/src/capture/agent/agent.cjs';
  const options = { ignorePrefixes: [AGENT] };
  const tick = f('tick', '/app/cache.js', 8);
  const listOnTimeout = f('listOnTimeout', 'node:internal/timers', 524);
  // The handle agent's async hook, run inside setTimeout on the program's stack.
  const hook = [f('init', AGENT, 414), f('emitInitScript', 'node:internal/async_hooks', 495), tick, listOnTimeout];
  // Node internals the hook called.
  const underHook = [f('writeSync', 'node:fs', 900), ...hook];
  // The agent's wrapper around server.listen, called by the program: what listen makes is the program's.
  const wrapper = [f('listen', 'node:net', 1800), f('listen', AGENT, 930), f('start', '/app/server.js', 3)];
  assert.equal(allocatedByTooling(hook, options), true);
  assert.equal(allocatedByTooling(underHook, options), true);
  assert.equal(allocatedByTooling(wrapper, options), false);
  assert.equal(allocatedByTooling([tick, listOnTimeout], options), false);
  assert.equal(allocatedByTooling(hook, { ignorePrefixes: [] }), false, 'without the prefix the agent is program code');

  const t = new StackTable();
  const ids = [hook, wrapper, [tick, listOnTimeout]].map((s) => t.internInnerFirst(s));
  const sites = new Map(ids.map((id) => [id, { count: 10, selfBytes: 320, externalBytes: 0 }]));
  const series = buildSiteSeries([{ x: 0, sites }], t, options);
  const names = [...series.values()].map((s) => `${s.attribution.site?.functionName} ${s.attribution.site?.file}`).sort();
  assert.deepEqual(names, ['start /app/server.js', 'tick /app/cache.js']);
  // tick's series counts its own stack only, not the agent's records made under it.
  const tickSeries = [...series.values()].find((s) => s.attribution.site?.functionName === 'tick');
  assert.equal(tickSeries?.count[0], 10);
});

test('a stack with no file is Node’s own only when it has no line either: an unnamed script (leaktrace’s evaluates) is not', async () => {
  const { runtimeAttribution } = await import('../../src/analysis/attribution.js');
  const v8Api = runtimeAttribution([f('(V8 API)', '', 0)]);
  assert.equal(v8Api?.package, 'node:');
  assert.equal(v8Api?.site?.functionName, '(V8 API)');
  // What a measurement's evaluate allocates: frames of a script without a name, with lines.
  assert.equal(runtimeAttribution([f('(anonymous)', '', 28), f('Promise', '', 0), f('collect', '', 27), f('(anonymous)', '', 1)]), null);
});

test('leaktrace’s scripts in the target are known by their path’s tail, from any install', async () => {
  const { isLeaktraceScript } = await import('../../src/analysis/attribution.js');
  const { frameView } = await import('../../src/report/html/suspect-views.js');
  for (const file of [
    '/work/leaktrace/dist/src/capture/agent/agent.cjs',
    'file:///srv/app/node_modules/leaktrace/dist/src/capture/live/preload.cjs',
  ])
    assert.equal(isLeaktraceScript(file), true, file);
  // The user's own files of the same names are not.
  for (const file of ['/app/src/capture/agent/agent.cjs', '/app/dist/src/capture/agent/agent.js', '/app/agent.cjs'])
    assert.equal(isLeaktraceScript(file), false, file);
  // From a checkout, the agent is outside node_modules; the report still calls it leaktrace's.
  assert.deepEqual(frameView(f('init', '/work/leaktrace/dist/src/capture/agent/agent.cjs', 414)).pkg, 'leaktrace');
  assert.equal(frameView(f('init', '/work/leaktrace/dist/src/capture/agent/agent.cjs', 414)).role, 'package');
});
