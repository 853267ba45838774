import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import {
  constructedClass,
  findCallLine,
  findShapeLine,
  functionFrame,
  madeOf,
  resolveCallLines,
  ScriptSources,
} from '../../src/analysis/call-lines.js';
import type { Leak, ObjectShape } from '../../src/analysis/leak-report.js';
import type { Frame } from '../../src/model/frame.js';

const dir = mkdtempSync(join(tmpdir(), 'leaktrace-call-lines-'));

function script(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The frame V8 reports for a function: its name, and the position of its `(` (1-based). */
function frameOf(file: string, text: string, functionName: string, head: string): Frame {
  const offset = text.indexOf(head);
  assert.ok(offset >= 0, head);
  const before = text.slice(0, offset + head.indexOf('('));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return { functionName, file, line, column };
}

const APP = `'use strict';
const registry = require('./registry');
function handle(req) {
  const route = { path: req.url };
  validate(route);
  const nested = () => registry.register(route); // a frame of its own, not handle's call
  return registry.register(route);
}
function twice(item) {
  registry.register(item);
  registry.register({ again: item });
}
class Store {
  constructor() { this.items = []; }
  put(item) {
    this.items.push(item);
    return new Entry(item);
  }
}
function handOn(list) {
  return list.map(format);
}
`;

test('a frame moves from its function to its only call into the next frame', () => {
  const file = script('app.js', APP);
  const sources = new ScriptSources();
  const callee: Frame = { functionName: 'register', file: '/x/registry.js', line: 3, column: 18 };
  const r = findCallLine(sources, frameOf(file, APP, 'handle', 'function handle('), callee);
  // Line 6's call is inside the arrow function: not handle's own.
  assert.deepEqual(r, { kind: 'call', line: 7, column: 19, how: 'call' });
  // Methods, `new`, and names V8 qualifies (Store.put).
  const put = frameOf(file, APP, 'put', 'put(item)');
  assert.deepEqual(findCallLine(sources, put, { ...callee, functionName: 'Entry' }), { kind: 'call', line: 17, column: 12, how: 'call' });
  assert.deepEqual(findCallLine(sources, { ...put, functionName: 'Store.put' }, { ...callee, functionName: 'Array.push' }), {
    kind: 'call',
    line: 16,
    column: 16,
    how: 'call',
  });
  // A callback handed on, not called here.
  const handOn = frameOf(file, APP, 'handOn', 'function handOn(');
  assert.deepEqual(findCallLine(sources, handOn, { ...callee, functionName: 'format' }), {
    kind: 'call',
    line: 21,
    column: 19,
    how: 'reference',
  });
});

test('two calls, no call, no name, TypeScript, a file URL: the function line stays, and why', () => {
  const file = script('app2.js', APP);
  const sources = new ScriptSources();
  const callee: Frame = { functionName: 'register', file: '/x/registry.js', line: 3, column: 18 };
  const twice = frameOf(file, APP, 'twice', 'function twice(');
  assert.deepEqual(findCallLine(sources, twice, callee), { kind: 'ambiguous', lines: [10, 11], how: 'call' });
  const handle = frameOf(file, APP, 'handle', 'function handle(');
  assert.equal(findCallLine(sources, handle, { ...callee, functionName: 'addListener' }).kind, 'none');
  assert.equal(findCallLine(sources, handle, { ...callee, functionName: '(anonymous)' }).kind, 'none');
  const ts = script('app.ts', APP);
  assert.match((findCallLine(sources, { ...handle, file: ts }, callee) as { why: string }).why, /TypeScript/);
  const url = pathToFileURL(file).href;
  assert.equal(findCallLine(sources, { ...handle, file: url }, callee).kind, 'call');
  assert.match((findCallLine(sources, { ...handle, file: 'node:internal/x' }, callee) as { why: string }).why, /not a file/);
});

test('resolveCallLines moves the user frame, keeps the site, and says how in the evidence', () => {
  const file = script('app3.js', APP);
  const register: Frame = { functionName: 'register', file: join(dir, 'node_modules/registry/index.js'), line: 3, column: 18 };
  const handle = frameOf(file, APP, 'handle', 'function handle(');
  const leak: Leak = {
    kind: 'heap',
    site: register,
    userFrame: handle,
    package: 'registry',
    resource: null,
    probability: 1,
    perIteration: null,
    stack: [register, handle],
    evidence: 'grew',
  };
  resolveCallLines([leak]);
  assert.deepEqual(leak.site, register, 'the innermost frame keeps its function line');
  assert.equal(leak.userFrame!.line, 7);
  assert.equal(leak.stack[1].line, 7);
  assert.deepEqual(functionFrame(leak.userFrame!), handle, 'the position V8 gave is kept');
  assert.match(leak.evidence, /app3\.js:7 for handle: the only line where it calls register/);
  assert.match(leak.evidence, /index\.js:3, where register starts \(the allocating statement in it is not known\)/);
  const handleLeak: Leak = { ...leak, kind: 'handle', userFrame: handle, stack: [register, handle], evidence: '' };
  resolveCallLines([handleLeak]);
  assert.equal(handleLeak.userFrame!.line, handle.line, 'handle stacks are real stack traces: left alone');
});

// acorn itself gives up on this one (a 100,000-term expression): the frame keeps its line, the
// report is not lost. (A walk too deep for our own visitor is caught the same way.)
test('a source too deep to parse keeps the function line instead of failing the report', () => {
  const deep = `function f() {\n  g();\n  return 1${' + 1'.repeat(100000)};\n}\n`;
  const file = script('deep.js', deep);
  const f: Frame = { functionName: 'f', file, line: 1, column: 11 };
  const g: Frame = { functionName: 'g', file: '/x/g.js', line: 1, column: 1 };
  const leak: Leak = {
    kind: 'heap',
    site: g,
    userFrame: f,
    package: null,
    resource: null,
    probability: 1,
    perIteration: null,
    stack: [g, f],
    evidence: '',
  };
  resolveCallLines([leak]);
  assert.equal(leak.userFrame!.line, 1);
  assert.match(leak.evidence, /did not parse/);
});

const SHAPES = `'use strict';
const seen = new Map();
function remember(id, label) {
  const scratch = { id, tmp: [id] };
  if (scratch.tmp.length > 9) return;
  seen.set(id, {
    id,
    label,
    at: Date.now(),
  });
}
function twoKinds(id) {
  if (id % 2) return { id, label: 'odd' };
  const partial = { id };
  partial.label = 'even';
  return partial;
}
function copies(base) {
  return { ...base };
}
function lists(id) {
  const pair = [id, id + 1];
  return pair.map(String);
}
function sets() {
  return new Set();
}
function parsed(body) {
  const fallback = { id: 0, label: '' };
  return JSON.parse(body) ?? fallback;
}
function listen(bus) {
  const state = { n: 0 };
  bus.on('tick', function onTick() {
    state.n++;
  });
}
function startHeartbeat(conn) {
  const beat = { conn };
  conn.timer = setInterval(() => beat, 1000);
}
function compressor(zlib) {
  const options = { level: 6 };
  return zlib.createGzip(options);
}
let debugLog = '';
function logLine(s) {
  debugLog += s + '\\n';
}
function guarded(s) {
  if (s) {
    debugLog += s;
  }
}
`;

/** A plain object's shape: certain keys, then keys it perhaps has. */
function objects(properties: string[], moreProperties: string[] = []): ObjectShape {
  return { className: 'Object', properties, moreProperties, objects: 10, tops: 20 };
}

test('the innermost frame moves to the one statement that makes its objects’ shape', () => {
  const file = script('shapes.js', SHAPES);
  const sources = new ScriptSources();
  const at = (name: string) => frameOf(file, SHAPES, name, `function ${name}(`);
  // Keys in order, the last ones perhaps: the literal on line 6, not the scratch one on line 4.
  assert.deepEqual(findShapeLine(sources, at('remember'), objects(['id', 'label'], ['at'])), {
    kind: 'call',
    line: 6,
    column: 16,
    how: 'shape',
  });
  // A literal with keys the objects do not have is not theirs.
  assert.equal(findShapeLine(sources, at('remember'), objects(['id', 'name'])).kind, 'none');
  // All the keys, in one literal; or, failing that, the first of them (more added later).
  assert.deepEqual(findShapeLine(sources, at('twoKinds'), objects(['id', 'label'])), { kind: 'call', line: 13, column: 22, how: 'shape' });
  assert.deepEqual(findShapeLine(sources, at('twoKinds'), objects(['id'], ['label'])), {
    kind: 'ambiguous',
    lines: [13, 14],
    how: 'shape',
  });
  // A copy by spread.
  assert.equal((findShapeLine(sources, at('copies'), objects(['a', 'b'])) as { line: number }).line, 19);
  // Arrays: not when a call in the function makes arrays too.
  assert.deepEqual(findShapeLine(sources, at('lists'), { ...objects([]), className: 'Array' }), {
    kind: 'none',
    why: 'it also calls map, which makes arrays too',
  });
  assert.equal((findShapeLine(sources, at('sets'), { ...objects([]), className: 'Set' }) as { line: number }).line, 26);
  // A call that makes objects too: the literal of the same keys is not claimed.
  assert.deepEqual(findShapeLine(sources, at('parsed'), objects(['id', 'label'])), {
    kind: 'none',
    why: 'it also calls parse, which makes objects with keys id, label too',
  });
  // A closure: the function defined at line 34, made where its expression is, in listen's body.
  const onTick: ObjectShape = { ...objects([]), className: 'Function', functionName: 'onTick', defined: { line: 34, column: 34 } };
  assert.equal((findShapeLine(sources, at('listen'), onTick) as { line: number }).line, 34);
  assert.equal(findShapeLine(sources, at('listen'), { ...onTick, defined: { line: 35, column: 1 } }).kind, 'none');
});

test('resolveCallLines: a leak with a known shape gets its statement’s line, and the evidence says how', () => {
  const file = script('shapes2.js', SHAPES);
  const site = frameOf(file, SHAPES, 'remember', 'function remember(');
  const leak: Leak = {
    kind: 'heap',
    site,
    userFrame: site,
    package: null,
    resource: null,
    probability: 1,
    perIteration: null,
    stack: [site],
    evidence: 'grew',
    shape: { ...objects(['id', 'label'], ['at']), objects: 500, tops: 1500 },
  };
  resolveCallLines([leak]);
  assert.equal(leak.userFrame!.line, 6);
  assert.deepEqual(functionFrame(leak.userFrame!), site);
  assert.match(
    leak.evidence,
    /shapes2\.js:6 for remember: 500 of the 1500 outermost live objects the holders snapshot attributes to this site \(those not held inside another of them\) are objects with keys id, label \(and perhaps at\), and that line has the only statement in remember that makes them/,
  );
});

const ALIASES = `'use strict';
function op(hist, n) {
  const route = '/users/' + n + '/profile';
  const at = Math.random() + JSON.stringify({ n }).length + 'x'.repeat(2).length;
  hist.observe({ route }, at);
}
function two(a, b) {
  a.first();
  b.second();
}
`;

test('a callee called under another name: the only call that is not a built-in is taken, and said so', () => {
  const file = script('aliases.js', ALIASES);
  const sources = new ScriptSources();
  const callee: Frame = { functionName: 'observeWithoutExemplar', file: '/x/histogram.js', line: 73, column: 25 };
  // Math.random, JSON.stringify and a string literal's repeat are built-ins: hist.observe is the one.
  assert.deepEqual(findCallLine(sources, frameOf(file, ALIASES, 'op', 'function op('), callee), {
    kind: 'call',
    line: 5,
    column: 8,
    how: 'only-call',
    text: 'hist.observe(…)',
  });
  // Two candidates: the function's line stays.
  assert.equal(findCallLine(sources, frameOf(file, ALIASES, 'two', 'function two('), callee).kind, 'none');
});

test('a callee its own script gives another name (this.inc = this.incWithoutExemplar): the one call under that name is the way in', () => {
  // prom-client's Counter: users call counter.inc, V8's stack names incWithoutExemplar (blind
  // red-team: an operation calling crypto.randomUUID() then counter.inc() kept the function's first line).
  const COUNTER = `'use strict';
class Counter {
  constructor() {
    this.inc = this.incWithoutExemplar;
  }
  incWithoutExemplar(labels, value) {
    return setValue(this.hashMap, labels, value);
  }
}
module.exports = { Counter, aliases: { bump: Counter.prototype.incWithoutExemplar } };
`;
  const OP = `'use strict';
module.exports = function handleOne(counter, crypto) {
  const trace = crypto.randomUUID();
  counter.inc({ user: 'alice', trace });
  return trace.length;
};
function twice(counter) {
  counter.inc({ a: 1 });
  counter.bump({ b: 2 });
}
`;
  const lib = script('counter.js', COUNTER);
  const file = script('op-alias.js', OP);
  const sources = new ScriptSources();
  const callee = frameOf(lib, COUNTER, 'incWithoutExemplar', 'incWithoutExemplar(labels');
  assert.deepEqual(findCallLine(sources, frameOf(file, OP, 'handleOne', 'function handleOne('), callee), {
    kind: 'call',
    line: 4,
    column: 11,
    how: 'alias',
    text: 'inc',
  });
  // Calls under two of its names: which one ran is not known, and the function's line stays.
  assert.equal(findCallLine(sources, frameOf(file, OP, 'twice', 'function twice('), callee).kind, 'none');
});

test('a property descriptor’s get or set is reached by reading or writing a property: a caller’s call named get is not it', () => {
  const LIB = `'use strict';
function defineBound(proto, key, fn) {
  Object.defineProperty(proto, key, {
    configurable: true,
    get() { return fn.bind(this); },
    set(value) { this['_' + key] = value; },
  });
}
Object.defineProperties(exports, { lazy: { get: function () { return {}; } } });
class Store {
  get(key) { return this.map.get(key); }
}
const view = Object.create(Store.prototype, { size: { get: () => 0, set(v) { this.n = v; } } });
`;
  const CALLER = `'use strict';
function schemaFor(cache, key, store) {
  let s = cache.get(key);
  if (!s) s = build(key).int;
  return store.get(key);
}
`;
  const lib = script('lib.js', LIB);
  const caller = script('caller.js', CALLER);
  const sources = new ScriptSources();
  const frame = frameOf(caller, CALLER, 'schemaFor', 'function schemaFor(');
  const getter = frameOf(lib, LIB, 'get', 'get() {');
  const r = findCallLine(sources, frame, getter);
  assert.equal(r.kind, 'none');
  assert.match((r as { why: string }).why, /the get of a property descriptor \(lib\.js:5\): it runs when a property is read/);
  const setter = frameOf(lib, LIB, 'set', 'set(value)');
  assert.match((findCallLine(sources, frame, setter) as { why: string }).why, /the set of a property descriptor .* written/);
  // In Object.defineProperties' map too.
  const lazy = frameOf(lib, LIB, 'get', 'function () { return {}; }');
  assert.equal(findCallLine(sources, frame, lazy).kind, 'none');
  // And in Object.create's.
  const created = frameOf(lib, LIB, 'set', 'set(v)');
  assert.match((findCallLine(sources, frame, created) as { why: string }).why, /the set of a property descriptor \(lib\.js:13\)/);
  // A class's method named get is called by name: both calls named get are candidates.
  const method = frameOf(lib, LIB, 'get', 'get(key)');
  assert.deepEqual(findCallLine(sources, frame, method), { kind: 'ambiguous', lines: [3, 5], how: 'call' });
});

test("Node's objects made by a factory call are placed at that call: a Timeout at setInterval", () => {
  const file = script('shapes.js', SHAPES);
  const sources = new ScriptSources();
  const frame = frameOf(file, SHAPES, 'startHeartbeat', 'function startHeartbeat(');
  const timeouts: ObjectShape = { className: 'Timeout', properties: [], moreProperties: [], objects: 10, tops: 20 };
  const found = findShapeLine(sources, frame, timeouts) as { kind: string; line: number };
  assert.equal(found.kind, 'call');
  assert.equal(found.line, SHAPES.split('\n').findIndex((l) => l.includes('setInterval(')) + 1);
  // A class with no factory known: still only `new`.
  assert.equal(findShapeLine(sources, frame, { ...timeouts, className: 'Gzip' }).kind, 'none');
  // create<Class>: a Gzip by zlib.createGzip.
  const zipper = frameOf(file, SHAPES, 'compressor', 'function compressor(');
  assert.equal(
    (findShapeLine(sources, zipper, { ...timeouts, className: 'Gzip' }) as { line: number }).line,
    SHAPES.split('\n').findIndex((l) => l.includes('zlib.createGzip(')) + 1,
  );
});

test('a function with one statement only: whatever it allocates, that statement does; not one whose statement holds others', async () => {
  const { findOnlyStatement } = await import('../../src/analysis/call-lines.js');
  const file = script('shapes.js', SHAPES);
  const sources = new ScriptSources();
  const lineOf = (text: string): number => SHAPES.split('\n').findIndex((l) => l.includes(text)) + 1;
  const only = findOnlyStatement(sources, frameOf(file, SHAPES, 'logLine', 'function logLine(')) as { kind: string; line: number };
  assert.equal(only.kind, 'call');
  assert.equal(only.line, lineOf("debugLog += s + '"));
  assert.equal(findOnlyStatement(sources, frameOf(file, SHAPES, 'guarded', 'function guarded(')).kind, 'none');
  assert.equal(findOnlyStatement(sources, frameOf(file, SHAPES, 'startHeartbeat', 'function startHeartbeat(')).kind, 'none');
});

test('objectLiteralKeys: the one key list of the literals a function makes in its own body', async () => {
  const { objectLiteralKeys } = await import('../../src/analysis/call-lines.js');
  const dir = mkdtempSync(join(tmpdir(), 'lt-literals-'));
  const file = join(dir, 'app.js');
  writeFileSync(
    file,
    [
      'function audit(req) {',
      '  log.push({ url: req.url, headers: { ...req.headers }, at: Date.now() });',
      '  later(() => ({ other: 1 }));',
      '}',
      'function two(a) {',
      '  return a ? { x: 1 } : { y: 2 };',
      '}',
      'function same(a) {',
      "  return a ? { x: 1, 'y': 2 } : { x: 3, y: 4 };",
      '}',
      'function none(a) {',
      '  return [a];',
      '}',
    ].join('\n'),
  );
  const sources = new ScriptSources();
  const at = (line: number, column: number) => ({ functionName: 'f', file, line, column });
  // The spread literal inside is another object; the arrow's literal is its own function's.
  assert.deepEqual(objectLiteralKeys(sources, at(1, 15)), ['url', 'headers', 'at']);
  assert.equal(objectLiteralKeys(sources, at(5, 13)), null);
  assert.deepEqual(objectLiteralKeys(sources, at(8, 14)), ['x', 'y']);
  assert.equal(objectLiteralKeys(sources, at(11, 14)), null);
  assert.equal(objectLiteralKeys(sources, { functionName: 'f', file: '/nonexistent.js', line: 1, column: 1 }), null);
});

/** A package under `dir/node_modules/<name>`: its files, by path inside it. */
function pkg(name: string, files: Record<string, string>): string {
  const root = join(dir, 'node_modules', name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test('findCallLine: a package method V8 names app.<computed> (express makes app.get in a loop) is found at the one call on app', () => {
  const root = pkg('webfw', {
    'lib/application.js': `const app = {};\n['get', 'post'].forEach(function (method) {\n  app[method] = function (path) { return path; };\n});\nmodule.exports = () => app;\n`,
  });
  const APP_EX = `const webfw = require('webfw');\nconst app = webfw();\napp.get('/a', (req, res) => {\n  res.json({ ok: true });\n  app.get('/a/' + req.id, () => 1);\n  String(req.id);\n});\n`;
  const file = script('express-like.js', APP_EX);
  const handler = frameOf(file, APP_EX, '', '(req, res) =>');
  const callee = { functionName: 'app.<computed>', file: join(root, 'lib/application.js'), line: 3, column: 26 };
  const r = findCallLine(new ScriptSources(), handler, callee);
  assert.deepEqual(r, { kind: 'call', line: 5, column: 7, how: 'receiver', text: 'app.get(…)' });
});

test('findCallLine: a callee that is its file’s module.exports is found under the name the package’s index exports it as', () => {
  const root = pkg('logkit', {
    'index.js': `exports.createLogger = require('./lib/create-logger');\nexports.format = { json: () => ({}) };\n`,
    'lib/create-logger.js': `module.exports = function (opts) {\n  return { opts };\n};\n`,
    'lib/unrelated.js': `const x = require('./other');\n`,
  });
  const JOB = `const logkit = require('logkit');\nfunction loggerFor(job) {\n  return logkit.createLogger({\n    format: logkit.format.json(),\n  });\n}\n`;
  const file = script('logger-like.js', JOB);
  const caller = frameOf(file, JOB, 'loggerFor', 'loggerFor(job)');
  const callee = { functionName: 'module.exports', file: join(root, 'lib/create-logger.js'), line: 1, column: 27 };
  const r = findCallLine(new ScriptSources(), caller, callee);
  assert.deepEqual(r, { kind: 'call', line: 3, column: 17, how: 'exported', text: 'createLogger' });
});

test('findCallLine: with no name to go by, the one call on what the package made (api = httpkit.create()) leads in; two such calls do not', () => {
  const root = pkg('httpkit', { 'lib/core.js': `module.exports = { make() { return { hooks: { add() {} } }; } };\n` });
  const CALLER = `import httpkit from 'httpkit';\nconst api = httpkit.make();\nexport function call(token) {\n  const headers = { token };\n  api.hooks.add((cfg) => cfg);\n  return JSON.stringify(headers);\n}\nexport function twice() {\n  api.hooks.add(() => 1);\n  api.hooks.add(() => 2);\n}\n`;
  const file = script('package-call.mjs', CALLER);
  const callee = { functionName: '', file: join(root, 'lib/core.js'), line: 1, column: 30 };
  const sources = new ScriptSources();
  const r = findCallLine(sources, frameOf(file, CALLER, 'call', 'call(token)'), callee);
  assert.deepEqual(r, { kind: 'call', line: 5, column: 13, how: 'package', text: 'api.hooks.add(…)' });
  const two = findCallLine(sources, frameOf(file, CALLER, 'twice', 'twice()'), callee);
  assert.equal(two.kind, 'none');
});

test('constructedClass: the one class a function news in its own body; none where it news two, or none', () => {
  const SRC = `function open(cb) {\n  setImmediate(() => cb(new lib.Connection(1)));\n}\nconst one = () => cb(new Connection(++n));\nconst two = () => [new A(), new B()];\nconst plain = () => ({ a: 1 });\n`;
  const file = script('constructs.js', SRC);
  const sources = new ScriptSources();
  assert.equal(constructedClass(sources, frameOf(file, SRC, 'one', '() => cb(new Connection')), 'Connection');
  // The nested arrow is a frame of its own: open itself news nothing.
  assert.equal(constructedClass(sources, frameOf(file, SRC, 'open', 'open(cb)')), null);
  assert.equal(constructedClass(sources, frameOf(file, SRC, '', '() => cb(new lib.')), 'Connection');
  assert.equal(constructedClass(sources, frameOf(file, SRC, 'two', '() => [new A')), null);
  assert.equal(constructedClass(sources, frameOf(file, SRC, 'plain', '() => ({')), null);
});

const SPANS = `'use strict';
const spans = [];
function startSpan(req) {
  const id = spans.length + 1;
  const span = { id, url: req.url, start: Date.now(), queries: [] };
  spans.push(span);
  return span;
}
`;

test('resolveCallLines: a site whose kind was read in its source (its one literal voted on the holders) gets the literal’s line, said as such', async () => {
  const { votedShape } = await import('../../src/check/sample-paths.js');
  const file = script('spans.js', SPANS);
  const site = frameOf(file, SPANS, 'startSpan', 'function startSpan(');
  const sources = new ScriptSources();
  const kind = { kind: 'objects with keys id, url, start, queries', why: 'literal' as const, objects: 11_332, attributed: 0, paths: [] };
  const shape = votedShape(sources, site, kind);
  assert.deepEqual(shape, {
    className: 'Object',
    properties: ['id', 'url', 'start', 'queries'],
    moreProperties: [],
    objects: 11_332,
    tops: 11_332,
    votedBy: 'source',
  });
  // A kind seen among attributed objects is no reading of the source: no shape from it.
  assert.equal(votedShape(sources, site, { ...kind, why: 'attributed' }), null);
  const leak: Leak = {
    kind: 'heap',
    site,
    userFrame: site,
    package: null,
    resource: null,
    probability: 1,
    perIteration: null,
    stack: [site],
    evidence: 'grew',
    shape: shape!,
  };
  resolveCallLines([leak], sources);
  assert.equal(leak.userFrame!.line, 5);
  assert.match(
    leak.evidence,
    /spans\.js:5 for startSpan: its objects, voted by kind on the holders, are objects with keys id, url, start, queries \(the kind read in its source\), and that line has the only statement in startSpan that makes them/,
  );
  assert.equal(
    madeOf(shape!),
    'objects with keys id, url, start, queries — the kind read in its source, 11332 such objects in the holders snapshot',
  );
});
