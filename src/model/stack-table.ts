import type { Frame } from './frame.js';

/**
 * The stack table: leaktrace's answer to the classic user-mode stack trace database
 * (gflags +ust), without its flaw. That database kept a 16-bit index per allocation, so past
 * 65,535 unique stacks ids wrapped and allocations were blamed on the wrong component.
 * Here every id is a 32-bit unsigned integer handed out sequentially; interning more than
 * 2^32 - 1 stacks throws instead of wrapping.
 *
 * Frames are interned once (frame id). Stacks are interned as a trie, like V8's allocation
 * trace tree: a stack id names (parent stack id, frame id), with the parent one frame closer
 * to the root (outermost caller). Stack id 0 is the empty stack. Storing a stack therefore
 * costs one trie node per frame not already shared with another stack.
 *
 * Each stack also carries a count and a byte total (what was attributed to it), so the table
 * doubles as the "count and byte total per stack" view of the classic database.
 */
export class StackTable {
  /** The id of the empty stack (the trie root). */
  static readonly EMPTY = 0;
  private static readonly MAX_ID = 0xffff_ffff;

  private readonly frameList: Frame[] = [];
  private readonly frameIdByKey = new Map<string, number>();

  // Trie nodes, keyed by stack id. Index 0 is the root.
  private parents = new Uint32Array(1024);
  private frameIds = new Uint32Array(1024);
  private depths = new Uint32Array(1024);
  private counts = new Float64Array(1024);
  private bytes = new Float64Array(1024);
  private stackCount = 1;

  // Open-addressing hash of (parent, frame) -> stack id; 0 marks an empty slot (the root is
  // never a child, so 0 is free to mean "empty").
  private slots = new Uint32Array(2048);

  /** Number of distinct frames interned. */
  get frameCount(): number {
    return this.frameList.length;
  }

  /** Number of distinct non-empty stacks (trie nodes other than the root). */
  get size(): number {
    return this.stackCount - 1;
  }

  /** Interns a frame and returns its id (0-based, 32-bit). */
  internFrame(frame: Frame): number {
    const key = `${frame.functionName}\u0000${frame.file}\u0000${frame.line}\u0000${frame.column}`;
    let id = this.frameIdByKey.get(key);
    if (id === undefined) {
      id = this.frameList.length;
      if (id > StackTable.MAX_ID) throw new RangeError('stack table: more than 2^32 frames');
      this.frameList.push({ functionName: frame.functionName, file: frame.file, line: frame.line, column: frame.column });
      this.frameIdByKey.set(key, id);
    }
    return id;
  }

  frame(frameId: number): Frame {
    const f = this.frameList[frameId];
    if (f === undefined) throw new RangeError(`stack table: no frame ${frameId}`);
    return f;
  }

  /** The stack id for `parent` extended by one inner frame, creating it if new. */
  child(parent: number, frameId: number): number {
    const mask = this.slots.length - 1;
    let slot = hashPair(parent, frameId) & mask;
    for (;;) {
      const id = this.slots[slot];
      if (id === 0) break;
      if (this.parents[id] === parent && this.frameIds[id] === frameId) return id;
      slot = (slot + 1) & mask;
    }
    const id = this.stackCount;
    if (id > StackTable.MAX_ID) throw new RangeError('stack table: more than 2^32 - 1 stacks');
    if (id === this.parents.length) this.growNodes();
    this.parents[id] = parent;
    this.frameIds[id] = frameId;
    this.depths[id] = this.depths[parent] + 1;
    this.stackCount = id + 1;
    this.slots[slot] = id;
    if (this.stackCount * 2 > this.slots.length) this.rehash();
    return id;
  }

  /** Interns a whole stack given outermost frame first (root to leaf). */
  internOuterFirst(frames: readonly Frame[]): number {
    let id = StackTable.EMPTY;
    for (const f of frames) id = this.child(id, this.internFrame(f));
    return id;
  }

  /** Interns a whole stack given innermost frame first, as Error.stack lists them. */
  internInnerFirst(frames: readonly Frame[]): number {
    let id = StackTable.EMPTY;
    for (let i = frames.length - 1; i >= 0; i--) id = this.child(id, this.internFrame(frames[i]));
    return id;
  }

  parent(stackId: number): number {
    this.check(stackId);
    return this.parents[stackId];
  }

  /** The innermost frame id of a non-empty stack. */
  leafFrameId(stackId: number): number {
    this.check(stackId);
    if (stackId === 0) throw new RangeError('stack table: the empty stack has no frames');
    return this.frameIds[stackId];
  }

  depth(stackId: number): number {
    this.check(stackId);
    return this.depths[stackId];
  }

  /** Frame ids of a stack, innermost first. */
  frameIdsOf(stackId: number): number[] {
    this.check(stackId);
    const out: number[] = [];
    for (let id = stackId; id !== 0; id = this.parents[id]) out.push(this.frameIds[id]);
    return out;
  }

  /** Frames of a stack, innermost first (the order a stack trace is printed in). */
  framesOf(stackId: number): Frame[] {
    return this.frameIdsOf(stackId).map((f) => this.frameList[f]);
  }

  /** Adds `count` objects and `byteCount` bytes to a stack's totals. */
  record(stackId: number, count: number, byteCount: number): void {
    this.check(stackId);
    this.counts[stackId] += count;
    this.bytes[stackId] += byteCount;
  }

  countOf(stackId: number): number {
    this.check(stackId);
    return this.counts[stackId];
  }

  bytesOf(stackId: number): number {
    this.check(stackId);
    return this.bytes[stackId];
  }

  /** Ids of all non-empty stacks with a non-zero count, in id order. */
  recordedStacks(): number[] {
    const out: number[] = [];
    for (let id = 1; id < this.stackCount; id++) if (this.counts[id] !== 0 || this.bytes[id] !== 0) out.push(id);
    return out;
  }

  private check(stackId: number): void {
    if (!Number.isInteger(stackId) || stackId < 0 || stackId >= this.stackCount) {
      throw new RangeError(`stack table: no stack ${stackId}`);
    }
  }

  private growNodes(): void {
    const n = this.parents.length * 2;
    this.parents = grow(this.parents, n);
    this.frameIds = grow(this.frameIds, n);
    this.depths = grow(this.depths, n);
    this.counts = grow(this.counts, n);
    this.bytes = grow(this.bytes, n);
  }

  private rehash(): void {
    const slots = new Uint32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 1; id < this.stackCount; id++) {
      let slot = hashPair(this.parents[id], this.frameIds[id]) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = id;
    }
    this.slots = slots;
  }
}

function hashPair(a: number, b: number): number {
  // A multiplicative mix of two 32-bit values (constants from MurmurHash3's finalizer).
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return (h ^ (h >>> 13)) >>> 0;
}

function grow<T extends Uint32Array | Float64Array>(a: T, n: number): T {
  const b = new (a.constructor as { new (n: number): T })(n);
  b.set(a);
  return b;
}
