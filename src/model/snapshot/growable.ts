/** Append-only typed arrays that double when full (used while the size is unknown). */
export class GrowableU32 {
  data: Uint32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Uint32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length * 2);
    this.data[this.length++] = v;
  }
  grow(n: number): void {
    const d = new Uint32Array(n);
    d.set(this.data.subarray(0, this.length));
    this.data = d;
  }
  /** The filled part; the copy is avoided when the array is exactly full. */
  trimmed(): Uint32Array {
    return this.length === this.data.length ? this.data : this.data.slice(0, this.length);
  }
}

export class GrowableF64 {
  data: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length * 2);
    this.data[this.length++] = v;
  }
  grow(n: number): void {
    const d = new Float64Array(n);
    d.set(this.data.subarray(0, this.length));
    this.data = d;
  }
  trimmed(): Float64Array {
    return this.length === this.data.length ? this.data : this.data.slice(0, this.length);
  }
}
