import { closeSync, openSync, readSync } from 'node:fs';

/**
 * A small reader of ELF files, enough for the native tracker: is a program dynamically
 * linked (can LD_PRELOAD reach it?), where its segments load, and which function contains an
 * address (from .symtab, or .dynsym when the file is stripped). Reads only the parts it
 * needs from the file, so a 100 MB `node` binary costs a few megabytes of symbols.
 * 64-bit little-endian files only (x86-64, AArch64); anything else reads as "not ELF".
 */
export interface ElfSegment {
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  executable: boolean;
}

export interface ElfInfo {
  path: string;
  /** ET_EXEC (fixed address), ET_DYN (PIE or shared library), ... */
  type: 'exec' | 'dyn' | 'rel' | 'core' | 'other';
  /** The dynamic loader a program asks for (PT_INTERP); null in a static binary or a library. */
  interpreter: string | null;
  /** True when the file has a dynamic section (PT_DYNAMIC): it links shared libraries. */
  dynamic: boolean;
  segments: ElfSegment[];
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;

class FileReader {
  private readonly fd: number;
  constructor(path: string) {
    this.fd = openSync(path, 'r');
  }
  read(offset: number, length: number): Buffer {
    const b = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, b, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return done === length ? b : b.subarray(0, done);
  }
  close(): void {
    closeSync(this.fd);
  }
}

function u64(b: Buffer, at: number): number {
  return Number(b.readBigUInt64LE(at));
}

/** Reads the ELF header and program headers; null when `path` is not a 64-bit LE ELF file. */
export function readElfInfo(path: string): ElfInfo | null {
  let f: FileReader;
  try {
    f = new FileReader(path);
  } catch {
    return null;
  }
  try {
    const h = f.read(0, 64);
    if (h.length < 64 || h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2 || h[5] !== 1) return null;
    const etype = h.readUInt16LE(16);
    const phoff = u64(h, 32);
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    const ph = f.read(phoff, phentsize * phnum);
    const segments: ElfSegment[] = [];
    let interpreter: string | null = null;
    let dynamic = false;
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      if (at + 56 > ph.length) break;
      const type = ph.readUInt32LE(at);
      const flags = ph.readUInt32LE(at + 4);
      const offset = u64(ph, at + 8);
      const vaddr = u64(ph, at + 16);
      const filesz = u64(ph, at + 32);
      const memsz = u64(ph, at + 40);
      if (type === PT_LOAD) segments.push({ offset, vaddr, filesz, memsz, executable: (flags & 1) !== 0 });
      else if (type === PT_DYNAMIC) dynamic = true;
      else if (type === PT_INTERP) interpreter = f.read(offset, Math.min(filesz, 4096)).toString('latin1').replace(/\0.*$/s, '');
    }
    const types = { 1: 'rel', 2: 'exec', 3: 'dyn', 4: 'core' } as const;
    return { path, type: types[etype as 1 | 2 | 3 | 4] ?? 'other', interpreter, dynamic, segments };
  } finally {
    f.close();
  }
}

/** The ELF virtual address of a file offset (which loadable segment holds it), or null. */
export function fileOffsetToVaddr(info: ElfInfo, fileOffset: number): number | null {
  for (const s of info.segments) {
    if (fileOffset >= s.offset && fileOffset < s.offset + Math.max(s.filesz, 1)) return fileOffset - s.offset + s.vaddr;
  }
  return null;
}

/** Function symbols of one ELF file, sorted by address. */
export class ElfSymbols {
  readonly source: '.symtab' | '.dynsym' | 'none';
  private readonly addrs: Float64Array;
  private readonly sizes: Float64Array;
  private readonly nameOffsets: Uint32Array;
  private readonly strings: Buffer;

  private constructor(
    source: ElfSymbols['source'],
    entries: { addr: number; size: number; nameOffset: number; global: boolean }[],
    strings: Buffer = Buffer.alloc(0),
  ) {
    this.source = source;
    this.strings = strings;
    // Aliases share an address: keep one, a global name over a local one.
    entries.sort((a, b) => a.addr - b.addr || Number(b.global) - Number(a.global) || b.size - a.size);
    const kept = entries.filter((e, i) => i === 0 || e.addr !== entries[i - 1].addr);
    this.addrs = Float64Array.from(kept, (e) => e.addr);
    this.sizes = Float64Array.from(kept, (e) => e.size);
    this.nameOffsets = Uint32Array.from(kept, (e) => e.nameOffset);
  }

  get size(): number {
    return this.nameOffsets.length;
  }

  private name(i: number): string {
    const s = this.strings;
    const start = this.nameOffsets[i];
    let end = start;
    while (end < s.length && s[end] !== 0) end++;
    return s.toString('latin1', start, end);
  }

  /** Loads .symtab (or .dynsym when stripped); a file without either has no symbols. */
  static load(path: string): ElfSymbols {
    let f: FileReader;
    try {
      f = new FileReader(path);
    } catch {
      return new ElfSymbols('none', []);
    }
    try {
      const h = f.read(0, 64);
      if (h.length < 64 || h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2 || h[5] !== 1) return new ElfSymbols('none', []);
      const shoff = u64(h, 40);
      const shentsize = h.readUInt16LE(58);
      const shnum = h.readUInt16LE(60);
      if (shoff === 0 || shnum === 0) return new ElfSymbols('none', []);
      const sh = f.read(shoff, shentsize * shnum);
      const section = (i: number) => {
        const at = i * shentsize;
        return { type: sh.readUInt32LE(at + 4), offset: u64(sh, at + 24), size: u64(sh, at + 32), link: sh.readUInt32LE(at + 40) };
      };
      let chosen = -1;
      let source: ElfSymbols['source'] = 'none';
      for (let i = 0; i < shnum; i++) {
        const s = section(i);
        if (s.type === SHT_SYMTAB && s.size > 0) {
          chosen = i;
          source = '.symtab';
          break;
        }
        if (s.type === SHT_DYNSYM && s.size > 0 && chosen < 0) {
          chosen = i;
          source = '.dynsym';
        }
      }
      if (chosen < 0) return new ElfSymbols('none', []);
      const symtab = section(chosen);
      const strtab = section(symtab.link);
      const syms = f.read(symtab.offset, symtab.size);
      const strs = f.read(strtab.offset, strtab.size);
      const entries: { addr: number; size: number; nameOffset: number; global: boolean }[] = [];
      for (let at = 0; at + 24 <= syms.length; at += 24) {
        const info = syms[at + 4];
        const type = info & 0xf;
        if (type !== STT_FUNC && type !== STT_GNU_IFUNC) continue;
        const shndx = syms.readUInt16LE(at + 6);
        const addr = u64(syms, at + 8);
        if (shndx === 0 || addr === 0) continue;
        entries.push({ addr, size: u64(syms, at + 16), nameOffset: syms.readUInt32LE(at), global: info >> 4 !== 0 });
      }
      return new ElfSymbols(source, entries, strs);
    } catch {
      return new ElfSymbols('none', []);
    } finally {
      f.close();
    }
  }

  /** The function containing `vaddr` and the offset into it, or null. */
  lookup(vaddr: number): { name: string; offset: number } | null {
    const a = this.addrs;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] <= vaddr) lo = mid + 1;
      else hi = mid;
    }
    const i = lo - 1;
    if (i < 0) return null;
    const size = this.sizes[i];
    // A sized symbol must contain the address; an unsized one (assembly) is trusted up to 64 KiB.
    if (size > 0 ? vaddr >= a[i] + size : vaddr - a[i] > 0x10000) return null;
    return { name: this.name(i), offset: vaddr - a[i] };
  }
}
