/**
 * The snapshot's string table, kept as UTF-8 bytes and decoded on demand.
 *
 * Why not JSON.parse the `strings` array: a big snapshot's strings section exceeds V8's
 * maximum string length ((1 << 29) - 24 characters), which is where DevTools fails with
 * "Invalid string length" and memlab dies. Bytes are appended to large chunks (a string never
 * spans two chunks), and each string is a (chunk, start, end) triple packed in typed arrays.
 * JSON escapes are resolved while bytes are appended, so decoding is a plain UTF-8 decode.
 */
const CHUNK_SIZE = 32 * 1024 * 1024;

export class StringPool {
  private chunks: Buffer[] = [];
  private current: Buffer = Buffer.allocUnsafe(0);
  private used = 0;
  /** Start of the string being appended within `current`. */
  private openStart = -1;

  private chunkOf: Uint32Array = new Uint32Array(1024);
  private starts: Float64Array = new Float64Array(1024);
  private ends: Float64Array = new Float64Array(1024);
  private n = 0;
  private decoded: (string | undefined)[] = [];

  get count(): number {
    return this.n;
  }

  /** Begins a new string; append bytes with `append`/`appendByte`, then `end()`. */
  begin(): void {
    if (this.used >= this.current.length) this.newChunk(CHUNK_SIZE);
    this.openStart = this.used;
  }

  append(bytes: Uint8Array, from: number, to: number): void {
    const len = to - from;
    if (len <= 0) return;
    if (this.used + len > this.current.length) this.moveOpenString(len);
    this.current.set(bytes.subarray(from, to), this.used);
    this.used += len;
  }

  appendByte(b: number): void {
    if (this.used + 1 > this.current.length) this.moveOpenString(1);
    this.current[this.used++] = b;
  }

  /** Appends a Unicode code point as UTF-8 (lone surrogates become U+FFFD). */
  appendCodePoint(cp: number): void {
    if (cp < 0x80) this.appendByte(cp);
    else if (cp < 0x800) {
      this.appendByte(0xc0 | (cp >> 6));
      this.appendByte(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
      this.appendByte(0xe0 | (cp >> 12));
      this.appendByte(0x80 | ((cp >> 6) & 0x3f));
      this.appendByte(0x80 | (cp & 0x3f));
    } else {
      this.appendByte(0xf0 | (cp >> 18));
      this.appendByte(0x80 | ((cp >> 12) & 0x3f));
      this.appendByte(0x80 | ((cp >> 6) & 0x3f));
      this.appendByte(0x80 | (cp & 0x3f));
    }
  }

  end(): void {
    if (this.n === this.starts.length) {
      const size = this.n * 2;
      this.chunkOf = growU32(this.chunkOf, size);
      this.starts = growF64(this.starts, size);
      this.ends = growF64(this.ends, size);
    }
    this.chunkOf[this.n] = this.chunks.length - 1;
    this.starts[this.n] = this.openStart;
    this.ends[this.n] = this.used;
    this.n++;
    this.openStart = -1;
  }

  /** The i-th string, decoded once and cached. */
  get(i: number): string {
    if (i < 0 || i >= this.n) throw new RangeError(`no string ${i}`);
    let s = this.decoded[i];
    if (s === undefined) {
      s = this.chunks[this.chunkOf[i]].toString('utf8', this.starts[i], this.ends[i]);
      this.decoded[i] = s;
    }
    return s;
  }

  /** Byte length of the i-th string (without decoding it). */
  byteLength(i: number): number {
    return this.ends[i] - this.starts[i];
  }

  /** Total bytes held. */
  get bytes(): number {
    let total = 0;
    for (const c of this.chunks) total += c.length;
    return total;
  }

  /** Drops the decode cache (memory back after a big listing). */
  clearCache(): void {
    this.decoded = [];
  }

  private newChunk(minSize: number): void {
    if (this.chunks.length > 0) this.chunks[this.chunks.length - 1] = this.current.subarray(0, this.used);
    this.current = Buffer.allocUnsafe(Math.max(CHUNK_SIZE, minSize));
    this.chunks.push(this.current);
    this.used = 0;
  }

  /** The open string does not fit: move what it has so far to a fresh, big enough chunk. */
  private moveOpenString(extra: number): void {
    const partial = this.current.subarray(this.openStart, this.used);
    const need = partial.length + extra;
    const old = this.current;
    const oldStart = this.openStart;
    this.used = oldStart; // trim the old chunk to end before the open string
    this.newChunk(need * 2);
    old.copy(this.current, 0, oldStart, oldStart + partial.length);
    this.openStart = 0;
    this.used = partial.length;
  }
}

function growU32(a: Uint32Array, n: number): Uint32Array {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}

function growF64(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
