import type { SamplingProfile, SamplingProfileNode } from '../../capture/heap/sampling-sampler.js';
import type { Anonymizer } from './anonymize.js';
import type { ExportSource } from './export-source.js';

/**
 * Chrome's `.heapprofile` (CDP's SamplingHeapProfile as JSON), which DevTools' Memory panel
 * loads. A sampling profile is written back as it was (frames anonymized on request); a
 * snapshot's allocation stacks become a tree with each node's live bytes as its selfSize.
 */
export function toHeapProfile(src: ExportSource, anonymizer?: Anonymizer): SamplingProfile {
  if (src.profile) return anonymizer ? anonymizeProfile(src.profile, anonymizer) : src.profile;
  const stacks = src.stacks;
  const nodes = new Map<number, SamplingProfileNode>();
  const root: SamplingProfileNode = { callFrame: callFrame('(root)', '', 0, 0), selfSize: 0, id: 1, children: [] };
  nodes.set(0, root);
  let nextId = 2;
  const nodeOf = (stack: number): SamplingProfileNode => {
    let node = nodes.get(stack);
    if (node) return node;
    const parent = nodeOf(stacks.parent(stack));
    const raw = stacks.frame(stacks.leafFrameId(stack));
    const f = anonymizer ? anonymizer.frame(raw) : raw;
    node = { callFrame: callFrame(f.functionName, f.file, f.line, f.column), selfSize: 0, id: nextId++, children: [] };
    parent.children.push(node);
    nodes.set(stack, node);
    return node;
  };
  // Parents first (a trie child's id is larger than its parent's), so recursion stays shallow.
  for (const id of [...src.ids].sort((a, b) => a - b)) {
    const bytes = src.inuse.bytes(id);
    if (bytes > 0) nodeOf(id).selfSize += bytes;
  }
  return { head: root, samples: [] };
}

/** CDP call frames are 0-based; leaktrace's frames are 1-based (0 = unknown → -1). */
function callFrame(
  functionName: string,
  url: string,
  line: number,
  column: number,
): SamplingProfileNode['callFrame'] & { scriptId: string } {
  return { functionName, scriptId: '0', url, lineNumber: line - 1, columnNumber: column - 1 };
}

function anonymizeProfile(p: SamplingProfile, a: Anonymizer): SamplingProfile {
  const copy = (n: SamplingProfileNode): SamplingProfileNode => ({
    ...n,
    callFrame: { ...n.callFrame, functionName: a.functionName(n.callFrame.functionName, n.callFrame.url), url: a.file(n.callFrame.url) },
    children: (n.children ?? []).map(copy),
  });
  return { ...p, head: copy(p.head) };
}
