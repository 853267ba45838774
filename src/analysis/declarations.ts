import type { Node } from 'acorn';
import { type ScriptSources, positionOf } from './call-lines.js';
import { FUNCTION_TYPES, children } from './js-ast.js';

/**
 * Where a variable the holders path names is declared: the line a user reads to see what
 * `clients` is. The snapshot gives the variable's name and a function defined in its scope
 * (holder-variable.ts); the source on disk gives the declaration in that scope.
 */
export type DeclarationResult = { kind: 'found'; line: number; column: number } | { kind: 'none'; why: string };

interface Declaration {
  offset: number;
  /** The function (or the Program) whose scope it is in. */
  scope: Node;
}

/**
 * The declaration of `name` in the scope that holds `near` (where a function closing over it
 * is defined), the innermost such scope first; without `near`, the only declaration of that
 * name in the file. Block scopes are taken as their function's: `let x` in an `if` and `let
 * x` beside it are two declarations of one scope here, and then neither is chosen.
 */
export function findDeclaration(
  sources: ScriptSources,
  file: string,
  name: string,
  near: { line: number; column: number } | null,
): DeclarationResult {
  let script;
  try {
    script = sources.get(file);
  } catch (err) {
    return { kind: 'none', why: `its source could not be read (${(err as Error).message})` };
  }
  if ('error' in script) return { kind: 'none', why: script.error };
  const found: Declaration[] = [];
  collect(script.ast, script.ast, name, found);
  if (found.length === 0) return { kind: 'none', why: `no declaration of ${name} in the file on disk` };
  let chosen: Declaration[] = found;
  const lineStart = near ? script.lineStarts[near.line - 1] : undefined;
  if (near && lineStart !== undefined) {
    const offset = lineStart + near.column - 1;
    const holding = found.filter((d) => inScopeBody(d.scope, offset));
    if (holding.length > 0) {
      const innermost = holding.reduce((a, b) => (b.scope.start > a.scope.start ? b : a)).scope;
      chosen = holding.filter((d) => d.scope === innermost);
    }
  }
  if (chosen.length !== 1) return { kind: 'none', why: `${name} is declared ${chosen.length} times in the file on disk` };
  const at = positionOf(chosen[0].offset, script.lineStarts);
  return { kind: 'found', line: at.line, column: at.column };
}

/** Whether `offset` is inside a scope's body: a function defined there, not the function's own head. */
function inScopeBody(scope: Node, offset: number): boolean {
  if (scope.type === 'Program') return true;
  const body = (scope as unknown as { body: Node }).body;
  return offset > body.start && offset < body.end;
}

/** Declarations of `name` under `node`, each with the scope it belongs to. */
function collect(node: Node, scope: Node, name: string, out: Declaration[]): void {
  const n = node as unknown as Record<string, unknown>;
  if (FUNCTION_TYPES.has(node.type)) {
    // A function declaration's name is its enclosing scope's; an expression's, its own.
    const id = n.id as Node | null;
    if (id) declare(id, node.type === 'FunctionDeclaration' ? scope : node, name, out);
    for (const p of n.params as Node[]) declare(p, node, name, out);
    for (const c of [...(n.params as Node[]), n.body as Node]) collect(c, node, name, out);
    return;
  }
  if (node.type === 'VariableDeclarator' || node.type === 'ClassDeclaration') declare(n.id as Node, scope, name, out);
  if (node.type === 'ImportSpecifier' || node.type === 'ImportDefaultSpecifier' || node.type === 'ImportNamespaceSpecifier')
    declare(n.local as Node, scope, name, out);
  if (node.type === 'CatchClause' && n.param) declare(n.param as Node, scope, name, out);
  for (const c of children(node)) collect(c, scope, name, out);
}

/** The identifiers a binding pattern declares: `x`, `{ a, b: c }`, `[d, ...e]`, `f = 1`. */
function declare(pattern: Node | null | undefined, scope: Node, name: string, out: Declaration[]): void {
  if (!pattern) return;
  const p = pattern as unknown as Record<string, unknown>;
  switch (pattern.type) {
    case 'Identifier':
      if (p.name === name) out.push({ offset: pattern.start, scope });
      return;
    case 'ObjectPattern':
      for (const prop of p.properties as Node[])
        declare(prop.type === 'RestElement' ? prop : ((prop as unknown as { value: Node }).value as Node), scope, name, out);
      return;
    case 'ArrayPattern':
      for (const el of p.elements as (Node | null)[]) declare(el, scope, name, out);
      return;
    case 'RestElement':
      declare(p.argument as Node, scope, name, out);
      return;
    case 'AssignmentPattern':
      declare(p.left as Node, scope, name, out);
      return;
  }
}

/** Option names that bound a cache or pool in the packages users reach for (lru-cache, node-cache, generic-pool...). */
const BOUND_KEYS = new Set(['max', 'maxSize', 'maxEntries', 'maxKeys', 'maxItems', 'capacity', 'limit', 'size', 'ttl', 'maxAge', 'stdTTL']);
/** A constructor or factory whose name says it is a cache or a pool (`new LRU(500)`). */
const CACHE_LIKE_CALLEE = /lru|cache|memo|pool/i;

/** What a declaration's initializer passes as a bound: `max: 20000` to `LRUCache`. */
export interface DeclaredBound {
  callee: string;
  /** The option's name, or `size` for a cache-like constructor's first numeric argument. */
  key: string;
  /** A literal's value, or `…` for an expression. */
  value: string;
}

/**
 * The bound a variable's declaration gives what it holds, read from the source on disk: the
 * declaration at `line`:`column` (1-based, findDeclaration's) initialized by a call or `new`
 * whose options object has a bound's name (`new LRUCache({ max: 20000 })`), or by a cache-like
 * constructor with a number first (`new LRU(500)`). A bounded cache still filling grows like a
 * leak until it is full (blind red-team: an LRU of 20,000 filled at 100 keys a second, reported
 * at p 0.93 under a name that said nothing); its declaration says what the growth cannot pass.
 * Null when there is none to read.
 */
export function declaredBound(sources: ScriptSources, file: string, line: number, column: number): DeclaredBound | null {
  let script;
  try {
    script = sources.get(file);
  } catch {
    return null;
  }
  if ('error' in script) return null;
  const lineStart = script.lineStarts[line - 1];
  if (lineStart === undefined) return null;
  const offset = lineStart + column - 1;
  const declarator = findDeclarator(script.ast, offset);
  const init = declarator && ((declarator as unknown as { init: Node | null }).init ?? null);
  if (!init || (init.type !== 'NewExpression' && init.type !== 'CallExpression')) return null;
  const call = init as unknown as { callee: Node; arguments: Node[] };
  const callee = calleeName(call.callee);
  for (const arg of call.arguments) {
    if (arg.type !== 'ObjectExpression') continue;
    for (const prop of (arg as unknown as { properties: Node[] }).properties) {
      if (prop.type !== 'Property') continue;
      const p = prop as unknown as { key: Node; value: Node };
      const key =
        p.key.type === 'Identifier'
          ? (p.key as unknown as { name: string }).name
          : p.key.type === 'Literal'
            ? String((p.key as unknown as { value: unknown }).value)
            : null;
      if (key !== null && BOUND_KEYS.has(key)) return { callee, key, value: literalText(p.value) };
    }
  }
  const first = call.arguments[0];
  if (
    first &&
    first.type === 'Literal' &&
    typeof (first as unknown as { value: unknown }).value === 'number' &&
    CACHE_LIKE_CALLEE.test(callee)
  )
    return { callee, key: 'size', value: literalText(first) };
  return null;
}

function findDeclarator(node: Node, idStart: number): Node | null {
  if (node.type === 'VariableDeclarator' && (node as unknown as { id: Node }).id.start === idStart) return node;
  if (node.start > idStart || node.end < idStart) return null;
  for (const c of children(node)) {
    const found = findDeclarator(c, idStart);
    if (found) return found;
  }
  return null;
}

function calleeName(callee: Node): string {
  const c = callee as unknown as { type: string; name?: string; property?: Node; object?: Node };
  if (c.type === 'Identifier') return c.name!;
  if (c.type === 'MemberExpression' && c.property) return calleeName(c.property);
  return '(call)';
}

function literalText(value: Node): string {
  if (value.type !== 'Literal') return '…';
  const v = (value as unknown as { value: unknown }).value;
  return typeof v === 'number' ? String(v) : JSON.stringify(v);
}
