import type { NativeAnalysis } from './native-analysis.js';
import { type FrameJson, frameJson, siteOf } from './sites.js';

/**
 * `show` over a native capture — `!heap -p -a ADDR`: the block that contains an address, with
 * the stack that allocated it, when, and whether it was freed. Every block that ever held the
 * address is listed (the allocator reuses addresses), the live one last. The analysis must
 * have been opened with `replay: { watch: address }`.
 */
export interface NativeBlockView {
  kind: 'native';
  address: string;
  blocks: {
    start: string;
    size: number;
    /** Offset of the address into the block. */
    offset: number;
    allocation: string;
    allocatedAtMs: number;
    freedAtMs: number | null;
    site: string;
    module: string;
    stackId: number;
    stack: FrameJson[];
  }[];
  /** What to say when no block held the address. */
  note: string | null;
  tracking: string;
  problems: string[];
}

const KIND_NAMES = ['', 'malloc', 'calloc', 'realloc', 'aligned_alloc/memalign', 'mmap'];

export function describeNativeBlock(a: NativeAnalysis, address: number): NativeBlockView {
  const watched = a.replay.watched;
  const blocks = watched.map((w) => ({
    start: `0x${w.addr.toString(16)}`,
    size: w.size,
    offset: address - w.addr,
    allocation: KIND_NAMES[w.kind] ?? '?',
    allocatedAtMs: w.allocUs / 1000,
    freedAtMs: w.freeUs === null ? null : w.freeUs / 1000,
    site: siteOf(a, w.stack).label,
    module: siteOf(a, w.stack).module,
    stackId: w.stack,
    stack: a.frames(w.stack).map(frameJson),
  }));
  return {
    kind: 'native',
    address: `0x${address.toString(16)}`,
    blocks,
    note: blocks.length === 0 ? 'no tracked block ever contained this address (not heap memory, or allocated before tracking)' : null,
    tracking: a.trackingNote(),
    problems: a.problems,
  };
}
