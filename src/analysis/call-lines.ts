import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse, type Node } from 'acorn';
import { FUNCTION_TYPES, children, nameOf } from './js-ast.js';
import { exportedNames, ownCalls, packageBindings } from './package-calls.js';
import { type Frame, sameFrame } from '../model/frame.js';
import { NODE_INTERNALS, isTypeScriptFile, packageFromPath, scriptPath } from './attribution.js';
import type { Leak, ObjectShape } from './leak-report.js';

/**
 * From "which function" to "which line".
 *
 * V8's allocation sampling (and its allocation tracker) records, for each frame of an
 * allocation's stack, the function — its name and where it starts — but not the statement
 * that was running in it. A frame "subscribe (app.js:3:36)" therefore points at subscribe's
 * first line, whatever line of subscribe led to the allocation. For every frame but the
 * innermost we know more: the next frame in is the function it called. So we read the
 * frame's function in its source file and look for calls to that callee's name in the
 * function's own body (not in functions nested in it, which would be frames of their own).
 * One matching line is the call site; several are reported as candidates and the frame keeps
 * its function's line. The innermost frame (the allocation site) allocates by statement
 * (`{}`, `[]`, a string), which has no name to look for — unless the holders snapshot showed
 * what the leaked objects are (`Leak.shape`): then the one object literal with their keys, the
 * one `new Map`, the one array literal in the function is the statement (`findShapeLine`);
 * otherwise it keeps its function's line.
 *
 * acorn parses the source: a well-kept, small parser, and only a handful of files (those on
 * the reported leaks' stacks) are ever parsed. TypeScript, or code that does not parse,
 * keeps the function's line, and the evidence says why.
 */

/** Where a frame's function starts, kept when `line`/`column` are moved to the call in it. */
export interface CallSiteFrame extends Frame {
  functionStart?: { line: number; column: number };
}

export type CallLineResult =
  | {
      kind: 'call';
      line: number;
      column: number;
      how: 'call' | 'reference' | 'shape' | 'only-call' | 'only-statement' | 'alias' | 'exported' | 'receiver' | 'package';
      text?: string;
    }
  | { kind: 'ambiguous'; lines: number[]; how: 'call' | 'reference' | 'shape' }
  | { kind: 'none'; why: string };

export interface ParsedScript {
  ast: Node;
  lineStarts: number[];
}

/**
 * Parses each script once; null (with why) when it cannot be read or parsed. `ran`: the code
 * V8 ran for scripts that differ from their file on disk (compiled in memory by a loader such
 * as tsx, asked of the program: loaded-scripts.ts), by script name; the positions V8 records
 * are in that code.
 */
export class ScriptSources {
  private readonly scripts = new Map<string, ParsedScript | { error: string }>();

  constructor(private readonly ran: ReadonlyMap<string, string> = new Map()) {}

  /** Where a file's code was read, for the evidence: on disk, or asked of the program's V8. */
  foundIn(file: string): string {
    return this.ran.has(file) ? 'found in the code the program ran, asked of V8' : 'found in the source on disk';
  }

  get(file: string): ParsedScript | { error: string } {
    let s = this.scripts.get(file);
    if (!s) {
      s = load(file, this.ran.get(file));
      this.scripts.set(file, s);
    }
    return s;
  }
}

function load(file: string, ran: string | undefined): ParsedScript | { error: string } {
  let text: string;
  if (ran !== undefined) text = ran;
  else {
    const path = scriptPath(file);
    if (!path.startsWith('/')) return { error: 'not a file on disk' };
    if (isTypeScriptFile(path)) return { error: 'TypeScript source (positions are in the compiled code)' };
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return { error: 'source file not readable' };
    }
  }
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  for (const sourceType of ['module', 'script'] as const) {
    try {
      const ast = parse(text, {
        ecmaVersion: 'latest',
        sourceType,
        allowHashBang: true,
        allowReturnOutsideFunction: true,
        allowAwaitOutsideFunction: true,
        allowImportExportEverywhere: true,
      });
      return { ast, lineStarts };
    } catch {
      // try the other source type
    }
  }
  return { error: 'source did not parse as JavaScript' };
}

/**
 * The function V8 means by a frame's position. V8 places a function at the start of its
 * parameter list (`(` of `function f(`, of a method, or an arrow's first parameter): the
 * innermost function whose head (from its start to its body) holds that offset. Offset 0
 * with no such function is the script's (or module's) top level.
 */
function functionAt(ast: Node, offset: number): Node | null {
  let found: Node | null = null;
  const visit = (node: Node): void => {
    if (node.start > offset || node.end < offset) return;
    if (FUNCTION_TYPES.has(node.type)) {
      const body = (node as unknown as { body: Node }).body;
      if (offset >= node.start && offset <= body.start) found = node;
    } else if ((node.type === 'ClassDeclaration' || node.type === 'ClassExpression') && node.start === offset) {
      // A class's constructor is placed at the class itself.
      const ctor = (node as unknown as { body: { body: Node[] } }).body.body.find(
        (m) => m.type === 'MethodDefinition' && (m as unknown as { kind: string }).kind === 'constructor',
      );
      if (ctor) found = (ctor as unknown as { value: Node }).value;
    }
    for (const c of children(node)) visit(c);
  };
  visit(ast);
  if (!found && offset === 0) return ast;
  return found;
}

/** The last name in a V8 function name: `Foo.bar` → bar, `get size` → size, `new Foo` → Foo. */
function simpleName(functionName: string): string | null {
  let name = functionName.trim();
  name = name.replace(/^(get|set|new|async)\s+/, '');
  const dot = name.lastIndexOf('.');
  if (dot >= 0) name = name.slice(dot + 1);
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : null;
}

/**
 * The lines of `fn`'s own body that call `callee` (or, failing any call, mention it: a callback
 * handed to another function). Nested functions are skipped: they are frames of their own.
 */
function findCalls(fn: Node, callee: string): { calls: number[]; references: number[] } {
  const calls: number[] = [];
  const references: number[] = [];
  const visit = (node: Node, top: boolean): void => {
    if (!top && (FUNCTION_TYPES.has(node.type) || node.type === 'ClassDeclaration' || node.type === 'ClassExpression')) return;
    if (node.type === 'CallExpression' || node.type === 'NewExpression' || node.type === 'TaggedTemplateExpression') {
      const target = (node as unknown as { callee?: Node; tag?: Node }).callee ?? (node as unknown as { tag: Node }).tag;
      let named: Node = target;
      // f.call(...), f.apply(...)
      if ((nameOf(target) === 'call' || nameOf(target) === 'apply') && target.type === 'MemberExpression') {
        named = (target as unknown as { object: Node }).object;
      }
      // As stack traces place a call: at the method's name for `a.b()`, else at the expression.
      const at = named.type === 'MemberExpression' ? (named as unknown as { property: Node }).property.start : node.start;
      if (nameOf(named) === callee) calls.push(at);
    } else if (node.type === 'Identifier' && (node as unknown as { name: string }).name === callee) {
      references.push(node.start);
    } else if (node.type === 'MemberExpression' && nameOf(node) === callee && !(node as unknown as { computed: boolean }).computed) {
      references.push((node as unknown as { property: Node }).property.start);
    }
    for (const c of children(node)) visit(c, false);
  };
  visit(fn, true);
  return { calls, references };
}

/** Globals whose methods and constructors are JavaScript's or Node's own, not the program's. */
const BUILTIN_ROOTS = new Set([
  'Math',
  'JSON',
  'Object',
  'Array',
  'String',
  'Number',
  'Boolean',
  'Date',
  'RegExp',
  'Error',
  'TypeError',
  'RangeError',
  'Promise',
  'Reflect',
  'Symbol',
  'BigInt',
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'WeakRef',
  'Buffer',
  'console',
  'process',
  'parseInt',
  'parseFloat',
  'isNaN',
  'isFinite',
  'encodeURIComponent',
  'decodeURIComponent',
  'structuredClone',
  'require',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'queueMicrotask',
  'Intl',
  'URL',
]);

/**
 * The one call (or `new`) in `fn`'s own body to something that is not a built-in — its callee
 * rooted in a name other than BUILTIN_ROOTS, `this`, or another call's result, not in a
 * literal (`'x'.repeat()`) — or null when there are none or several. Its offset is placed
 * as stack traces place calls (the method's name for `a.b()`).
 */
function onlyProgramCall(fn: Node): { offset: number; text: string } | null {
  const found = ownCalls(fn).filter((c) => c.root !== null && !BUILTIN_ROOTS.has(c.root));
  return found.length === 1 ? found[0] : null;
}

export function positionOf(offset: number, lineStarts: number[]): { line: number; column: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - lineStarts[lo] + 1 };
}

/** The function V8 means by a frame (its script parsed), or why it cannot be found in the file on disk. */
function frameFunction(sources: ScriptSources, frame: Frame): { script: ParsedScript; fn: Node } | { kind: 'none'; why: string } {
  const script = sources.get(frame.file);
  if ('error' in script) return { kind: 'none', why: script.error };
  const lineStart = script.lineStarts[frame.line - 1];
  if (lineStart === undefined) return { kind: 'none', why: 'the file on disk is shorter than V8 says: it changed since it was loaded' };
  const fn = functionAt(script.ast, lineStart + frame.column - 1);
  if (!fn) return { kind: 'none', why: 'no function starts there in the file on disk (it changed since it was loaded?)' };
  return { script, fn };
}

/** Calls whose object arguments (or their values) are property descriptors. */
const DESCRIPTOR_TAKERS = new Set(['defineProperty', 'defineProperties', 'create']);

/**
 * 'get' or 'set' when `callee` is the accessor of a property descriptor — the value of a `get`
 * or `set` key in an object literal handed to Object.defineProperty, defineProperties or
 * create (directly, or as the value of one of its keys) — else null; null too when its source
 * cannot be read.
 */
function descriptorAccessor(sources: ScriptSources, callee: Frame): 'get' | 'set' | null {
  const name = callee.functionName.trim();
  if (name !== 'get' && name !== 'set') return null;
  const found = frameFunction(sources, callee);
  if ('why' in found) return null;
  // The ancestors of the callee's function node, innermost last.
  const chain: Node[] = [];
  const search = (node: Node): boolean => {
    if (node === found.fn) return true;
    if (node.start > found.fn.start || node.end < found.fn.end) return false;
    chain.push(node);
    for (const c of children(node)) if (search(c)) return true;
    chain.pop();
    return false;
  };
  if (!search(found.script.ast)) return null;
  const property = chain.at(-1) as unknown as { type: string; key?: Node; computed?: boolean } | undefined;
  if (property?.type !== 'Property' || property.computed || nameOf(property.key) !== name) return null;
  // The descriptor object, then either the call or a defineProperties/create map holding it.
  for (let i = chain.length - 2; i >= Math.max(0, chain.length - 5); i--) {
    const node = chain[i] as unknown as { type: string; callee?: Node };
    if (node.type === 'CallExpression' || node.type === 'NewExpression') {
      return DESCRIPTOR_TAKERS.has(nameOf(node.callee) ?? '') ? name : null;
    }
    if (node.type !== 'ObjectExpression' && node.type !== 'Property') return null;
  }
  return null;
}

/** The line the offsets point to, or the candidate lines when they are on several. */
function atOffsets(offsets: readonly number[], script: ParsedScript, how: 'call' | 'reference' | 'shape'): CallLineResult {
  const positions = offsets.map((o) => positionOf(o, script.lineStarts));
  const lines = [...new Set(positions.map((p) => p.line))];
  if (lines.length > 1) return { kind: 'ambiguous', lines, how };
  return { kind: 'call', line: positions[0].line, column: positions[0].column, how };
}

/** Where, in `frame`'s function, it calls `callee` (the next frame in). */
export function findCallLine(sources: ScriptSources, frame: Frame, callee: Frame): CallLineResult {
  if (frame.line <= 0) return { kind: 'none', why: 'no position' };
  const name = simpleName(callee.functionName);
  if (!name) {
    const found = frameFunction(sources, frame);
    const byPackage = 'why' in found ? null : callIntoPackage(sources, found, callee);
    return byPackage ?? { kind: 'none', why: `the called function has no name to look for (${callee.functionName || 'anonymous'})` };
  }
  // A property descriptor's `get() {}` is named `get`, and runs when its property is read: a
  // call named `get` in the caller is someone else's (blind red-team: zod's lazy getters,
  // defined with Object.defineProperty, matched to the caller's `cache.get(key)` on a Map).
  const accessor = descriptorAccessor(sources, callee);
  if (accessor)
    return {
      kind: 'none',
      why: `the called function is the ${accessor} of a property descriptor (${callee.file.split('/').pop()}:${callee.line}): it runs when a property is ${accessor === 'get' ? 'read' : 'written'}, not through a call under its name`,
    };
  const found = frameFunction(sources, frame);
  if ('why' in found) return found;
  const { script, fn } = found;
  const { calls, references } = findCalls(fn, name);
  const how = calls.length > 0 ? 'call' : 'reference';
  const offsets = calls.length > 0 ? calls : references;
  if (offsets.length === 0) {
    // Called under another name (prom-client's `observe` is its `observeWithoutExemplar`,
    // memoizee's wrapper is whatever variable holds it): where the function makes one call
    // only to something that is not a JavaScript built-in, that call leads to the callee.
    const only = onlyProgramCall(fn);
    if (only) {
      const at = positionOf(only.offset, script.lineStarts);
      return { kind: 'call', line: at.line, column: at.column, how: 'only-call', text: only.text };
    }
    // The names the callee's own script gives it (`this.inc = this.incWithoutExemplar`):
    // a call under one of them, and one only, is the way in.
    const viaAlias = aliasesOf(sources, callee.file, name).flatMap((alias) =>
      findCalls(fn, alias).calls.map((offset) => ({ alias, offset })),
    );
    if (viaAlias.length === 1) {
      const at = positionOf(viaAlias[0].offset, script.lineStarts);
      return { kind: 'call', line: at.line, column: at.column, how: 'alias', text: viaAlias[0].alias };
    }
    const byPackage = callIntoPackage(sources, found, callee);
    if (byPackage) return byPackage;
    return {
      kind: 'none',
      why: `no call to ${name} in its source (an alias, a call through a variable, or a function V8 inlined in between)`,
    };
  }
  return atOffsets(offsets, script, how);
}

/**
 * Other names a function is given in its own script: the property or variable a reference to
 * it is assigned to (`this.inc = this.incWithoutExemplar`, `exports.get = getImpl`, `{ observe:
 * observeWithoutExemplar }`). A package calls a method under the name users call, and V8's
 * stack names the function it is. Empty when the script cannot be read.
 */
function aliasesOf(sources: ScriptSources, file: string, name: string): string[] {
  let script;
  try {
    script = sources.get(file);
  } catch {
    return [];
  }
  if ('error' in script) return [];
  const names = new Set<string>();
  const isIt = (n: Node | null | undefined): boolean =>
    !!n && (n.type === 'Identifier' || n.type === 'MemberExpression') && nameOf(n) === name;
  const visit = (node: Node): void => {
    const n = node as unknown as Record<string, Node | null | undefined>;
    if (node.type === 'AssignmentExpression' && isIt(n.right)) {
      const alias = n.left && nameOf(n.left);
      if (alias) names.add(alias);
    } else if (node.type === 'VariableDeclarator' && isIt(n.init) && n.id?.type === 'Identifier') {
      names.add((n.id as unknown as { name: string }).name);
    } else if (node.type === 'Property' && isIt(n.value) && n.key) {
      const alias = nameOf(n.key) ?? (n.key.type === 'Literal' ? String((n.key as unknown as { value: unknown }).value) : null);
      if (alias) names.add(alias);
    }
    for (const c of children(node)) visit(c);
  };
  visit(script.ast);
  names.delete(name);
  return [...names];
}

/**
 * The user's one call that leads into the callee's package, where the callee cannot be found by
 * its name (package-calls.ts): a callee that is its file's export (`module.exports`), called
 * under a name the package's other scripts give it; a method V8 names `app.<computed>`, called
 * on `app`; else the one call in the function on something the package made or is
 * (`app.get(…)` where `app = express()`). Null when none or several.
 */
function callIntoPackage(sources: ScriptSources, { script, fn }: { script: ParsedScript; fn: Node }, callee: Frame): CallLineResult | null {
  const pkg = packageFromPath(callee.file);
  if (pkg === null || pkg === NODE_INTERNALS) return null;
  const one = (offsets: readonly { offset: number; text: string }[], how: 'exported' | 'receiver' | 'package'): CallLineResult | null => {
    const lines = new Set(offsets.map((c) => positionOf(c.offset, script.lineStarts).line));
    if (lines.size !== 1) return null;
    const at = positionOf(offsets[0].offset, script.lineStarts);
    return { kind: 'call', line: at.line, column: at.column, how, text: offsets[0].text };
  };
  if (/^(module\.exports|exports|default)$/.test(callee.functionName.trim())) {
    const exported = exportedNames(sources, callee.file).flatMap((alias) =>
      findCalls(fn, alias).calls.map((offset) => ({ offset, text: alias })),
    );
    const r = one(exported, 'exported');
    if (r) return r;
  }
  const calls = ownCalls(fn);
  const receiver = /^([A-Za-z_$][\w$]*)\.<computed>$/.exec(callee.functionName.trim())?.[1];
  if (receiver) {
    const r = one(
      calls.filter((c) => c.root === receiver),
      'receiver',
    );
    if (r) return r;
  }
  const bindings = packageBindings(script.ast);
  return one(
    calls.filter((c) => c.root !== null && bindings.get(c.root) === pkg),
    'package',
  );
}

/** Methods whose result is a new array made inside V8, not by a literal in the caller's source. */
const ARRAY_MAKERS = new Set([
  'map',
  'filter',
  'slice',
  'splice',
  'concat',
  'split',
  'from',
  'of',
  'keys',
  'values',
  'entries',
  'flat',
  'flatMap',
  'match',
  'matchAll',
  'exec',
  'toSorted',
  'toReversed',
  'toSpliced',
  'with',
  'fill',
]);

/**
 * Node's objects that programs make through a factory function other than `create<Class>`, by the class name a heap
 * snapshot gives them (blind red-team: a leak of intervals and one of gzip streams placed at
 * their function's first line, "no statement in it makes Timeout objects", while the handle
 * leak of the same objects was at the setInterval line).
 */
const NODE_FACTORIES = new Map<string, Set<string>>([
  ['Timeout', new Set(['setTimeout', 'setInterval'])],
  ['Immediate', new Set(['setImmediate'])],
  ['Socket', new Set(['connect', 'createConnection'])],
  ['FSWatcher', new Set(['watch'])],
  ['ChildProcess', new Set(['spawn', 'fork', 'exec', 'execFile'])],
]);

/** Whether `name` is a factory of Node's for objects of `className` (also `create<Class>`: createGzip, createServer…). */
function isNodeFactory(name: string, className: string): boolean {
  return name === `create${className}` || NODE_FACTORIES.get(className)?.has(name) === true;
}

/** Calls that make plain objects inside V8, with keys a literal in the caller may share. */
const OBJECT_MAKERS = new Set(['parse', 'assign', 'fromEntries', 'structuredClone', 'create', 'groupBy']);

/** A shape in words: `objects with keys id, label (and perhaps at)`, `Map objects`, `arrays`. */
export function describeShape(shape: ObjectShape): string {
  if (shape.className === 'Function' && shape.defined)
    return `closures of ${shape.functionName ? `function ${shape.functionName}` : 'an anonymous function'} defined at line ${shape.defined.line}`;
  if (shape.className === 'Array') return 'arrays';
  if (shape.className !== 'Object') return `${shape.className} objects`;
  const { properties: sure, moreProperties: more } = shape;
  if (sure.length === 0) return more.length > 0 ? `objects with keys among ${more.join(', ')}` : 'empty objects';
  return `objects with keys ${sure.join(', ')}${more.length > 0 ? ` (and perhaps ${more.join(', ')})` : ''}`;
}

/** The reports' "made of" line: the shape, and how many of the kept objects have it. */
export function madeOf(shape: ObjectShape): string {
  if (shape.votedBy === 'source')
    return `${describeShape(shape)} — the kind read in its source, ${shape.objects} such objects in the holders snapshot`;
  return `${describeShape(shape)} — ${shape.objects} of the ${shape.tops} outermost kept objects`;
}

/**
 * Where, in the innermost frame's function, the statement that makes objects of `shape` is:
 * an object literal whose keys are among the objects' own (all of them, preferred, or some:
 * more may be added after), `new <Class>` for a constructor's objects, an array literal for
 * arrays (when no call in the function makes arrays too). Nested functions are skipped.
 */
export function findShapeLine(sources: ScriptSources, frame: Frame, shape: ObjectShape): CallLineResult {
  if (frame.line <= 0) return { kind: 'none', why: 'no position' };
  const found = frameFunction(sources, frame);
  if ('why' in found) return found;
  const { script, fn } = found;
  // The keys in the order they were added: a literal makes its keys first, in its order.
  const order = [...shape.properties, ...shape.moreProperties];
  const exact: number[] = [];
  const partial: number[] = [];
  const spreadOnly: number[] = [];
  const makers = new Set<string>();
  const visit = (node: Node, top: boolean): void => {
    if (!top && (FUNCTION_TYPES.has(node.type) || node.type === 'ClassDeclaration' || node.type === 'ClassExpression')) {
      // A closure is made where its function's expression is evaluated: in this function's
      // own body. (V8 places a function at its parameters' `(`: matched by line.)
      if (shape.className === 'Function' && shape.defined && FUNCTION_TYPES.has(node.type)) {
        const from = positionOf(node.start, script.lineStarts).line;
        const to = positionOf((node as unknown as { body: Node }).body.start, script.lineStarts).line;
        if (shape.defined.line >= from && shape.defined.line <= to) exact.push(node.start);
      }
      return;
    }
    if (shape.className === 'Object' && node.type === 'ObjectExpression') {
      const { keys, open } = literalKeys(node);
      // The literal's keys must be the first keys of the objects' hidden class, in order: all
      // those they certainly have (exact), or at least half of them (more added later);
      // or none named, spread from another object (`{ ...defaults }`).
      const prefix = keys.every((k, i) => order[i] === k);
      if (!open && prefix && keys.length >= shape.properties.length && keys.length <= order.length) exact.push(node.start);
      else if (!open && prefix && keys.length > 0 && keys.length * 2 >= shape.properties.length) partial.push(node.start);
      else if (open && keys.length === 0) spreadOnly.push(node.start);
    } else if (node.type === 'NewExpression' && nameOf((node as unknown as { callee: Node }).callee) === shape.className) {
      exact.push(node.start);
    } else if (shape.className === 'Array' && node.type === 'ArrayExpression') {
      exact.push(node.start);
    } else if (node.type === 'CallExpression') {
      const name = nameOf((node as unknown as { callee: Node }).callee);
      if (name !== null && (shape.className === 'Array' ? ARRAY_MAKERS : shape.className === 'Object' ? OBJECT_MAKERS : null)?.has(name))
        makers.add(name);
      // Node's objects made by a factory call rather than `new` (a Timeout by setInterval).
      else if (name !== null && isNodeFactory(name, shape.className)) exact.push(node.start);
    }
    for (const c of children(node)) visit(c, false);
  };
  visit(fn, true);
  // Such a call makes objects of the same shape as a literal's, which the shape cannot tell apart.
  if (makers.size > 0)
    return {
      kind: 'none',
      why: `it also calls ${[...makers].join(', ')}, which make${makers.size === 1 ? 's' : ''} ${describeShape(shape)} too`,
    };
  const offsets = exact.length > 0 ? exact : partial.length > 0 ? partial : spreadOnly;
  if (offsets.length === 0) return { kind: 'none', why: `no statement in it makes ${describeShape(shape)}` };
  return atOffsets(offsets, script, 'shape');
}

/**
 * The innermost frame's function when it has one statement only — an expression, a return or
 * a declaration, not a block, branch or loop that holds others: whatever it allocates, that
 * statement does (blind red-team: `logLine(s) { debugLog += s }` left at its first line).
 */
export function findOnlyStatement(sources: ScriptSources, frame: Frame): CallLineResult {
  if (frame.line <= 0) return { kind: 'none', why: 'no position' };
  const found = frameFunction(sources, frame);
  if ('why' in found) return found;
  const body = (found.fn as unknown as { body?: Node & { body?: Node[] } }).body;
  if (!body || typeof body.type !== 'string') return { kind: 'none', why: 'not a function body' };
  const statements = body.type === 'BlockStatement' ? (body.body ?? []) : [body];
  if (statements.length !== 1) return { kind: 'none', why: `${statements.length} statements` };
  const only = statements[0];
  if (!SIMPLE_STATEMENTS.has(only.type) && body.type === 'BlockStatement')
    return { kind: 'none', why: `its one statement is ${only.type}` };
  const at = positionOf(only.start, found.script.lineStarts);
  return { kind: 'call', line: at.line, column: at.column, how: 'only-statement' };
}

/** Statements that hold no others (an arrow function's expression body counts as one). */
const SIMPLE_STATEMENTS = new Set(['ExpressionStatement', 'ReturnStatement', 'VariableDeclaration', 'ThrowStatement']);

/** findCallLine that never throws: a report is never lost to one odd file (a walk too deep for the stack). */
function safeFindCallLine(sources: ScriptSources, frame: Frame, callee: Frame | ObjectShape): CallLineResult {
  try {
    return 'className' in callee ? findShapeLine(sources, frame, callee) : findCallLine(sources, frame, callee);
  } catch (err) {
    return { kind: 'none', why: `its source could not be searched (${(err as Error).message})` };
  }
}

/**
 * Moves each frame of the heap leaks' stacks (pass a report's leaks in one call: each file is
 * parsed once per call) (and their user frames) from its function's first
 * line to its call into the next frame, where the source shows one such call, and says in the
 * evidence how the user's line was found. Handle leaks are left alone: their stacks are real
 * stack traces, with the lines already. Call after anything that matches leaks by frame
 * (retainer paths): `functionStart` keeps the original position (see `functionFrame`).
 */
export function resolveCallLines(leaks: Leak[], sources = new ScriptSources()): void {
  for (const leak of leaks) {
    if (leak.kind !== 'heap' && leak.kind !== 'external') continue;
    const original = leak.stack;
    const indexOf = (frame: Frame | null): number => (frame ? original.findIndex((f) => sameFrame(f, frame)) : -1);
    const siteAt = indexOf(leak.site);
    const userAt = indexOf(leak.userFrame);
    // The innermost frame allocated by statement: found by the objects' shape, when known.
    const results: (CallLineResult | null)[] = original.map((f, i) =>
      i > 0 ? safeFindCallLine(sources, f, original[i - 1]) : innermostLine(sources, f, leak.shape),
    );
    leak.stack = original.map((f, i) => {
      const r = results[i];
      if (!r || r.kind !== 'call') return f;
      const moved: CallSiteFrame = { ...f, line: r.line, column: r.column, functionStart: { line: f.line, column: f.column } };
      return moved;
    });
    if (siteAt >= 0) leak.site = leak.stack[siteAt];
    if (userAt >= 0) leak.userFrame = leak.stack[userAt];
    // A frame with no script ("(V8 API)": made by native code) has no line to explain.
    const lines = [...new Set([siteAt, userAt])]
      .filter((i) => i >= 0 && original[i].file !== '')
      .map((i) =>
        lineNote(original, i, results[i], leak.shape).replaceAll('found in the source on disk', sources.foundIn(original[i].file)),
      );
    if (lines.length > 0) leak.evidence += `; lines: V8 records each frame's function, not the line running in it — ${lines.join('; ')}`;
  }
}

/** How one frame's line was found, for the evidence. */
function lineNote(stack: Frame[], at: number, r: CallLineResult | null, shape: ObjectShape | undefined): string {
  const f = stack[at];
  const fn = f.functionName || '(anonymous)';
  const file = basename(scriptPath(f.file));
  const starts = `${file}:${f.line}, where ${fn} starts`;
  if (r?.kind === 'call' && r.how === 'only-statement')
    return `${file}:${r.line} for ${fn}: its only statement, so whatever ${fn} allocates, that statement does (found in the source on disk; ${fn} starts at line ${f.line})`;
  if (at === 0 && r && shape) {
    const what = describeShape(shape);
    const seen =
      shape.votedBy === 'source'
        ? `its objects, voted by kind on the holders, are ${what} (the kind read in its source)`
        : `${shape.objects} of the ${shape.tops} outermost live objects the holders snapshot attributes to this site (those not held inside another of them) are ${what}`;
    if (r.kind === 'none') return `${starts} (${seen}; which statement made them is not known: ${r.why})`;
    if (r.kind === 'ambiguous')
      return `${starts} (${seen}; statements at lines ${r.lines.join(', ')} make such objects; which one ran is not known)`;
    return `${file}:${r.line} for ${fn}: ${seen}, and that line has the only statement in ${fn} that makes them (found in the source on disk; ${fn} starts at line ${f.line})`;
  }
  if (at === 0 || !r) return `${starts} (the allocating statement in it is not known)`;
  const callee = stack[at - 1].functionName || '(anonymous)';
  if (r.kind === 'none') return `${starts} (its call to ${callee} was not found: ${r.why})`;
  if (r.kind === 'call' && r.how === 'only-call')
    return `${file}:${r.line} for ${fn}: it has no call to ${callee} by that name, and ${r.text} on that line is its only call to something that is not a JavaScript built-in — taken as the way to ${callee} (an alias or a function value; found in the source on disk; ${fn} starts at line ${f.line})`;
  if (r.kind === 'call' && r.how === 'exported')
    return `${file}:${r.line} for ${fn}: ${callee} is its file's export, which ${packageFromPath(stack[at - 1].file)} exports as ${r.text}, and its only call to ${r.text} is on that line (found in the package's source on disk; ${fn} starts at line ${f.line})`;
  if (r.kind === 'call' && r.how === 'receiver')
    return `${file}:${r.line} for ${fn}: ${callee} is a method set under a computed name, and ${r.text} on that line is its only call on ${callee.split('.')[0]} (found in the source on disk; ${fn} starts at line ${f.line})`;
  if (r.kind === 'call' && r.how === 'package')
    return `${file}:${r.line} for ${fn}: ${callee} has no name to find its call by, and ${r.text} on that line is its only call on something its script got from ${packageFromPath(stack[at - 1].file)} (a require or import of it, or what one made; found in the source on disk; ${fn} starts at line ${f.line})`;
  if (r.kind === 'call' && r.how === 'alias')
    return `${file}:${r.line} for ${fn}: it has no call to ${callee} by that name, and its only call to ${r.text}, a name ${callee}'s own script gives it, is on that line (found in the source on disk; ${fn} starts at line ${f.line})`;
  const verb = r.how === 'call' ? 'calls' : 'mentions';
  if (r.kind === 'ambiguous') return `${starts} (it ${verb} ${callee} at lines ${r.lines.join(', ')}; which one ran is not known)`;
  return `${file}:${r.line} for ${fn}: the only line where it ${verb} ${callee}, the next frame in (found in the source on disk; ${fn} starts at line ${f.line})`;
}

/**
 * The innermost frame's line: the statement that makes the objects' shape, when known; else
 * its function's only statement, when it has one.
 */
function innermostLine(sources: ScriptSources, f: Frame, shape: ObjectShape | undefined): CallLineResult | null {
  const byShape = shape ? safeFindCallLine(sources, f, shape) : null;
  if (byShape && byShape.kind !== 'none') return byShape;
  let only: CallLineResult;
  try {
    only = findOnlyStatement(sources, f);
  } catch {
    return byShape;
  }
  return only.kind === 'call' ? only : byShape;
}

/** A frame as V8 reported it: its function's start, undoing resolveCallLines. */
export function functionFrame(f: Frame): Frame {
  const start = (f as CallSiteFrame).functionStart;
  return start ? { functionName: f.functionName, file: f.file, line: start.line, column: start.column } : f;
}

/** An object literal's named keys in order; `open` when a spread or a computed key leaves some unknown. */
function literalKeys(node: Node): { keys: string[]; open: boolean } {
  const props = (node as unknown as { properties: { type: string; computed?: boolean; key?: Node }[] }).properties;
  const keys: string[] = [];
  let open = false;
  for (const p of props) {
    if (p.type !== 'Property' || p.computed) open = true;
    else {
      const k = p.key as unknown as { type: string; name?: string; value?: unknown };
      keys.push(k.type === 'Identifier' ? k.name! : String(k.value));
    }
  }
  return { keys, open };
}

/**
 * The class a function constructs in its own body, when it constructs one only (`new
 * Connection(…)`, `new lib.Connection(…)`), or null. V8 allocates a `new` object in the caller's
 * frame, before the constructor runs: a sampled site whose function does `new X` is made of X
 * objects even where the tracker saw none of them.
 */
/**
 * Visits the nodes of a frame's function's own body (not nested functions or classes, which are
 * frames of their own); false where the function cannot be found in its source.
 */
function visitOwnBody(sources: ScriptSources, frame: Frame, visitNode: (node: Node) => void): boolean {
  if (frame.line <= 0) return false;
  let found;
  try {
    found = frameFunction(sources, frame);
  } catch {
    return false;
  }
  if ('why' in found) return false;
  const visit = (node: Node, top: boolean): void => {
    if (!top && (FUNCTION_TYPES.has(node.type) || node.type === 'ClassDeclaration' || node.type === 'ClassExpression')) return;
    visitNode(node);
    for (const c of children(node)) visit(c, false);
  };
  visit(found.fn, true);
  return true;
}

export function constructedClass(sources: ScriptSources, frame: Frame): string | null {
  const names = new Set<string>();
  const read = visitOwnBody(sources, frame, (node) => {
    if (node.type !== 'NewExpression') return;
    const name = nameOf((node as unknown as { callee: Node }).callee);
    names.add(name && /^[A-Z][\w$]*$/.test(name) ? name : '');
  });
  const [only] = names;
  return read && names.size === 1 && only !== '' ? only : null;
}

/**
 * The keys of the object literals a frame's function makes in its own body (not in nested
 * functions), when they are all one fixed list, in order: what its objects look like, read in
 * the source (holders by kind, sample-paths.ts). Null where it has no such literal, literals
 * with different keys, or a spread or computed key (keys not known), or the source cannot be
 * read. `{ url, headers: { ...h } }` gives [url, headers]: the spread literal inside is another
 * object, left out.
 */
export function objectLiteralKeys(sources: ScriptSources, frame: Frame): string[] | null {
  let keys: string[] | null = null;
  let differ = false;
  const read = visitOwnBody(sources, frame, (node) => {
    if (node.type !== 'ObjectExpression') return;
    const { keys: own, open } = literalKeys(node);
    if (open || own.length === 0) return;
    if (keys === null) keys = own;
    else if (keys.join('\0') !== own.join('\0')) differ = true;
  });
  return read && !differ ? keys : null;
}
