import { basename } from 'node:path';
import { scriptPath } from './attribution.js';
import type { ScriptSources } from './call-lines.js';
import { declaredBound, findDeclaration } from './declarations.js';
import type { KeptIn, Leak } from './leak-report.js';
import type { PathVariable } from './snapshot/holder-variable.js';

/**
 * The variable of the user's code that keeps a leak, from its first holders path: the place
 * to fix when no frame of the user's code is on the allocation stacks (objects a package made
 * in its own event handlers — a WebSocket per connection — that the program keeps), and a
 * name beside the line when there is one. The path is the evidence; the declaration's line is
 * looked up in the source on disk and said to be.
 */
function keptInFromPath(v: PathVariable, sources: ScriptSources): { keptIn: KeptIn; evidence: string } {
  const file = scriptPath(v.file);
  const d = findDeclaration(sources, v.file, v.name, v.closureAt);
  const bound = d.kind === 'found' ? declaredBound(sources, v.file, d.line, d.column) : null;
  const keptIn: KeptIn = {
    variable: v.name,
    expression: v.expression,
    file,
    line: d.kind === 'found' ? d.line : null,
    column: d.kind === 'found' ? d.column : null,
    ...(bound ? { bound: `${bound.key}: ${bound.value}` } : {}),
    ...(v.holdsObjectOnPath ? { holdsObjectOnPath: true as const } : {}),
  };
  const where =
    d.kind === 'found'
      ? `declared at ${basename(file)}:${d.line} (${sources.foundIn(v.file)}, in the scope of the functions that share it)`
      : `in ${basename(file)} (where it is declared is not known: ${d.why})`;
  const through = v.holdsObjectOnPath
    ? `an object that ${v.name} holds (${v.expression}): ${v.name} is a variable of your code ${where}; the path reaches that object through a package's own references, not through the variable`
    : v.expression === v.name
      ? `${v.name}, a variable of your code ${where}`
      : `${v.expression}: ${v.name} is a variable of your code ${where}`;
  // A bound in its declaration: a cache still filling grows like a leak until it is full. Said, not weighed.
  const bounded = bound
    ? `; its declaration passes ${bound.key}: ${bound.value} to ${bound.callee}: if that bounds what it holds, this growth stops once it is full — a capture that outlasts the filling tells (read in the source, not measured)`
    : '';
  let chained = '';
  if (v.chain) {
    const c = v.chain;
    const cd = findDeclaration(sources, c.file, c.name, c.closureAt);
    keptIn.chain = {
      variable: c.name,
      file: scriptPath(c.file),
      line: cd.kind === 'found' ? cd.line : null,
      column: cd.kind === 'found' ? cd.column : null,
    };
    const at = cd.kind === 'found' ? `declared at ${basename(c.file)}:${cd.line}` : `in ${basename(c.file)}`;
    chained =
      `; ${c.name === v.name ? 'it' : 'then it'} goes through ${c.name} link after link (${c.links} times on the path shown), a variable ${at} in a scope made once per call: ` +
      `a chain, each call's ${c.name} keeping what the call before it made — V8 gives all the closures made in one call one shared context, ` +
      `so any closure made there keeps ${c.name} alive while one of them uses it`;
  }
  return { keptIn, evidence: `kept in: the holders path shown first runs through ${through}${bounded}${chained}` };
}

/** Sets a leak's keptIn, and says it in its evidence, where its first holders path runs through a variable of the user's code. */
export function addKeptIn(leak: Leak, v: PathVariable | null, sources: ScriptSources): void {
  if (!v) return;
  const kept = keptInFromPath(v, sources);
  leak.keptIn = kept.keptIn;
  leak.evidence += `; ${kept.evidence}`;
}
