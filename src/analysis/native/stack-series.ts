/**
 * Per-stack values over the series points of a replay (live bytes, open descriptors), stored
 * as changes only: a stack whose value did not change since the last point costs nothing.
 * A run with 130,000 stacks and 96 points would need 100 MB as full columns; most stacks
 * change a few times. Points are numbered as they are taken; thinning the series later drops
 * points but never renumbers them, so changes stay valid.
 */
export class StackSeriesRecorder {
  private last = new Float64Array(1024);
  private stacks = new Uint32Array(1 << 14);
  private points = new Uint32Array(1 << 14);
  private values = new Float64Array(1 << 14);
  private count = 0;

  /** Records, for point `point`, every stack whose value differs from its last recorded one. */
  record(point: number, current: Float64Array, stackCount: number): void {
    if (stackCount > this.last.length) {
      const l = new Float64Array(Math.max(stackCount, this.last.length * 2));
      l.set(this.last);
      this.last = l;
    }
    const last = this.last;
    for (let s = 0; s < stackCount; s++) {
      const v = current[s];
      if (v === last[s]) continue;
      last[s] = v;
      if (this.count === this.stacks.length) this.grow();
      this.stacks[this.count] = s;
      this.points[this.count] = point;
      this.values[this.count] = v;
      this.count++;
    }
  }

  private grow(): void {
    const n = this.stacks.length * 2;
    const s = new Uint32Array(n);
    s.set(this.stacks);
    const p = new Uint32Array(n);
    p.set(this.points);
    const v = new Float64Array(n);
    v.set(this.values);
    this.stacks = s;
    this.points = p;
    this.values = v;
  }

  /** Indexes the changes by stack (count, prefix sum, fill), in point order within each. */
  finish(stackCount: number): StackSeries {
    const start = new Uint32Array(stackCount + 1);
    for (let i = 0; i < this.count; i++) start[this.stacks[i] + 1]++;
    for (let s = 0; s < stackCount; s++) start[s + 1] += start[s];
    const fill = start.slice(0, stackCount);
    const points = new Uint32Array(this.count);
    const values = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const at = fill[this.stacks[i]]++;
      points[at] = this.points[i];
      values[at] = this.values[i];
    }
    return new StackSeries(start, points, values);
  }
}

export class StackSeries {
  constructor(
    private readonly start: Uint32Array,
    private readonly points: Uint32Array,
    private readonly values: Float64Array,
  ) {}

  /** Adds the stack's value at each of `pointIds` (ascending) into `out`. */
  addInto(stack: number, pointIds: readonly number[], out: Float64Array): void {
    if (stack + 1 >= this.start.length) return;
    let i = this.start[stack];
    const end = this.start[stack + 1];
    let value = 0;
    for (let k = 0; k < pointIds.length; k++) {
      while (i < end && this.points[i] <= pointIds[k]) value = this.values[i++];
      out[k] += value;
    }
  }
}
