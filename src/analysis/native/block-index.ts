/**
 * Live blocks by address: an open-addressing hash (linear probing, backward-shift deletion)
 * over typed arrays. A JavaScript Map keyed by 47-bit addresses stores every key as a heap
 * number; this keeps a few million blocks in flat arrays and replays a log several times
 * faster.
 */
export class BlockIndex {
  private keys = new Float64Array(1 << 16);
  private values = new Int32Array(1 << 16).fill(-1);
  private mask = (1 << 16) - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  private slot(addr: number): number {
    const lo = addr >>> 0;
    const hi = (addr / 4294967296) >>> 0;
    let h = Math.imul(lo ^ (lo >>> 16) ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    return (h >>> 0) & this.mask;
  }

  get(addr: number): number {
    let i = this.slot(addr);
    for (;;) {
      const v = this.values[i];
      if (v < 0) return -1;
      if (this.keys[i] === addr) return v;
      i = (i + 1) & this.mask;
    }
  }

  /** Sets addr → value (a non-negative int32); returns the value it replaced, or -1. */
  set(addr: number, value: number): number {
    if ((this.count + 1) * 2 > this.values.length) this.grow();
    let i = this.slot(addr);
    for (;;) {
      const v = this.values[i];
      if (v < 0) break;
      if (this.keys[i] === addr) {
        this.values[i] = value;
        return v;
      }
      i = (i + 1) & this.mask;
    }
    this.keys[i] = addr;
    this.values[i] = value;
    this.count++;
    return -1;
  }

  /** Removes addr; returns its value or -1. */
  delete(addr: number): number {
    let i = this.slot(addr);
    for (;;) {
      const v = this.values[i];
      if (v < 0) return -1;
      if (this.keys[i] === addr) break;
      i = (i + 1) & this.mask;
    }
    const removed = this.values[i];
    // Backward shift: move later entries of the probe run into the hole.
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      if (this.values[j] < 0) break;
      const home = this.slot(this.keys[j]);
      // Move j to the hole when its home position is not between hole (exclusive) and j.
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        this.keys[hole] = this.keys[j];
        this.values[hole] = this.values[j];
        hole = j;
      }
    }
    this.values[hole] = -1;
    this.count--;
    return removed;
  }

  /** Calls fn for every entry (order unspecified). */
  forEach(fn: (addr: number, value: number) => void): void {
    for (let i = 0; i < this.values.length; i++) if (this.values[i] >= 0) fn(this.keys[i], this.values[i]);
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const n = oldValues.length * 2;
    this.keys = new Float64Array(n);
    this.values = new Int32Array(n).fill(-1);
    this.mask = n - 1;
    this.count = 0;
    for (let i = 0; i < oldValues.length; i++) if (oldValues[i] >= 0) this.set(oldKeys[i], oldValues[i]);
  }
}
