import { type Dirent, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Node } from 'acorn';
import { packageFromPath, scriptPath } from './attribution.js';
import type { ScriptSources } from './call-lines.js';
import { FUNCTION_TYPES, children, nameOf } from './js-ast.js';

/**
 * Finding the user's call into a package when the package's function has no usable name.
 *
 * call-lines.ts looks in the user's function for a call under the callee's name. Packages often
 * give their functions no name a caller writes: express makes `app.get` in a loop
 * (`app[method] = function (path) {…}`, which V8 names `app.<computed>`); winston's
 * `createLogger` is `module.exports = function (opts) {…}` of its own file, exported under that
 * name by another; axios's `use` is reached through `api.interceptors.request`. What the
 * source does show is which of the user's variables hold the package (`const app = express()`)
 * and under which names the package exports a file: enough to find the one call that leads in.
 */

/** A call in a function's own body: where stack traces place it, its text, the identifier its callee is rooted in. */
export interface OwnCall {
  offset: number;
  text: string;
  root: string | null;
}

/**
 * The calls (and `new`s) in `fn`'s own body, nested functions skipped (they are frames of their
 * own). `root` is the identifier the callee is rooted in (`app` of `app.router.get()`), `this`,
 * or null for another call's result or a literal.
 */
export function ownCalls(fn: Node): OwnCall[] {
  const found: OwnCall[] = [];
  const visit = (node: Node, top: boolean): void => {
    if (!top && (FUNCTION_TYPES.has(node.type) || node.type === 'ClassDeclaration' || node.type === 'ClassExpression')) return;
    if (node.type === 'CallExpression' || node.type === 'NewExpression') {
      const callee = (node as unknown as { callee: Node }).callee;
      const path: string[] = [];
      let root: Node = callee;
      while (root.type === 'MemberExpression') {
        path.unshift(nameOf((root as unknown as { property: Node }).property) ?? '[…]');
        root = (root as unknown as { object: Node }).object;
      }
      const rootName =
        root.type === 'Identifier' ? (root as unknown as { name: string }).name : root.type === 'ThisExpression' ? 'this' : null;
      // As stack traces place a call: at the method's name for `a.b()`, else at the expression.
      const offset = callee.type === 'MemberExpression' ? (callee as unknown as { property: Node }).property.start : node.start;
      const text = `${node.type === 'NewExpression' ? 'new ' : ''}${[rootName ?? '(…)', ...path].join('.')}(…)`;
      found.push({ offset, text, root: rootName });
    }
    for (const c of children(node)) visit(c, false);
  };
  visit(fn, true);
  return found;
}

/** The package a `require`/`import` specifier names (`@scope/name/sub` → `@scope/name`), or null for a relative path or a Node built-in. */
export function packageOfSpecifier(spec: string): string | null {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? (parts[1] ? `${parts[0]}/${parts[1]}` : null) : parts[0];
}

/**
 * Which identifiers of a script hold a package or something made from it: `express` of
 * `require('express')` or an import, then `app` of `express()`, `api` of `axios.create()`,
 * `Writable` of `const { Writable } = require('stream')`. Scopes are not told apart (a name
 * declared twice keeps its first package): a hint for finding a call, said to be one.
 */
export function packageBindings(ast: Node): Map<string, string> {
  const bound = new Map<string, string>();
  const requireOf = (node: Node | null | undefined): string | null => {
    if (!node || node.type !== 'CallExpression') return null;
    const n = node as unknown as { callee: Node; arguments: Node[] };
    if (n.callee.type !== 'Identifier' || (n.callee as unknown as { name: string }).name !== 'require') return null;
    const arg = n.arguments[0] as unknown as { type: string; value?: unknown } | undefined;
    return arg?.type === 'Literal' && typeof arg.value === 'string' ? packageOfSpecifier(arg.value) : null;
  };
  // What an expression's value comes from: a require, or a call, `new` or member of a bound name.
  const packageOf = (node: Node | null | undefined): string | null => {
    if (!node) return null;
    const direct = requireOf(node);
    if (direct) return direct;
    let root: Node = node;
    for (;;) {
      if (root.type === 'AwaitExpression') root = (root as unknown as { argument: Node }).argument;
      else if (root.type === 'CallExpression' || root.type === 'NewExpression') {
        const viaRequire = requireOf(root);
        if (viaRequire) return viaRequire;
        root = (root as unknown as { callee: Node }).callee;
      } else if (root.type === 'MemberExpression') root = (root as unknown as { object: Node }).object;
      else break;
    }
    return root.type === 'Identifier' ? (bound.get((root as unknown as { name: string }).name) ?? null) : null;
  };
  const bind = (target: Node | null | undefined, pkg: string | null): void => {
    if (!target || !pkg) return;
    if (target.type === 'Identifier') {
      const name = (target as unknown as { name: string }).name;
      if (!bound.has(name)) bound.set(name, pkg);
    } else if (target.type === 'ObjectPattern') {
      for (const p of (target as unknown as { properties: Node[] }).properties)
        bind(p.type === 'Property' ? (p as unknown as { value: Node }).value : (p as unknown as { argument: Node }).argument, pkg);
    } else if (target.type === 'AssignmentPattern') bind((target as unknown as { left: Node }).left, pkg);
  };
  // Later declarations may depend on earlier ones (`app` on `express`): a few passes settle them.
  for (let pass = 0; pass < 3; pass++) {
    const before = bound.size;
    const visit = (node: Node): void => {
      const n = node as unknown as Record<string, unknown>;
      if (node.type === 'VariableDeclarator') bind(n.id as Node, packageOf(n.init as Node | null));
      else if (node.type === 'AssignmentExpression' && (n.left as Node).type === 'Identifier')
        bind(n.left as Node, packageOf(n.right as Node));
      else if (node.type === 'ImportDeclaration') {
        const pkg = packageOfSpecifier(String((n.source as { value: unknown }).value));
        for (const spec of n.specifiers as Node[]) bind((spec as unknown as { local: Node }).local, pkg);
      }
      for (const c of children(node)) visit(c);
    };
    visit(ast);
    if (bound.size === before) break;
  }
  return bound;
}

/** Most package files read to find the names a file of it is exported under. */
const MAX_PACKAGE_FILES = 600;

/** A package's root folder from one of its files (`…/node_modules/@s/x/lib/a.js` → `…/node_modules/@s/x`), or null. */
function packageRoot(path: string): string | null {
  const marker = '/node_modules/';
  const at = path.lastIndexOf(marker);
  if (at < 0) return null;
  const rest = path.slice(at + marker.length).split('/');
  const depth = rest[0]?.startsWith('@') ? 2 : 1;
  if (rest.length <= depth) return null;
  return path.slice(0, at + marker.length) + rest.slice(0, depth).join('/');
}

/** The package's JavaScript files (not those of packages nested in it), at most MAX_PACKAGE_FILES. */
function packageFiles(root: string): string[] {
  const files: string[] = [];
  const queue = [root];
  while (queue.length > 0 && files.length < MAX_PACKAGE_FILES) {
    const dir = queue.shift()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const full = `${dir}/${e.name}`;
      if (e.isDirectory()) queue.push(full);
      else if (/\.(c|m)?js$/.test(e.name) && files.length < MAX_PACKAGE_FILES) files.push(full);
    }
  }
  return files;
}

/**
 * The names a package's other scripts give the export of one of its files:
 * `exports.createLogger = require('./winston/create-logger')`, `const createLogger =
 * require('./create-logger')`, `{ createLogger: require(…) }`, `import createLogger from
 * './create-logger.js'`, `export { default as createLogger } from …`. For a callee that is its
 * file's export (V8 names it `module.exports`, `exports` or `default`): the package's users call
 * it under these. Empty when the file is not in a package or nothing names it.
 */
export function exportedNames(sources: ScriptSources, file: string): string[] {
  let known = exportedNamesRead.get(sources);
  if (!known) exportedNamesRead.set(sources, (known = new Map()));
  let names = known.get(file);
  if (!names) known.set(file, (names = readExportedNames(sources, file)));
  return names;
}

/** Per set of sources read, the names found for each file: a package is read once per report. */
const exportedNamesRead = new WeakMap<ScriptSources, Map<string, string[]>>();

function readExportedNames(sources: ScriptSources, file: string): string[] {
  const path = scriptPath(file);
  const root = packageRoot(path);
  if (!root || packageFromPath(path) === null) return [];
  const stem = basename(path).replace(/\.(c|m)?js$/, '');
  const names = new Set<string>();
  const leadsHere = (from: string, spec: unknown): boolean => {
    if (typeof spec !== 'string' || !spec.startsWith('.')) return false;
    const r = resolve(dirname(from), spec);
    return [r, `${r}.js`, `${r}.cjs`, `${r}.mjs`, `${r}/index.js`].includes(path);
  };
  for (const other of packageFiles(root)) {
    if (other === path) continue;
    // Most files do not mention it: read before parsing.
    let text: string;
    try {
      text = readFileSync(other, 'utf8');
    } catch {
      continue;
    }
    if (!text.includes(stem)) continue;
    const script = sources.get(other);
    if ('error' in script) continue;
    const isRequireHere = (node: Node | null | undefined): boolean => {
      if (!node || node.type !== 'CallExpression') return false;
      const n = node as unknown as { callee: Node; arguments: { value?: unknown }[] };
      return nameOf(n.callee) === 'require' && n.callee.type === 'Identifier' && leadsHere(other, n.arguments[0]?.value);
    };
    const visit = (node: Node): void => {
      const n = node as unknown as Record<string, Node | null | undefined>;
      if (node.type === 'AssignmentExpression' && isRequireHere(n.right)) {
        const name = nameOf(n.left ?? undefined);
        if (name) names.add(name);
      } else if (node.type === 'VariableDeclarator' && isRequireHere(n.init) && n.id?.type === 'Identifier') {
        names.add((n.id as unknown as { name: string }).name);
      } else if (node.type === 'Property' && isRequireHere(n.value)) {
        const name = nameOf(n.key ?? undefined);
        if (name) names.add(name);
      } else if (node.type === 'ImportDeclaration' && leadsHere(other, (n.source as unknown as { value: unknown }).value)) {
        for (const spec of (node as unknown as { specifiers: Node[] }).specifiers)
          if (spec.type === 'ImportDefaultSpecifier') names.add((spec as unknown as { local: { name: string } }).local.name);
      } else if (
        node.type === 'ExportNamedDeclaration' &&
        n.source &&
        leadsHere(other, (n.source as unknown as { value: unknown }).value)
      ) {
        for (const spec of (node as unknown as { specifiers: { local: Node; exported: Node }[] }).specifiers)
          if (nameOf(spec.local) === 'default') {
            const name = nameOf(spec.exported);
            if (name) names.add(name);
          }
      }
      for (const c of children(node)) visit(c);
    };
    visit(script.ast);
  }
  return [...names].filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'exports' && n !== 'default');
}
