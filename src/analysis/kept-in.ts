import { basename } from 'node:path';
import { scriptPath } from './attribution.js';
import type { ScriptSources } from './call-lines.js';
import { findDeclaration } from './declarations.js';
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
  const keptIn: KeptIn = {
    variable: v.name,
    expression: v.expression,
    file,
    line: d.kind === 'found' ? d.line : null,
    column: d.kind === 'found' ? d.column : null,
  };
  const where =
    d.kind === 'found'
      ? `declared at ${basename(file)}:${d.line} (found in the source on disk, in the scope of the functions that share it)`
      : `in ${basename(file)} (where it is declared is not known: ${d.why})`;
  const through =
    v.expression === v.name
      ? `${v.name}, a variable of your code ${where}`
      : `${v.expression}: ${v.name} is a variable of your code ${where}`;
  return { keptIn, evidence: `kept in: the holders path shown first runs through ${through}` };
}

/** Sets a leak's keptIn, and says it in its evidence, where its first holders path runs through a variable of the user's code. */
export function addKeptIn(leak: Leak, v: PathVariable | null, sources: ScriptSources): void {
  if (!v) return;
  const kept = keptInFromPath(v, sources);
  leak.keptIn = kept.keptIn;
  leak.evidence += `; ${kept.evidence}`;
}
