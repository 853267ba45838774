import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { attribute } from '../../src/analysis/attribution.js';
import { suspectKey } from '../../src/analysis/leaks/site-series.js';
import { SnapshotAnalysis } from '../../src/analysis/snapshot/analysis.js';
import { FEW_ATTRIBUTED, heldByKind, heldByKindFirst, kindDisagrees, kindFits, suspectPaths } from '../../src/check/sample-paths.js';
import { loadSnapshot } from '../../src/model/snapshot/load.js';
import { type BuiltNode, buildSnapshot, moduleGraph } from '../helpers/snapshot-builder.js';
import { tempDir } from '../helpers/write-snapshot.js';

/**
 * A server module's `clients` array (a variable of /app/server.js, closed over by its
 * onConnection) holds 30 Receiver objects and 20 records; 3 more Receivers hang off a root
 * elsewhere. V8's tracker attributed only 2 Receivers to ws's Receiver site and 3 records to
 * remember, as it does for a busy program in a short window.
 */
function server(): { nodes: BuiltNode[]; traces: Parameters<typeof buildSnapshot>[2] } {
  const { nodes, add, root, context } = moduleGraph('/app/server.js', 'onConnection', {
    scriptEdge: 'script_or_debug_info',
    location: { scriptId: 7, line: 5, column: 43 },
  });
  const clients = add({ type: 'array', name: '', edges: [] });
  nodes[context].edges!.push({ type: 'context', name: 'clients', to: clients });
  const recordMap = add({ type: 'hidden', name: 'system / Map' });
  const otherMap = add({ type: 'hidden', name: 'system / Map' });
  const holder = add({ type: 'object', name: 'Pending', edges: [] });
  nodes[root].edges!.push({ type: 'element', name: 2, to: holder });
  for (let i = 0; i < 33; i++) {
    const r = add({ type: 'object', name: 'Receiver', ...(i < 2 ? { trace: 0 } : {}) });
    if (i < 30) nodes[clients].edges!.push({ type: 'element', name: i, to: r });
    else nodes[holder].edges!.push({ type: 'property', name: `r${i}`, to: r });
  }
  for (let i = 0; i < 20; i++) {
    const url = add({ type: 'string', name: `/p/${i}` });
    const rec = add({
      type: 'object',
      name: 'Object',
      ...(i < 3 ? { trace: 1 } : {}),
      edges: [
        { type: 'property', name: 'url', to: url },
        { type: 'internal', name: 'map', to: recordMap },
      ],
    });
    nodes[clients].edges!.push({ type: 'element', name: 30 + i, to: rec });
  }
  // Plain objects of another hidden class: not the records' kind.
  for (let i = 0; i < 5; i++)
    nodes[holder].edges!.push({
      type: 'property',
      name: `o${i}`,
      to: add({ type: 'object', name: 'Object', edges: [{ type: 'internal', name: 'map', to: otherMap }] }),
    });
  return {
    nodes,
    traces: {
      traces: {
        functions: [
          { name: 'Receiver', script: '/app/node_modules/ws/lib/receiver.js', line: 51, column: 14 },
          { name: 'remember', script: '/app/server.js', line: 9, column: 18 },
        ],
        stacks: [[0], [1]],
      },
    },
  };
}

async function analysed(): Promise<SnapshotAnalysis> {
  const { nodes, traces } = server();
  const file = join(tempDir(), 'holders.heapsnapshot');
  writeFileSync(file, buildSnapshot(nodes, [], traces));
  return new SnapshotAnalysis(await loadSnapshot(file));
}

/** The suspect key of the site V8's tracker gave the first object named `name`. */
function keyOf(a: SnapshotAnalysis, name: string): string {
  const s = a.snapshot;
  for (let o = 0; o < s.nodeCount; o++) {
    const frames = s.traces!.framesOf(o);
    if (frames.length > 0 && s.name(o) === name) return suspectKey(attribute(frames));
  }
  throw new Error(`no traced ${name}`);
}

test('few objects attributed: every object of the class the site constructs votes on what holds them, and names the user’s variable', async () => {
  const a = await analysed();
  const key = keyOf(a, 'Receiver');
  const h = suspectPaths(a, new Set([key]), { siteNames: new Map([[key, 'Receiver']]) }).get(key)!;
  assert.equal(h.matched, 2);
  assert.ok(h.matched < FEW_ATTRIBUTED);
  const k = h.byKind!;
  assert.deepEqual([k.kind, k.why, k.objects], ['Receiver objects', 'constructor', 33]);
  assert.equal(k.paths[0].objects, 30);
  assert.ok(
    k.paths[0].path.some((hop) => hop.startsWith('(context) clients → ')),
    k.paths[0].path.join(' '),
  );
  assert.deepEqual(k.paths[0].variable, {
    name: 'clients',
    expression: 'clients',
    file: '/app/server.js',
    closureAt: { line: 5, column: 43 },
  });
  assert.match(
    heldByKind(h.matched, k),
    /^V8's allocation tracker attributed only 2 live objects to this site \(it slows the program and misses objects\), so the snapshot's 33 Receiver objects speak for it — the site's function constructs them .*: of the 33, 30 are held by the path shown first/,
  );
});

test('few objects attributed by a function that constructs no class: the hidden class most of them share votes, not other plain objects', async () => {
  const a = await analysed();
  const key = keyOf(a, 'Object');
  // A capitalized name that constructs nothing in the snapshot falls back to the attributed kind too.
  for (const siteName of ['remember', 'RememberRequest']) {
    const h = suspectPaths(a, new Set([key]), { siteNames: new Map([[key, siteName]]) }).get(key)!;
    assert.equal(h.matched, 3);
    assert.deepEqual([h.byKind?.kind, h.byKind?.why, h.byKind?.objects], ['objects with keys url', 'attributed', 20], siteName);
    assert.equal(h.byKind!.paths[0].objects, 20);
    assert.equal(h.byKind!.paths[0].variable?.name, 'clients');
  }
});

test('nothing attributed at all: the class the site constructs still speaks for it; a site with no such class gets no kind', async () => {
  const a = await analysed();
  const h = suspectPaths(a, new Set(['nothing-attributed']), { siteNames: new Map([['nothing-attributed', 'Receiver']]) });
  assert.equal(h.get('nothing-attributed')?.matched, 0);
  assert.equal(h.get('nothing-attributed')?.byKind?.objects, 33);
  const none = suspectPaths(a, new Set(['nothing']), { siteNames: new Map([['nothing', 'setCloseTimer']]) });
  assert.equal(none.get('nothing'), undefined);
  // An anonymous callback whose source does `new Receiver(…)`: V8 allocates the object in its frame.
  const viaNew = suspectPaths(a, new Set(['callback']), {
    siteNames: new Map([['callback', '']]),
    siteConstructs: new Map([['callback', 'Receiver']]),
  }).get('callback');
  assert.deepEqual([viaNew?.byKind?.kind, viaNew?.byKind?.why, viaNew?.byKind?.objects], ['Receiver objects', 'new', 33]);
  assert.match(heldByKind(0, viaNew!.byKind!), /makes them with new Receiver, and V8 allocates a new object in the frame that calls new/);
});

test('the variable is named with the properties the path then follows, as the program writes them — not a dictionary’s keys', async () => {
  const { nodes, add, context } = moduleGraph('file:///app/reg.mjs', 'register');
  const registry = add({ type: 'object', name: 'Registry', edges: [] });
  const items = add({ type: 'array', name: '', edges: [] });
  const cache = add({ type: 'object', name: 'Object', edges: [] });
  nodes[context].edges!.push({ type: 'context', name: 'registry', to: registry }, { type: 'context', name: 'cache', to: cache });
  nodes[registry].edges!.push({ type: 'property', name: 'items', to: items });
  const item = add({ type: 'object', name: 'Item' });
  nodes[items].edges!.push({ type: 'element', name: 0, to: item });
  const entries: number[] = [];
  for (let i = 0; i < 70; i++) {
    const entry = add({ type: 'object', name: 'Entry' });
    entries.push(entry);
    nodes[cache].edges!.push({ type: 'property', name: `k${i}`, to: entry });
  }
  const file = join(tempDir(), 'reg.heapsnapshot');
  writeFileSync(file, buildSnapshot(nodes));
  const a = new SnapshotAnalysis(await loadSnapshot(file));
  const { userVariableOnPath } = await import('../../src/analysis/snapshot/holder-variable.js');
  const isUser = (f: string): boolean => !f.includes('node_modules');
  assert.deepEqual(userVariableOnPath(a, item, isUser), {
    name: 'registry',
    expression: 'registry.items',
    file: 'file:///app/reg.mjs',
    closureAt: null,
  });
  assert.equal(userVariableOnPath(a, entries[5], isUser)?.expression, 'cache');
  // A script of a package is not the user's: no variable.
  assert.equal(
    userVariableOnPath(a, item, (f) => f.includes('node_modules')),
    null,
  );
});

test('the kind across all ages, held another way than the newest objects the tracker saw, is shown first', async () => {
  const { nodes, add, root, context } = moduleGraph('/app/a.js', 'callBackend');
  const stats = add({ type: 'array', name: '', edges: [] });
  nodes[context].edges!.push({ type: 'context', name: 'agentsForStats', to: stats });
  // Older Agents (lower ids) are held only by the stats array; the 12 newest, the only ones
  // the tracker saw, by their open sockets too (a root nearer than the array).
  for (let i = 0; i < 42; i++) {
    const agent = add({ type: 'object', name: 'Agent', ...(i >= 30 ? { trace: 0 } : {}) });
    nodes[stats].edges!.push({ type: 'element', name: i, to: agent });
    if (i >= 30) {
      const socket = add({ type: 'object', name: 'Socket', edges: [{ type: 'property', name: 'agent', to: agent }] });
      nodes[root].edges!.push({ type: 'element', name: 100 + i, to: socket });
    }
  }
  const file = join(tempDir(), 'agents.heapsnapshot');
  writeFileSync(
    file,
    buildSnapshot(nodes, [], { traces: { functions: [{ name: 'callBackend', script: '/app/a.js', line: 4, column: 20 }], stacks: [[0]] } }),
  );
  const a = new SnapshotAnalysis(await loadSnapshot(file));
  const key = keyOf(a, 'Agent');
  const h = suspectPaths(a, new Set([key]), { siteNames: new Map([[key, 'callBackend']]) }).get(key)!;
  assert.equal(h.matched, 12);
  assert.ok(
    h.paths[0].path.some((hop) => hop.includes('Socket')),
    h.paths[0].path.join(' '),
  );
  assert.deepEqual([h.byKind?.kind, h.byKind?.why, h.byKind?.objects, h.byKind?.attributed], ['Agent objects', 'attributed', 42, 12]);
  assert.ok(kindDisagrees(h));
  assert.equal(h.byKind!.paths[0].variable?.name, 'agentsForStats');
  assert.match(
    heldByKindFirst(h),
    /^the snapshot's 42 Agent objects — they are the commonest kind among the objects attributed \(12 of their outermost; .* — are mostly held by the path shown first \(of the 42, 30\); the 12 live objects V8's allocation tracker attributes to this site were made in its window, the newest, and may still be in use: 12 of them are held by the path shown second/,
  );
  // Where the kind agrees with the attributed objects (the server above), nothing changes.
  const b = await analysed();
  const receivers = keyOf(b, 'Receiver');
  assert.equal(kindDisagrees(suspectPaths(b, new Set([receivers]), {}).get(receivers)!), false);
});

test('a kind far more numerous than the site’s live objects is mostly others’ (one hidden class for every JSON.parse result with those keys): it does not speak for the site', () => {
  const kind = (objects: number) => ({ kind: 'objects with keys id, name', why: 'attributed' as const, objects, attributed: 5, paths: [] });
  assert.equal(kindFits(kind(700), 500), true);
  assert.equal(kindFits(kind(100_000), 10_000), false);
  // A sampled count trails the snapshot: ws's Sender site, 8,883 estimated, 17,936 Senders.
  assert.equal(kindFits(kind(17_936), 8_883), true);
  assert.equal(kindFits(kind(1_300), 100), true);
  assert.equal(kindFits(kind(100_000), undefined), true);
});

test('a kind far rarer than the site’s live objects is not what the site keeps (express’s header site at ~3,800 live objects, its source’s `new TypeError` matched 97 error-class prototypes): it does not speak for the site', () => {
  const kind = (objects: number) => ({ kind: 'TypeError objects', why: 'new' as const, objects, attributed: 0, paths: [] });
  assert.equal(kindFits(kind(97), 3_803), false);
  // Room for the several objects a site makes per one of its kind.
  assert.equal(kindFits(kind(400), 3_803), true);
  // Small counts are too noisy to judge by.
  assert.equal(kindFits(kind(3), 900), true);
});

test('nothing attributed and no class: the object literal the site’s function makes, read in its source, gives the kind by its hidden class’s keys', async () => {
  const { nodes, add, context } = moduleGraph('/app/server.js', 'audit');
  const auditLog = add({ type: 'array', name: '', edges: [] });
  nodes[context].edges!.push({ type: 'context', name: 'auditLog', to: auditLog });
  // Hidden classes: the literal's (url, headers, at, then `extra` added later) and another's.
  const descriptors = (keys: string[]): number =>
    add({
      type: 'array',
      name: '',
      edges: keys.map((k, i) => ({ type: 'internal' as const, name: String(i), to: add({ type: 'string', name: k }) })),
    });
  const mapOf = (keys: string[]): number =>
    add({ type: 'hidden', name: 'system / Map', edges: [{ type: 'internal', name: 'descriptors', to: descriptors(keys) }] });
  const literal = mapOf(['url', 'headers', 'at', 'extra']);
  const other = mapOf(['url', 'method']);
  for (let i = 0; i < 25; i++) {
    const o = add({ type: 'object', name: 'Object', edges: [{ type: 'internal', name: 'map', to: i < 20 ? literal : other }] });
    nodes[auditLog].edges!.push({ type: 'element', name: i, to: o });
  }
  const file = join(tempDir(), 'audit.heapsnapshot');
  writeFileSync(
    file,
    buildSnapshot(nodes, [], { traces: { functions: [{ name: 'x', script: '/app/x.js', line: 1, column: 1 }], stacks: [[0]] } }),
  );
  const a = new SnapshotAnalysis(await loadSnapshot(file));
  const h = suspectPaths(a, new Set(['audit']), {
    siteNames: new Map([['audit', 'audit']]),
    siteLiterals: new Map([['audit', ['url', 'headers', 'at']]]),
  }).get('audit')!;
  assert.equal(h.matched, 0);
  assert.deepEqual([h.byKind?.kind, h.byKind?.why, h.byKind?.objects], ['objects with keys url, headers, at', 'literal', 20]);
  assert.equal(h.byKind!.paths[0].variable?.name, 'auditLog');
  assert.match(
    heldByKind(0, h.byKind!),
    /^V8's allocation tracker attributed no live object to this site .* the site's function makes its objects with a literal of those keys \(found in its source;/,
  );
});

test('a scope made once per call (a function’s locals kept by the closures it registers) is not where the leak is kept: the module’s variable before it is', async () => {
  const { nodes, add, shared, context: moduleContext } = moduleGraph('/app/jobs.js', 'run');
  const moduleInfo = add({ type: 'code', name: 'system / ScopeInfo' });
  const callInfo = add({ type: 'code', name: 'system / ScopeInfo' });
  nodes[moduleContext].edges!.push({ type: 'internal', name: 'scope_info', to: moduleInfo });
  const listeners = add({ type: 'array', name: '', edges: [] });
  nodes[moduleContext].edges!.push({ type: 'context', name: 'listeners', to: listeners });
  // Three calls of run, each leaving a listener closing over its own `state`.
  const states: number[] = [];
  for (let i = 0; i < 3; i++) {
    const state = add({ type: 'object', name: 'State' });
    states.push(state);
    const callContext = add({
      type: 'object',
      name: 'system / Context',
      edges: [
        { type: 'internal', name: 'scope_info', to: callInfo },
        { type: 'internal', name: 'previous', to: moduleContext },
        { type: 'context', name: 'state', to: state },
      ],
    });
    const listener = add({
      type: 'closure',
      name: 'onAbort',
      edges: [
        { type: 'internal', name: 'context', to: callContext },
        { type: 'internal', name: 'shared', to: shared },
      ],
    });
    nodes[listeners].edges!.push({ type: 'element', name: i, to: listener });
  }
  const file = join(tempDir(), 'jobs.heapsnapshot');
  writeFileSync(file, buildSnapshot(nodes));
  const a = new SnapshotAnalysis(await loadSnapshot(file));
  const { userVariableOnPath } = await import('../../src/analysis/snapshot/holder-variable.js');
  assert.equal(userVariableOnPath(a, states[1], () => true)?.name, 'listeners');
});

test('a chain through a scope made once per call (each config kept by the next through a closure’s context) names its variable beside the module’s', async () => {
  const { nodes, add, shared, context: moduleContext } = moduleGraph('/app/config.js', 'reloadConfig');
  const moduleInfo = add({ type: 'code', name: 'system / ScopeInfo' });
  const callInfo = add({ type: 'code', name: 'system / ScopeInfo' });
  nodes[moduleContext].edges!.push({ type: 'internal', name: 'scope_info', to: moduleInfo });
  // Five reloads: config i's `describe` closes over the call's context, which keeps `previous`,
  // config i - 1. The module's `current` is the newest.
  const tables: number[] = [];
  let previous = -1;
  for (let i = 0; i < 5; i++) {
    const table = add({ type: 'array', name: '' });
    tables.push(table);
    const callContext = add({
      type: 'object',
      name: 'system / Context',
      edges: [
        { type: 'internal', name: 'scope_info', to: callInfo },
        { type: 'internal', name: 'previous', to: moduleContext },
        ...(previous >= 0 ? [{ type: 'context' as const, name: 'previous', to: previous }] : []),
      ],
    });
    const describe = add({
      type: 'closure',
      name: 'describe',
      edges: [
        { type: 'internal', name: 'context', to: callContext },
        { type: 'internal', name: 'shared', to: shared },
      ],
    });
    previous = add({
      type: 'object',
      name: 'Object',
      edges: [
        { type: 'property', name: 'table', to: table },
        { type: 'property', name: 'describe', to: describe },
      ],
    });
  }
  nodes[moduleContext].edges!.push({ type: 'context', name: 'current', to: previous });
  const file = join(tempDir(), 'config.heapsnapshot');
  writeFileSync(file, buildSnapshot(nodes));
  const a = new SnapshotAnalysis(await loadSnapshot(file));
  const { userVariableOnPath } = await import('../../src/analysis/snapshot/holder-variable.js');
  const oldest = userVariableOnPath(a, tables[0], () => true);
  assert.equal(oldest?.expression, 'current.describe');
  assert.deepEqual(oldest?.chain && { name: oldest.chain.name, links: oldest.chain.links }, { name: 'previous', links: 4 });
  // One link is no chain; the newest config's table is simply in `current`.
  assert.equal(userVariableOnPath(a, tables[3], () => true)?.chain, undefined);
  assert.equal(userVariableOnPath(a, tables[4], () => true)?.expression, 'current.table');
});

test('objects held only by the stack (in the hands of the code running at the snapshot) do not vote: the variable that keeps the rest is the holder', async () => {
  const { nodes, add, root, context } = moduleGraph('/app/dedupe.js', 'tick');
  const seen = add({ type: 'object', name: 'Set', edges: [] });
  nodes[context].edges!.push({ type: 'context', name: 'seen', to: seen });
  for (let i = 0; i < 20; i++)
    nodes[seen].edges!.push({ type: 'element', name: i, to: add({ type: 'string', name: `id-${i}`, trace: 0 }) });
  // A batch being parsed when the snapshot was taken: more objects of the same site, on the stack only.
  const stackRoots = add({ type: 'synthetic', name: '(Stack roots)', edges: [] });
  nodes[root].edges!.push({ type: 'element', name: 9, to: stackRoots });
  const batch = add({ type: 'array', name: '', edges: [] });
  nodes[stackRoots].edges!.push({ type: 'element', name: 0, to: batch });
  for (let i = 0; i < 30; i++)
    nodes[batch].edges!.push({ type: 'element', name: i, to: add({ type: 'object', name: 'Object', trace: 0 }) });
  const file = join(tempDir(), 'dedupe.heapsnapshot');
  writeFileSync(
    file,
    buildSnapshot(nodes, [], { traces: { functions: [{ name: 'tick', script: '/app/dedupe.js', line: 3, column: 10 }], stacks: [[0]] } }),
  );
  const a = new SnapshotAnalysis(await loadSnapshot(file));
  const key = keyOf(a, 'Object');
  const h = suspectPaths(a, new Set([key]), {}).get(key)!;
  assert.equal(h.matched, 50);
  assert.equal(h.unshown.onStack, 30);
  assert.equal(h.paths[0].objects, 20);
  assert.ok(
    h.paths[0].path.some((hop) => hop.startsWith('(context) seen → Set')),
    h.paths[0].path.join(' '),
  );
  assert.ok(!h.paths.some((p) => p.path.some((hop) => hop.includes('(Stack roots)'))));
});

test('a path that reaches the program’s object through a package’s own closure (koa’s listener over its Application) names the variable that holds that object, and says so', async () => {
  const nodes: BuiltNode[] = [];
  const add = (n: BuiltNode): number => nodes.push(n) - 1;
  const root = add({ type: 'synthetic', name: '', edges: [] });
  const closureOf = (file: string, name: string, context: number): number => {
    const script = add({ type: 'code', name: file });
    const shared = add({ type: 'code', name, edges: [{ type: 'internal', name: 'script', to: script }] });
    return add({
      type: 'closure',
      name,
      edges: [
        { type: 'internal', name: 'context', to: context },
        { type: 'internal', name: 'shared', to: shared },
      ],
    });
  };
  const application = add({ type: 'object', name: 'Application', edges: [] });
  const middleware = add({ type: 'array', name: '', edges: [] });
  nodes[application].edges!.push({ type: 'property', name: 'middleware', to: middleware });
  const flag = add({ type: 'object', name: 'Flag' });
  nodes[middleware].edges!.push({ type: 'element', name: 0, to: flag });
  // The package's request listener, the short way from the root: server → _events.request → (closure) → this.
  const koaContext = add({ type: 'object', name: 'system / Context', edges: [{ type: 'context', name: 'this', to: application }] });
  const listener = closureOf('/app/node_modules/koa/lib/application.js', 'handleRequest', koaContext);
  const events = add({ type: 'object', name: 'Object', edges: [{ type: 'property', name: 'request', to: listener }] });
  const server = add({ type: 'object', name: 'Server', edges: [{ type: 'property', name: '_events', to: events }] });
  // The program's module scope, where `app` is, one hop further away.
  const moduleContext = add({ type: 'object', name: 'system / Context', edges: [{ type: 'context', name: 'app', to: application }] });
  const handler = closureOf('/app/server.js', 'registerFlag', moduleContext);
  const y = add({ type: 'object', name: 'Object', edges: [{ type: 'property', name: 'handler', to: handler }] });
  const x = add({ type: 'object', name: 'Object', edges: [{ type: 'property', name: 'y', to: y }] });
  const moduleRecord = add({ type: 'object', name: 'Module', edges: [{ type: 'property', name: 'x', to: x }] });
  nodes[root].edges!.push({ type: 'element', name: 1, to: server }, { type: 'element', name: 2, to: moduleRecord });
  const file = join(tempDir(), 'koa.heapsnapshot');
  writeFileSync(file, buildSnapshot(nodes));
  const a = new SnapshotAnalysis(await loadSnapshot(file));
  const { userVariableOnPath } = await import('../../src/analysis/snapshot/holder-variable.js');
  const { retainerPath } = await import('../../src/analysis/snapshot/shortest-paths.js');
  // The path shown runs through koa's closure, not through `app`.
  assert.ok(retainerPath(a.paths, flag).some((step) => step.ordinal === listener));
  const isUser = (f: string): boolean => !f.includes('node_modules');
  assert.deepEqual(userVariableOnPath(a, flag, isUser), {
    name: 'app',
    expression: 'app.middleware',
    file: '/app/server.js',
    closureAt: null,
    holdsObjectOnPath: true,
  });
  // No variable of the user's code holds anything on the path: nothing is named.
  assert.equal(
    userVariableOnPath(a, flag, () => false),
    null,
  );
});

test('a path that ends in a scope of the user’s code (through its own request listener) names no other variable that holds an object on the way', async () => {
  const nodes: BuiltNode[] = [];
  const add = (n: BuiltNode): number => nodes.push(n) - 1;
  const root = add({ type: 'synthetic', name: '', edges: [] });
  const script = add({ type: 'code', name: '/app/server.js' });
  const shared = add({ type: 'code', name: 'onRequest', edges: [{ type: 'internal', name: 'script', to: script }] });
  const moduleContext = add({ type: 'object', name: 'system / Context', edges: [] });
  const listener = add({
    type: 'closure',
    name: 'onRequest',
    edges: [
      { type: 'internal', name: 'context', to: moduleContext },
      { type: 'internal', name: 'shared', to: shared },
    ],
  });
  const events = add({ type: 'object', name: 'Object', edges: [{ type: 'property', name: 'request', to: listener }] });
  const server = add({ type: 'object', name: 'Server', edges: [{ type: 'property', name: '_events', to: events }] });
  const auditLog = add({ type: 'array', name: '', edges: [] });
  nodes[moduleContext].edges!.push({ type: 'context', name: 'server', to: server }, { type: 'context', name: 'auditLog', to: auditLog });
  nodes[root].edges!.push({ type: 'element', name: 1, to: server });
  const file = join(tempDir(), 'scope-end.heapsnapshot');
  writeFileSync(file, buildSnapshot(nodes));
  const a = new SnapshotAnalysis(await loadSnapshot(file));
  const { userVariableOnPath } = await import('../../src/analysis/snapshot/holder-variable.js');
  // What the module's scope holds is in one of its variables, not known which: not `server`.
  assert.equal(
    userVariableOnPath(a, moduleContext, () => true),
    null,
  );
});
