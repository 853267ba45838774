/**
 * Builds small `.heapsnapshot` texts by hand, in V8's own layout, for tests that need an
 * exact graph (dominators, paths) or a deliberately broken file.
 */
export interface BuiltEdge {
  type?: 'context' | 'element' | 'property' | 'internal' | 'hidden' | 'shortcut' | 'weak';
  /** A property name, or an element index. */
  name?: string | number;
  to: number;
}

export interface BuiltNode {
  type?: 'hidden' | 'array' | 'string' | 'object' | 'code' | 'closure' | 'regexp' | 'number' | 'native' | 'synthetic';
  name?: string;
  /** Defaults to 2 × ordinal + 1, like V8's odd ids. */
  id?: number;
  selfSize?: number;
  edges?: BuiltEdge[];
  /** With `options.traces`: the index of its allocation stack there. */
  trace?: number;
  /** A closure's place (1-based, as the parser gives it back): the snapshot's `locations`. */
  location?: { scriptId: number; line: number; column: number };
}

/** Allocation stacks for `trace_tree`: functions, and stacks as function indexes, innermost first. */
export interface BuiltTraces {
  functions: { name: string; script: string; line: number; column: number }[];
  stacks: number[][];
}

const NODE_TYPES = [
  'hidden',
  'array',
  'string',
  'object',
  'code',
  'closure',
  'regexp',
  'number',
  'native',
  'synthetic',
  'concatenated string',
  'sliced string',
  'symbol',
  'bigint',
  'object shape',
];
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

/** Node 0 is the root. Edges point at node ordinals. */
export function buildSnapshot(nodes: BuiltNode[], extraStrings: string[] = [], options: { traces?: BuiltTraces } = {}): string {
  const strings: string[] = [''];
  const stringIndex = new Map<string, number>([['', 0]]);
  const str = (s: string): number => {
    let i = stringIndex.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      stringIndex.set(s, i);
    }
    return i;
  };
  for (const s of extraStrings) str(s);
  // The trace tree: V8's "(root)" (id 1, function 0), then each stack as its own chain of nodes.
  const traces = options.traces;
  const leafIds: number[] = [];
  const functionInfos: number[] = [];
  let traceTree = '';
  if (traces) {
    const functions = [{ name: '(root)', script: '', line: 0, column: 0 }, ...traces.functions];
    functions.forEach((f, k) => functionInfos.push(k, str(f.name), str(f.script), k, f.line, f.column));
    let nextId = 2;
    const chains = traces.stacks.map((frames) => {
      let inner = '';
      let leaf = 0;
      // Outermost first in the tree: the innermost frame is the deepest node.
      for (const [depth, fn] of [...frames].entries()) {
        const id = nextId++;
        if (depth === 0) leaf = id;
        inner = `${id},${fn + 1},1,16,[${inner}]`;
      }
      leafIds.push(leaf);
      return inner;
    });
    traceTree = `1,0,0,0,[${chains.join(',')}]`;
  }
  const locations: number[] = [];
  nodes.forEach((n, o) => {
    if (n.location) locations.push(o * 7, n.location.scriptId, n.location.line - 1, n.location.column - 1);
  });
  const nodeFields = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'];
  const nodeNumbers: number[] = [];
  const edgeNumbers: number[] = [];
  nodes.forEach((n, o) => {
    const edges = n.edges ?? [];
    nodeNumbers.push(
      NODE_TYPES.indexOf(n.type ?? 'object'),
      str(n.name ?? (o === 0 ? '' : `N${o}`)),
      n.id ?? 2 * o + 1,
      n.selfSize ?? 10,
      edges.length,
      n.trace !== undefined ? leafIds[n.trace] : 0,
      0,
    );
    edges.forEach((e, k) => {
      const type = e.type ?? 'property';
      const nameOrIndex = type === 'element' || type === 'hidden' ? Number(e.name ?? k) : str(String(e.name ?? `e${k}`));
      edgeNumbers.push(EDGE_TYPES.indexOf(type), nameOrIndex, e.to * nodeFields.length);
    });
  });
  const meta = {
    node_fields: nodeFields,
    node_types: [NODE_TYPES, 'string', 'number', 'number', 'number', 'number', 'number'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [EDGE_TYPES, 'string_or_number', 'node'],
    trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
    trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
    sample_fields: ['timestamp_us', 'last_assigned_id'],
    location_fields: ['object_index', 'script_id', 'line', 'column'],
  };
  const rows = (numbers: number[], width: number): string => {
    const out: string[] = [];
    for (let i = 0; i < numbers.length; i += width) out.push(numbers.slice(i, i + width).join(','));
    return out.join('\n,');
  };
  return (
    `{"snapshot":{"meta":${JSON.stringify(meta)},"node_count":${nodes.length},"edge_count":${edgeNumbers.length / 3},"trace_function_count":${functionInfos.length / 6}},\n` +
    `"nodes":[${rows(nodeNumbers, nodeFields.length)}],\n` +
    `"edges":[${rows(edgeNumbers, 3)}],\n` +
    `"trace_function_infos":[${functionInfos.join(',')}],\n"trace_tree":[${traceTree}],\n"samples":[],\n"locations":[${locations.join(',')}],\n` +
    `"strings":[${strings.map((s) => JSON.stringify(s)).join(',\n')}]}`
  );
}

/**
 * A graph whose root holds closure `fn` of script `file` (its SharedFunctionInfo's edge to the
 * script named as on Node 22/24, or as on Node 20), closing over `context`, the scope the tests
 * put their variables in.
 */
export function moduleGraph(
  file: string,
  fn: string,
  o: { scriptEdge?: 'script' | 'script_or_debug_info'; location?: BuiltNode['location'] } = {},
): { nodes: BuiltNode[]; add: (n: BuiltNode) => number; root: number; shared: number; context: number } {
  const nodes: BuiltNode[] = [];
  const add = (n: BuiltNode): number => nodes.push(n) - 1;
  const root = add({ type: 'synthetic', name: '', edges: [] });
  const script = add({ type: 'code', name: file });
  const shared = add({ type: 'code', name: fn, edges: [{ type: 'internal', name: o.scriptEdge ?? 'script', to: script }] });
  const context = add({ type: 'object', name: 'system / Context', edges: [] });
  const closure = add({
    type: 'closure',
    name: fn,
    ...(o.location ? { location: o.location } : {}),
    edges: [
      { type: 'internal', name: 'context', to: context },
      { type: 'internal', name: 'shared', to: shared },
    ],
  });
  nodes[root].edges!.push({ type: 'element', name: 1, to: closure });
  return { nodes, add, root, shared, context };
}
