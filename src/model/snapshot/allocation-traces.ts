import type { Frame } from '../frame.js';
import { StackTable } from '../stack-table.js';
import type { ParsedSnapshot } from './parser.js';

/**
 * Allocation stacks recorded in a snapshot taken while allocation tracking was on
 * (`--track-heap-objects`, or HeapProfiler.startTrackingHeapObjects({trackAllocations:true})).
 * V8 writes them as a call tree (`trace_tree`) of function infos (`trace_function_infos`),
 * and each node's `trace_node_id` names the tree node that allocated it.
 *
 * The tree is loaded into the shared StackTable, whose ids are 32-bit and never wrap: the
 * trace tree *is* a trie of stacks, so every tree node becomes exactly one stack id.
 *
 * V8 records functions, not statements: a frame's line and column are where the function is
 * defined (1-based, 0 when unknown), not the line of the allocating statement.
 */
export class AllocationTraces {
  readonly stacks: StackTable;
  /** Every allocation the tracker recorded while it ran, live or dead (the trace tree's counts). */
  readonly recorded: { count: number; bytes: number };
  /** By trace node id: the stack id, or 0 (the empty stack) for unknown ids. */
  private readonly stackByTraceId: Uint32Array | Map<number, number>;
  private readonly nodeTraceIds: Uint32Array;
  private readonly traceIdOffset: number;
  private readonly nodeFieldCount: number;

  private constructor(
    stacks: StackTable,
    stackByTraceId: Uint32Array | Map<number, number>,
    parsed: ParsedSnapshot,
    recorded: { count: number; bytes: number },
  ) {
    this.stacks = stacks;
    this.recorded = recorded;
    this.stackByTraceId = stackByTraceId;
    this.nodeTraceIds = parsed.nodes;
    this.traceIdOffset = parsed.meta.nodeTraceNodeIdOffset;
    this.nodeFieldCount = parsed.meta.nodeFieldCount;
  }

  /** Null when the snapshot carries no allocation traces. */
  static fromParsed(parsed: ParsedSnapshot, _nodeCount: number): AllocationTraces | null {
    const meta = parsed.meta;
    const tree = parsed.traceTree;
    const infos = parsed.traceFunctionInfos;
    const F = meta.traceFunctionInfoFieldCount;
    if (meta.nodeTraceNodeIdOffset < 0 || tree.count === 0 || infos.length === 0 || F <= 0) return null;
    const stacks = new StackTable();
    const infoCount = Math.floor(infos.length / F);
    // Intern each function info once; -1 until seen.
    const frameOfInfo = new Int32Array(infoCount).fill(-1);
    const frameFor = (k: number): number => {
      if (k >= infoCount) return stacks.internFrame({ functionName: '(unknown)', file: '', line: 0, column: 0 });
      let f = frameOfInfo[k];
      if (f < 0) {
        const row = k * F;
        const frame: Frame = {
          functionName: str(parsed, infos[row + meta.traceFunctionNameOffset]) || '(anonymous)',
          file: str(parsed, infos[row + meta.traceFunctionScriptNameOffset]),
          line: Math.max(0, infos[row + meta.traceFunctionLineOffset] ?? 0),
          column: Math.max(0, infos[row + meta.traceFunctionColumnOffset] ?? 0),
        };
        f = stacks.internFrame(frame);
        frameOfInfo[k] = f;
      }
      return f;
    };
    let maxId = 0;
    for (let t = 0; t < tree.count; t++) if (tree.ids[t] > maxId) maxId = tree.ids[t];
    // V8 numbers trace nodes densely from 1; a sparse (corrupt or foreign) numbering gets a map.
    const dense = maxId <= 2 * tree.count + 1024;
    const stackByTraceId = dense ? new Uint32Array(maxId + 1) : new Map<number, number>();
    const stackOfIndex = new Uint32Array(tree.count);
    const recorded = { count: 0, bytes: 0 };
    for (let t = 0; t < tree.count; t++) {
      recorded.count += tree.counts[t];
      recorded.bytes += tree.sizes[t];
      const parent = tree.parents[t];
      // The top-level tree node is V8's "(root)": it stands for the empty stack.
      const stack = parent < 0 ? StackTable.EMPTY : stacks.child(stackOfIndex[parent], frameFor(tree.functionInfoIndexes[t]));
      stackOfIndex[t] = stack;
      if (stackByTraceId instanceof Map) stackByTraceId.set(tree.ids[t], stack);
      else stackByTraceId[tree.ids[t]] = stack;
      if (stack !== StackTable.EMPTY) stacks.record(stack, tree.counts[t], tree.sizes[t]);
    }
    return new AllocationTraces(stacks, stackByTraceId, parsed, recorded);
  }

  /** The stack id that allocated a node (0 when the node has none: allocated before tracking). */
  stackOf(ordinal: number): number {
    const traceId = this.nodeTraceIds[ordinal * this.nodeFieldCount + this.traceIdOffset];
    if (this.stackByTraceId instanceof Map) return this.stackByTraceId.get(traceId) ?? 0;
    return traceId < this.stackByTraceId.length ? this.stackByTraceId[traceId] : 0;
  }

  /** The frames of a node's allocation stack, innermost first ([] when unknown). */
  framesOf(ordinal: number): Frame[] {
    const s = this.stackOf(ordinal);
    return s === StackTable.EMPTY ? [] : this.stacks.framesOf(s);
  }
}

function str(parsed: ParsedSnapshot, index: number | undefined): string {
  if (index === undefined || index < 0 || index >= parsed.strings.count) return '';
  return parsed.strings.get(index);
}
