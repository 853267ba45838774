import { attribute, isLeaktraceScript, isRuntimeFrame, LEAKTRACE_PACKAGE } from '../../analysis/attribution.js';
import { packageLabel } from '../../analysis/snapshot/stat.js';
import { type Frame, formatFrame } from '../../model/frame.js';
import type { StackTable } from '../../model/stack-table.js';
import { topRows } from './from-check.js';
import { type Breakdown, type FlameGraph, type FlameNode, REPORT_LIMITS } from './report-data.js';
import { frameView } from './suspect-views.js';
import { frameLocation } from './render-sections.js';

const LEAKTRACE_AGENT_LABEL = "(leaktrace's agent: its records of the program's handles)";

/** Per-stack amounts (self, not including callees), indexed by stack id of one StackTable. */
export interface StackAmounts {
  stacks: StackTable;
  bytes: (stackId: number) => number;
  count: (stackId: number) => number;
}

/** Outstanding bytes by package and by allocation site (attribution of each stack). */
export function stackBreakdowns(a: StackAmounts, what: string, ids: Iterable<number>): Breakdown[] {
  const byPackage = new Map<string, { bytes: number; count: number }>();
  const bySite = new Map<string, { site: Frame | null; bytes: number; count: number }>();
  let total = 0;
  for (const id of ids) {
    const bytes = a.bytes(id);
    const count = a.count(id);
    if (bytes <= 0 && count <= 0) continue;
    total += bytes;
    const frames = a.stacks.framesOf(id);
    // leaktrace's agent in the target keeps records of the program's handles: its memory,
    // not the program's, and named so (from a checkout its path is outside node_modules).
    const byLeaktrace = isLeaktraceScript(frames.find((f) => !isRuntimeFrame(f))?.file ?? '');
    const at = byLeaktrace ? { site: null, package: LEAKTRACE_PACKAGE } : attribute(frames);
    const pkg = packageLabel(at.package);
    const p = byPackage.get(pkg) ?? { bytes: 0, count: 0 };
    p.bytes += bytes;
    p.count += count;
    byPackage.set(pkg, p);
    const key = at.site ? formatFrame(at.site) : byLeaktrace ? LEAKTRACE_AGENT_LABEL : '(Node/V8 internals only)';
    const s = bySite.get(key) ?? { site: at.site, bytes: 0, count: 0 };
    s.bytes += bytes;
    s.count += count;
    bySite.set(key, s);
  }
  if (total <= 0) return [];
  return [
    { id: 'by-package', title: 'By package', note: what, rows: topRows([...byPackage].map(([label, v]) => ({ label, ...v }))), total },
    {
      id: 'by-site',
      title: 'By allocation site',
      note: what,
      rows: topRows(
        [...bySite].map(([key, v]) => ({
          label: v.site ? v.site.functionName || '(anonymous)' : key,
          detail: v.site ? formatFrame(v.site) : undefined,
          bytes: v.bytes,
          count: v.count,
        })),
      ),
      total,
    },
  ];
}

/**
 * The stack trie as an icicle: each node's total is its own bytes plus its callees'. Small
 * branches are folded into one `(smaller stacks)` node per parent, keeping at most
 * REPORT_LIMITS.flameNodes nodes; `omitted` says how many were folded.
 */
export function flameFromStacks(a: StackAmounts, title: string, note: string): { flame: FlameGraph | null; folded: number } {
  const n = a.stacks.size + 1;
  const total = new Float64Array(n);
  const children: number[][] = Array.from({ length: n }, () => []);
  // A trie child is always created after its parent, so its id is larger: one reverse pass
  // adds every node's total into its parent's.
  for (let id = n - 1; id >= 1; id--) {
    total[id] += Math.max(0, a.bytes(id));
    const parent = a.stacks.parent(id);
    total[parent] += total[id];
    if (total[id] > 0) children[parent].push(id);
  }
  if (total[0] <= 0) return { flame: null, folded: 0 };
  // Keep the biggest nodes. A node's total is never above its parent's, so "total ≥ t"
  // keeps whole top parts of the tree; t is raised until at most the limit remain.
  const candidates: number[] = [];
  for (let id = 1; id < n; id++) if (total[id] >= total[0] * 0.0005) candidates.push(id);
  let threshold = total[0] * 0.0005;
  if (candidates.length > REPORT_LIMITS.flameNodes) {
    const sorted = candidates.map((id) => total[id]).sort((x, y) => y - x);
    threshold = sorted[REPORT_LIMITS.flameNodes - 1];
  }
  const keep = new Uint8Array(n);
  keep[0] = 1;
  for (const id of candidates) if (total[id] >= threshold) keep[id] = 1;
  let folded = 0;
  const build = (id: number): FlameNode => {
    const frame = id === 0 ? null : a.stacks.frame(a.stacks.leafFrameId(id));
    const view = frame ? frameView(frame) : null;
    const node: FlameNode = {
      name: frame ? frame.functionName || '(anonymous)' : '(all)',
      where: frame ? frameLocation(frame) : '',
      role: view?.role ?? 'internal',
      total: total[id],
      self: id === 0 ? 0 : Math.max(0, a.bytes(id)),
      children: [],
    };
    let rest = 0;
    let restCount = 0;
    for (const c of children[id].sort((x, y) => total[y] - total[x])) {
      if (keep[c]) node.children.push(build(c));
      else {
        rest += total[c];
        restCount++;
      }
    }
    if (restCount > 0) {
      folded += restCount;
      node.children.push({ name: `(${restCount} smaller)`, where: '', role: 'internal', total: rest, self: rest, children: [] });
    }
    return node;
  };
  // Recursion depth is the stack depth (V8 caps captured stacks at a few hundred frames).
  const root = build(0);
  return { flame: { title, note, root }, folded };
}
