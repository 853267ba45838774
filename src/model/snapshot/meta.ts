/**
 * The snapshot's self-description (`snapshot.meta`), resolved once into field offsets.
 * V8 has changed the node layout over the years (`trace_node_id` added, `detachedness`
 * added in V8 9.x) and may again, so nothing here assumes positions: every offset is looked
 * up by name, and optional fields are -1 when absent.
 */
export interface SnapshotHeader {
  meta: {
    node_fields: string[];
    node_types: unknown[];
    edge_fields: string[];
    edge_types: unknown[];
    trace_function_info_fields?: string[];
    trace_node_fields?: string[];
    sample_fields?: string[];
    location_fields?: string[];
  };
  node_count?: number;
  edge_count?: number;
  trace_function_count?: number;
}

export interface SnapshotMeta {
  nodeFieldCount: number;
  nodeTypeOffset: number;
  nodeNameOffset: number;
  nodeIdOffset: number;
  nodeSelfSizeOffset: number;
  nodeEdgeCountOffset: number;
  /** -1 when the snapshot has no allocation trace ids. */
  nodeTraceNodeIdOffset: number;
  /** -1 when absent (older V8). */
  nodeDetachednessOffset: number;
  nodeTypes: string[];

  edgeFieldCount: number;
  edgeTypeOffset: number;
  edgeNameOffset: number;
  edgeToNodeOffset: number;
  edgeTypes: string[];

  /** Field offsets of trace_function_infos rows (-1 where absent). */
  traceFunctionInfoFieldCount: number;
  traceFunctionIdOffset: number;
  traceFunctionNameOffset: number;
  traceFunctionScriptNameOffset: number;
  traceFunctionLineOffset: number;
  traceFunctionColumnOffset: number;

  locationFieldCount: number;
  locationObjectIndexOffset: number;
  locationLineOffset: number;
  locationColumnOffset: number;

  nodeCountHint: number;
  edgeCountHint: number;
}

/** Throws a plain Error with the reason; the parser wraps it with file and offset. */
export function resolveMeta(header: unknown): SnapshotMeta {
  const h = header as SnapshotHeader;
  const meta = h?.meta;
  if (!meta || typeof meta !== 'object') throw new Error('"snapshot" has no "meta" object');
  const nodeFields = stringArray(meta.node_fields, 'meta.node_fields');
  const edgeFields = stringArray(meta.edge_fields, 'meta.edge_fields');
  const need = (fields: string[], name: string, what: string): number => {
    const i = fields.indexOf(name);
    if (i < 0) throw new Error(`${what} lacks "${name}" (fields: ${fields.join(', ')})`);
    return i;
  };
  const nodeTypeOffset = need(nodeFields, 'type', 'meta.node_fields');
  const edgeTypeOffset = need(edgeFields, 'type', 'meta.edge_fields');
  // node_types[i] describes node_fields[i]; for the `type` field it is the list of type names.
  const nodeTypes = typeNames(meta.node_types, nodeTypeOffset, 'meta.node_types');
  const edgeTypes = typeNames(meta.edge_types, edgeTypeOffset, 'meta.edge_types');
  const tfi = Array.isArray(meta.trace_function_info_fields) ? meta.trace_function_info_fields : [];
  const loc = Array.isArray(meta.location_fields) ? meta.location_fields : [];
  return {
    nodeFieldCount: nodeFields.length,
    nodeTypeOffset,
    nodeNameOffset: need(nodeFields, 'name', 'meta.node_fields'),
    nodeIdOffset: need(nodeFields, 'id', 'meta.node_fields'),
    nodeSelfSizeOffset: need(nodeFields, 'self_size', 'meta.node_fields'),
    nodeEdgeCountOffset: need(nodeFields, 'edge_count', 'meta.node_fields'),
    nodeTraceNodeIdOffset: nodeFields.indexOf('trace_node_id'),
    nodeDetachednessOffset: nodeFields.indexOf('detachedness'),
    nodeTypes,
    edgeFieldCount: edgeFields.length,
    edgeTypeOffset,
    edgeNameOffset: need(edgeFields, 'name_or_index', 'meta.edge_fields'),
    edgeToNodeOffset: need(edgeFields, 'to_node', 'meta.edge_fields'),
    edgeTypes,
    traceFunctionInfoFieldCount: tfi.length,
    traceFunctionIdOffset: tfi.indexOf('function_id'),
    traceFunctionNameOffset: tfi.indexOf('name'),
    traceFunctionScriptNameOffset: tfi.indexOf('script_name'),
    traceFunctionLineOffset: tfi.indexOf('line'),
    traceFunctionColumnOffset: tfi.indexOf('column'),
    locationFieldCount: loc.length,
    locationObjectIndexOffset: loc.indexOf('object_index'),
    locationLineOffset: loc.indexOf('line'),
    locationColumnOffset: loc.indexOf('column'),
    nodeCountHint: countHint(h.node_count),
    edgeCountHint: countHint(h.edge_count),
  };
}

function stringArray(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string')) throw new Error(`${what} is not a list of names`);
  return v as string[];
}

function typeNames(v: unknown, typeOffset: number, what: string): string[] {
  if (!Array.isArray(v) || !Array.isArray(v[typeOffset])) throw new Error(`${what} has no list of type names`);
  return stringArray(v[typeOffset], what);
}

function countHint(v: unknown): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : -1;
}
