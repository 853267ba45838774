import type { HeapSnapshot } from '../../model/snapshot/heap-snapshot.js';
import { essentialEdgePredicate } from './essential-edges.js';

const NONE = 0xffffffff;

export interface ShortestPaths {
  /** By node ordinal: hops from the root (NONE = 0xffffffff when unreachable). */
  distance: Uint32Array;
  /** By node ordinal: the edge index that reaches it on a shortest path (NONE for the root). */
  parentEdge: Uint32Array;
  /** By node ordinal: the ordinal that edge comes from. */
  parentNode: Uint32Array;
}

export const UNREACHABLE = NONE;

/**
 * Shortest retainer paths from the root, by breadth-first search over the edges that keep
 * objects alive (see essential-edges.ts), skipping the edges DevTools also skips because
 * they would make paths misleading: the element links of `(map descriptors)` arrays, which
 * maps may share (crbug.com/413608), and a native context's `sloppy_function_map`; and
 * reaching through V8's string table, the stack and the handle scopes last (see below), so
 * the distance of an object reached only that way is not the shortest.
 */
export function computeShortestPaths(s: HeapSnapshot): ShortestPaths {
  const n = s.nodeCount;
  const essential = essentialEdgePredicate(s);
  const { edgeFieldCount, edgeToNodeOffset, nodeFieldCount, edgeNameOffset } = s.meta;
  const edges = s.edges;
  const firstEdge = s.firstEdgeIndex;
  const distance = new Uint32Array(n).fill(NONE);
  const parentEdge = new Uint32Array(n).fill(NONE);
  const parentNode = new Uint32Array(n).fill(NONE);
  const descriptorArrays = markNamed(s, '(map descriptors)', s.nodeType.array);
  const nativeContexts = markNamed(s, 'system / NativeContext', s.nodeType.hidden);
  const sloppyName = findString(s, 'sloppy_function_map');
  // V8's shareable object cache (strings its snapshot and compiled code share) likewise: the
  // README server's received header strings were shown held there, two hops from the root.
  const lastResort = markNamed(
    s,
    ['(Internalized strings)', '(Shareable object cache)', '(Stack roots)', '(Handle scope)'],
    s.nodeType.synthetic,
  );
  // leaktrace's own handle agent, when it runs in the program, keeps a record of each open
  // handle (a Timeout among them, strongly): it was the shortest "holder" of leaked interval
  // timers and what their callbacks close over, instead of Node's timer lists. Reached last.
  const agent = markNamed(s, 'HandleAgent', s.nodeType.object);
  // And the stack it leaves on each server (the listen() call's): an agent older than this
  // kept it raw, with the frames' receivers (an ESM ModuleLoader "held" by the server).
  markEdgeTargets(s, '<symbol leaktrace.listenStack>', agent);
  // Node's queues of callbacks about to run (setImmediate's ImmediateList, process.nextTick's
  // FixedQueue) hold what those callbacks will use, for a moment: a winston logger leaked into
  // a shared transport's listeners was shown held by a pending setImmediate. Reached last too.
  const pending = markNamed(s, ['ImmediateList', 'FixedQueue'], s.nodeType.object);
  // So is the microtask V8 was running when the snapshot was taken (`current_microtask` of the
  // strong roots): an axios interceptor leak was shown held by the request in flight, through
  // its bound `this`, instead of the program's `api` variable.
  markEdgeTargets(s, 'current_microtask', pending);
  // And Node's cleanup queue, the hooks its environment runs at teardown: each vm context is
  // registered there (ContextifyContext), so every `vm.createContext` result a program kept
  // in its own array was shown held by the queue instead (blind red-team; without the
  // program's array the contexts were collected, so the queue does not keep them alive).
  const teardown = markNamed(s, 'Node / CleanupQueue', s.nodeType.native);
  const element = s.edgeType.element;
  const queue = new Uint32Array(n);
  let head = 0;
  let tail = 0;
  distance[0] = 0;
  queue[tail++] = 0;
  // Some roots are expanded only once everything else is reached. V8's string table holds
  // every internalized string (a cache's keys among them) two hops from the root, which made
  // it the shortest "holder" of a leaked key that the program holds through its cache object.
  // The stack and handle scopes hold whatever the code running at the snapshot had in hand:
  // a Listener deep in an EventTarget's list was the "holder" of all the later ones, instead
  // of the AbortSignal that owns the list (DevTools likewise measures distances from the
  // program's own roots before the system's). So is leaktrace's handle agent (above).
  const deferred: number[] = [];
  let drained = false;
  while (head < tail || !drained) {
    if (head === tail) {
      drained = true;
      for (const v of deferred) queue[tail++] = v;
      if (head === tail) break;
    }
    const v = queue[head++];
    if ((lastResort[v] || agent[v] || pending[v] || teardown[v]) && !drained) {
      deferred.push(v);
      continue;
    }
    const d = distance[v] + 1;
    for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += edgeFieldCount) {
      if (!essential(v, e)) continue;
      const w = edges[e + edgeToNodeOffset] / nodeFieldCount;
      if (distance[w] !== NONE) continue;
      if (descriptorArrays[v] && s.edgeTypeOf(e) === element) {
        const index = edges[e + edgeNameOffset];
        if (index >= 2 && index % 3 === 1) continue;
      }
      if (nativeContexts[v] && sloppyName >= 0 && edges[e + edgeNameOffset] === sloppyName && !s.edgeNameIsIndex(e)) continue;
      distance[w] = d;
      parentEdge[w] = e;
      parentNode[w] = v;
      queue[tail++] = w;
    }
  }
  return { distance, parentEdge, parentNode };
}

/** One step of a retainer path: the edge from the previous node, and the node it reaches. */
export interface PathStep {
  /** Edge index from the previous step's node (NONE for the first step, the root). */
  edgeIndex: number;
  ordinal: number;
}

/** The shortest path from the root to a node, root first; [] when unreachable. */
export function retainerPath(paths: ShortestPaths, ordinal: number): PathStep[] {
  if (paths.distance[ordinal] === NONE) return [];
  const steps: PathStep[] = [];
  for (let o = ordinal; o !== 0; o = paths.parentNode[o]) steps.push({ edgeIndex: paths.parentEdge[o], ordinal: o });
  steps.push({ edgeIndex: NONE, ordinal: 0 });
  return steps.reverse();
}

/** Marks the nodes of `type` named `names` (one name or several), in one pass over the nodes. */
function markNamed(s: HeapSnapshot, names: string | readonly string[], type: number): Uint8Array {
  const marks = new Uint8Array(s.nodeCount);
  const indexes = new Set((typeof names === 'string' ? [names] : names).map((name) => findString(s, name)).filter((i) => i >= 0));
  if (indexes.size === 0 || type < 0) return marks;
  for (let o = 0; o < s.nodeCount; o++) if (s.typeOf(o) === type && indexes.has(s.nameIndex(o))) marks[o] = 1;
  return marks;
}

/** Marks the targets of every edge named `name` (not element indexes). */
function markEdgeTargets(s: HeapSnapshot, name: string, marks: Uint8Array): void {
  const index = findString(s, name);
  if (index < 0) return;
  const { edgeFieldCount, edgeNameOffset, edgeToNodeOffset, nodeFieldCount } = s.meta;
  for (let e = 0; e < s.edges.length; e += edgeFieldCount)
    if (s.edges[e + edgeNameOffset] === index && !s.edgeNameIsIndex(e)) marks[s.edges[e + edgeToNodeOffset] / nodeFieldCount] = 1;
}

/** Index of a string in the table, or -1 (a linear scan over byte lengths first, cheap). */
function findString(s: HeapSnapshot, value: string): number {
  const bytes = Buffer.byteLength(value);
  for (let i = 0; i < s.strings.count; i++) if (s.strings.byteLength(i) === bytes && s.strings.get(i) === value) return i;
  return -1;
}
