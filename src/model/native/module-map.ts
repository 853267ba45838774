/**
 * The executable file mappings of a process, as the native tracker copied them from
 * /proc/<pid>/maps (it writes a new copy whenever a library is loaded or unloaded). Maps a
 * runtime address to its module and to the address the module's own ELF file uses for it
 * (the "virtual address" symbol tables and DWARF speak in).
 */
export interface Mapping {
  start: number;
  end: number;
  /** Offset in the file of the mapping's first byte. */
  fileOffset: number;
  /** The file's path, or a pseudo-name such as `[vdso]`. */
  path: string;
}

export class ModuleMap {
  /** Sorted by start, non-overlapping. */
  readonly mappings: readonly Mapping[];

  constructor(mappings: Mapping[]) {
    this.mappings = mappings.sort((a, b) => a.start - b.start);
  }

  /** Parses /proc/<pid>/maps text; keeps executable lines with a path. */
  static parse(text: string): ModuleMap {
    const out: Mapping[] = [];
    for (const line of text.split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+([0-9a-f]+)\s+\S+\s+\d+\s*(.*)$/.exec(line);
      if (!m || !m[3].includes('x') || m[5] === '') continue;
      out.push({
        start: parseInt(m[1], 16),
        end: parseInt(m[2], 16),
        fileOffset: parseInt(m[4], 16),
        path: m[5].replace(/ \(deleted\)$/, ''),
      });
    }
    return new ModuleMap(out);
  }

  find(address: number): Mapping | null {
    const a = this.mappings;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid].end <= address) lo = mid + 1;
      else hi = mid;
    }
    return lo < a.length && a[lo].start <= address ? a[lo] : null;
  }
}

/** The maps a log recorded, in order; a stack is resolved against the one current when it was recorded. */
export class ModuleHistory {
  private readonly maps: ModuleMap[] = [];

  add(map: ModuleMap): void {
    this.maps.push(map);
  }

  /** How many maps have been recorded so far: a stack remembers this as its generation. */
  get generation(): number {
    return this.maps.length;
  }

  /**
   * The mapping of `address` for a stack recorded at `generation`: the map current then,
   * else a later one (a library loaded just before its first stack), else an earlier one.
   */
  find(address: number, generation: number): Mapping | null {
    const current = Math.min(Math.max(generation - 1, 0), this.maps.length - 1);
    if (current < 0) return null;
    for (let g = current; g < this.maps.length; g++) {
      const m = this.maps[g].find(address);
      if (m) return m;
    }
    for (let g = current - 1; g >= 0; g--) {
      const m = this.maps[g].find(address);
      if (m) return m;
    }
    return null;
  }

  /** Every distinct module path seen. */
  paths(): string[] {
    const s = new Set<string>();
    for (const m of this.maps) for (const x of m.mappings) s.add(x.path);
    return [...s];
  }
}
