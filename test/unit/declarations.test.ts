import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { ScriptSources } from '../../src/analysis/call-lines.js';
import { declaredBound, findDeclaration } from '../../src/analysis/declarations.js';

function write(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'lt-decl-')), name);
  writeFileSync(file, text);
  return file;
}

const SERVER = `'use strict';
const { WebSocketServer } = require('ws');
const clients = [];
const wss = new WebSocketServer({ port: 0 });
wss.on('connection', function onConnection(ws, req) {
  clients.push({ ws, ip: req.socket.remoteAddress });
});
function perRoom() {
  const clients = new Map();
  return (id, c) => clients.set(id, c);
}
module.exports = { perRoom };
`;

test('a variable is found in the scope of the function closing over it: the module’s, or the one a nested function shadows', () => {
  const file = write('server.cjs', SERVER);
  const sources = new ScriptSources();
  // onConnection (line 5) is defined in the module's scope: the module's `clients`, line 3.
  assert.deepEqual(findDeclaration(sources, file, 'clients', { line: 5, column: 43 }), { kind: 'found', line: 3, column: 7 });
  // The arrow on line 10 is defined in perRoom's scope: perRoom's own `clients`, line 9.
  assert.deepEqual(findDeclaration(sources, file, 'clients', { line: 10, column: 10 }), { kind: 'found', line: 9, column: 9 });
  // Without a function to place it, two declarations are one too many to choose from.
  assert.deepEqual(findDeclaration(sources, file, 'clients', null), {
    kind: 'none',
    why: 'clients is declared 2 times in the file on disk',
  });
  assert.deepEqual(findDeclaration(sources, file, 'wss', null), { kind: 'found', line: 4, column: 7 });
  assert.equal(findDeclaration(sources, file, 'rooms', null).kind, 'none');
});

test('declarations of every kind: destructuring, defaults, rest, functions, classes, imports; ES modules by file: URL', () => {
  const file = write(
    'kinds.mjs',
    `import { registry as reg } from './x.js';
import * as ns from './y.js';
const { a, b: { c = 1 }, ...rest } = {};
let [d, , ...e] = [];
function make(f = 2, { g }) {}
class Pool {}
`,
  );
  const sources = new ScriptSources();
  const line = (name: string): number | null => {
    const r = findDeclaration(sources, pathToFileURL(file).href, name, null);
    return r.kind === 'found' ? r.line : null;
  };
  assert.deepEqual(['reg', 'ns', 'a', 'c', 'rest', 'd', 'e', 'make', 'f', 'g', 'Pool', 'registry', 'b'].map(line), [
    1,
    2,
    3,
    3,
    3,
    4,
    4,
    5,
    5,
    5,
    6,
    null,
    null,
  ]);
});

test('a source that cannot be read or parsed says why, not a line', () => {
  const sources = new ScriptSources();
  assert.deepEqual(findDeclaration(sources, '/nonexistent/app.js', 'x', null), { kind: 'none', why: 'source file not readable' });
  const broken = write('broken.js', 'const x = ;\n');
  assert.deepEqual(findDeclaration(sources, broken, 'x', null), { kind: 'none', why: 'source did not parse as JavaScript' });
});

test('declaredBound reads the bound a cache’s declaration passes, and nothing where there is none', () => {
  const file = write(
    'caches.cjs',
    `'use strict';
const { LRUCache } = require('lru-cache');
const LRU = require('lru-cache');
const userDirectory = new LRUCache({ max: 20000, ttl: 60_000 });
const old = new LRU(500);
const nodeCache = new (require('node-cache'))({ stdTTL: 100 });
const byConfig = createPool({ max: config.size });
const plain = new Map();
const list = [];
const named = new Widget(500);
`,
  );
  const sources = new ScriptSources();
  const at = (name: string) => {
    const d = findDeclaration(sources, file, name, null);
    assert.equal(d.kind, 'found', name);
    return d.kind === 'found' ? declaredBound(sources, file, d.line, d.column) : null;
  };
  assert.deepEqual(at('userDirectory'), { callee: 'LRUCache', key: 'max', value: '20000' });
  assert.deepEqual(at('old'), { callee: 'LRU', key: 'size', value: '500' });
  assert.deepEqual(at('nodeCache'), { callee: '(call)', key: 'stdTTL', value: '100' });
  assert.deepEqual(at('byConfig'), { callee: 'createPool', key: 'max', value: '…' });
  assert.equal(at('plain'), null);
  assert.equal(at('list'), null);
  // A number to a constructor whose name says nothing of a cache is not read as a bound.
  assert.equal(at('named'), null);
});
