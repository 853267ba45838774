import type { HeapSnapshot } from '../../model/snapshot/heap-snapshot.js';
import type { SnapshotAnalysis } from './analysis.js';
import { retainerPath } from './shortest-paths.js';

/**
 * A variable a retainer path runs through: the hop `(context) clients` is a variable that
 * closures share, in the scope of some function (or module) of some script.
 */
export interface PathVariable {
  name: string;
  /**
   * The variable and the named properties the path then follows, as the program would write
   * them: `registry.items` (at most MAX_PROPERTIES, none of a dictionary's keys).
   */
  expression: string;
  /** The script the scope belongs to, as V8 names it (a path, or a file: URL for ES modules). */
  file: string;
  /** Where a function that closes over the scope is defined (1-based): inside that scope. */
  closureAt: { line: number; column: number } | null;
  /**
   * A variable of a scope made once per call that the path goes through again and again, nearer
   * the object than `name`: the link of a chain (`previous` in a config that keeps the one
   * before it through a closure's context), where the fix is. Absent when there is none.
   */
  chain?: { name: string; file: string; closureAt: { line: number; column: number } | null; links: number };
  /**
   * Set when the path does not run through the variable: it reaches, through a package's own
   * references, an object that the variable holds (koa's request listener closes over the
   * Application that the program's `app` is). `expression` then starts from that object.
   */
  holdsObjectOnPath?: true;
}

/** A name a program can declare: the snapshot also has context slots such as `this` or `.foo`. */
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** How many contexts and closures are looked at to find a context's script (nested blocks). */
const OWNER_SEARCH_LIMIT = 500;

/**
 * The last variable of the program's own code on the path that holds object `o` (the one
 * nearest the object: `(context) app → … → (context) cache → Map` names `cache`), or null.
 *
 * V8's snapshot does not say which function or script a context (a scope's variables) belongs
 * to, but every closure made in that scope points to it (internal edge `context`), its
 * SharedFunctionInfo to its Script (`shared`, `script`), and the Script node is named by the
 * script's URL. A scope with no closure of its own is reached through the block or function
 * scopes nested in it (their `previous` edge points to it).
 */
export function userVariableOnPath(a: SnapshotAnalysis, o: number, isUserScript: (file: string) => boolean): PathVariable | null {
  const s = a.snapshot;
  const steps = retainerPath(a.paths, o);
  let chain: PathVariable['chain'] | undefined;
  for (let i = steps.length - 1; i >= 1; i--) {
    const e = steps[i].edgeIndex;
    if (s.edgeTypeOf(e) !== s.edgeType.context || s.edgeNameIsIndex(e)) continue;
    const name = s.edgeName(e);
    if (!IDENTIFIER.test(name)) continue;
    // A scope made once per call (a function's locals captured by the closure it returns or
    // registers) is one of many: its variable is no place that keeps the leak. Earlier hops may
    // be (the module's list the closures are in). Unless the path goes through it link after
    // link: then each call's value keeps the one before it, and that variable is the chain.
    if (scopeInstances(s, steps[i - 1].ordinal) >= PER_CALL_SCOPES) {
      if (!chain) chain = chainLink(s, steps, name, steps[i - 1].ordinal, isUserScript);
      continue;
    }
    const owner = contextOwner(s, steps[i - 1].ordinal);
    if (!owner || !isUserScript(owner.file)) continue;
    const expression = [name, ...propertiesAfter(s, steps, i)].join('.');
    return { name, expression, file: owner.file, closureAt: owner.closureAt, ...(chain ? { chain } : {}) };
  }
  // No lasting variable of the user's code before the chain: the chain's variable is the place.
  if (chain) return { name: chain.name, expression: chain.name, file: chain.file, closureAt: chain.closureAt, chain };
  return variableHoldingPathObject(s, steps, isUserScript);
}

/**
 * The named properties the path follows after step `i` (`.items.list`), as the program would
 * write them: at most MAX_PROPERTIES, none of a dictionary's keys.
 */
function propertiesAfter(s: HeapSnapshot, steps: ReturnType<typeof retainerPath>, i: number): string[] {
  const properties: string[] = [];
  for (let k = i + 1; k < steps.length && properties.length < MAX_PROPERTIES; k++) {
    const edge = steps[k].edgeIndex;
    if (s.edgeTypeOf(edge) !== s.edgeType.property) break;
    const property = s.edgeName(edge);
    // A dictionary's keys are the program's data, not names in its source; a repeated name is
    // a linked list (`.next.next…`).
    if (!IDENTIFIER.test(property) || property === '__proto__' || properties.includes(property)) break;
    if (s.edgeCountOf(steps[k - 1].ordinal) >= DICTIONARY_EDGES) break;
    properties.push(property);
  }
  return properties;
}

/**
 * A path with no variable of the user's code on it often still runs through an object that
 * one holds: a framework's request listener closes over its application object (`this` in
 * koa's `callback()`), which is the program's `app`; the middleware the program adds per
 * request hang from it. The object nearest the leaked one that a lasting variable of the
 * user's code holds names the place, marked as such (holdsObjectOnPath). Null if none.
 */
function variableHoldingPathObject(
  s: HeapSnapshot,
  steps: ReturnType<typeof retainerPath>,
  isUserScript: (file: string) => boolean,
): PathVariable | null {
  const retainers = s.retainers;
  // A path that enters a lasting scope of the user's code (its module's, reached through one of
  // its closures) without naming one of its variables ends in that scope: what holds the
  // objects is one of those variables, not known which. Another variable that holds some
  // object on the way (the program's `server`, for its request listener) would be a wrong name.
  for (let i = 1; i < steps.length; i++) {
    const o = steps[i].ordinal;
    if (!s.isContext(o) || scopeInstances(s, o) >= PER_CALL_SCOPES) continue;
    const owner = contextOwner(s, o);
    if (owner && isUserScript(owner.file)) return null;
  }
  for (let i = steps.length - 1; i >= 1; i--) {
    const o = steps[i].ordinal;
    // A value held by thousands (a prototype, a shared constant) is no one variable's.
    if (retainers.first[o + 1] - retainers.first[o] > HOLDER_SCAN_LIMIT) continue;
    for (let p = retainers.first[o]; p < retainers.first[o + 1]; p++) {
      const edge = retainers.edges[p];
      if (s.edgeTypeOf(edge) !== s.edgeType.context || s.edgeNameIsIndex(edge)) continue;
      const name = s.edgeName(edge);
      const context = retainers.nodes[p];
      if (!IDENTIFIER.test(name) || scopeInstances(s, context) >= PER_CALL_SCOPES) continue;
      const owner = contextOwner(s, context);
      if (!owner || !isUserScript(owner.file)) continue;
      const expression = [name, ...propertiesAfter(s, steps, i)].join('.');
      return { name, expression, file: owner.file, closureAt: owner.closureAt, holdsObjectOnPath: true };
    }
  }
  return null;
}

/** An object with more retainers than this is not looked up as a variable's value (variableHoldingPathObject). */
const HOLDER_SCAN_LIMIT = 256;

/** The chain a per-call variable makes on a path, when the path goes through it at least twice (userVariableOnPath). */
function chainLink(
  s: HeapSnapshot,
  steps: ReturnType<typeof retainerPath>,
  name: string,
  context: number,
  isUserScript: (file: string) => boolean,
): PathVariable['chain'] | undefined {
  let links = 0;
  for (let k = 1; k < steps.length; k++) {
    const e = steps[k].edgeIndex;
    if (s.edgeTypeOf(e) === s.edgeType.context && !s.edgeNameIsIndex(e) && s.edgeName(e) === name) links++;
  }
  if (links < 2) return undefined;
  const owner = contextOwner(s, context);
  return owner && isUserScript(owner.file) ? { name, file: owner.file, closureAt: owner.closureAt, links } : undefined;
}

/** A scope with this many contexts alive is one made per call. */
const PER_CALL_SCOPES = 3;

const scopeCounts = new WeakMap<HeapSnapshot, Map<number, number>>();

/**
 * How many contexts share a context's ScopeInfo (internal `scope_info`): one for a module's or a
 * function's that ran once, one per call alive for a function whose closures outlive its calls.
 */
function scopeInstances(s: HeapSnapshot, context: number): number {
  const info = internalTarget(s, context, ['scope_info']);
  if (info < 0) return 1;
  let counts = scopeCounts.get(s);
  if (!counts) {
    counts = new Map();
    for (let o = 0; o < s.nodeCount; o++) {
      if (!s.isContext(o)) continue;
      const target = internalTarget(s, o, ['scope_info']);
      if (target >= 0) counts.set(target, (counts.get(target) ?? 0) + 1);
    }
    scopeCounts.set(s, counts);
  }
  return counts.get(info) ?? 1;
}

/** At most this many property names follow the variable in `expression`. */
const MAX_PROPERTIES = 3;
/** A holder with this many edges is a dictionary (sample-paths.ts): its property names are keys. */
const DICTIONARY_EDGES = 64;

/** The script of a context, from a closure made in it or in a scope nested in it; null if none is found. */
export function contextOwner(s: HeapSnapshot, context: number): { file: string; closureAt: PathVariable['closureAt'] } | null {
  const retainers = s.retainers;
  const queue = [context];
  const seen = new Set(queue);
  for (let q = 0; q < queue.length && seen.size < OWNER_SEARCH_LIMIT; q++) {
    const ctx = queue[q];
    for (let p = retainers.first[ctx]; p < retainers.first[ctx + 1]; p++) {
      const holder = retainers.nodes[p];
      const edge = retainers.edges[p];
      if (s.edgeTypeOf(edge) !== s.edgeType.internal || s.edgeNameIsIndex(edge)) continue;
      const via = s.edgeName(edge);
      if (via === 'context' && s.typeOf(holder) === s.nodeType.closure) {
        const file = scriptOfClosure(s, holder);
        if (file) {
          const at = s.location(holder);
          return { file, closureAt: at ? { line: at.line, column: at.column } : null };
        }
      } else if (via === 'previous' && !seen.has(holder)) {
        seen.add(holder);
        queue.push(holder);
      }
    }
  }
  return null;
}

/**
 * A closure's script name: closure → `shared` → the script (a node named by the script's URL).
 * V8 names the second edge `script` (Node 22, 24) or `script_or_debug_info` (Node 20), whose
 * target is a DebugInfo (`system / DebugInfo`) while a debugger has one for the function.
 */
function scriptOfClosure(s: HeapSnapshot, closure: number): string | null {
  const shared = internalTarget(s, closure, ['shared']);
  const script = shared < 0 ? -1 : internalTarget(s, shared, ['script', 'script_or_debug_info']);
  if (script < 0) return null;
  const name = s.name(script);
  return name === '' || name.startsWith('system / ') ? null : name;
}

/** The target of a node's first internal edge named one of `names`, or -1. */
export function internalTarget(s: HeapSnapshot, o: number, names: readonly string[]): number {
  const step = s.meta.edgeFieldCount;
  for (let e = s.firstEdgeIndex[o]; e < s.firstEdgeIndex[o + 1]; e += step) {
    if (s.edgeTypeOf(e) === s.edgeType.internal && !s.edgeNameIsIndex(e) && names.includes(s.edgeName(e))) return s.edgeTarget(e);
  }
  return -1;
}
