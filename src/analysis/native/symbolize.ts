import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import type { Frame } from '../../model/frame.js';
import { ElfSymbols, fileOffsetToVaddr, readElfInfo, type ElfInfo } from '../../model/native/elf.js';
import type { Mapping } from '../../model/native/module-map.js';
import type { PerfMap } from '../../model/native/perf-map.js';
import { isCRuntimeModule, isRuntimeExecutable, isSystemLibrary } from './native-attribution.js';

/**
 * Offline symbolization of native return addresses: the module always (from the recorded
 * maps), the function from the module's ELF symbol table (read here, in TypeScript), file
 * and line from `addr2line` (binutils) or `llvm-symbolizer` when installed — one batch call
 * per module — and, for addresses in no file at all, JavaScript functions from the target's
 * perf map (node --perf-basic-prof). An address is a return address, so the call instruction
 * before it (address − 1) is what gets looked up.
 *
 * File and line are looked up for the program's own modules (and the C runtime, whose
 * frames read better with them), not for a language runtime's executable or other system
 * libraries: addr2line needs 3 s for 5,000 addresses in Node's 100 MB binary, and the
 * function name from the symbol table says what matters there. `lines: 'all'` asks for all.
 */
export type FrameOrigin = 'native' | 'js' | 'jit' | 'unknown';

export interface NativeFrame extends Frame {
  /** The runtime return address this frame came from. */
  address: number;
  /** The module's path ('' for code in no file: JIT code). */
  module: string;
  origin: FrameOrigin;
  /** True for a function inlined into the next frame (same address). */
  inlined: boolean;
}

export type LineTool = 'addr2line' | 'llvm-symbolizer' | 'none';

export interface SymbolizeOptions {
  perfMap?: PerfMap | null;
  /** Which modules get file:line: 'own' (default: see above) or 'all'. */
  lines?: 'own' | 'all';
  /** Which tool gives file:line; 'auto' picks addr2line, then llvm-symbolizer. */
  lineTool?: LineTool | 'auto';
}

export interface AddressToSymbolize {
  address: number;
  mapping: Mapping | null;
}

/** Finds a line tool on PATH once per process. */
let toolCache: Map<string, boolean> | null = null;
function hasTool(name: string): boolean {
  toolCache ??= new Map();
  let ok = toolCache.get(name);
  if (ok === undefined) {
    // Looked up on PATH rather than run: a `--version` call per tool costs ~10 ms each time.
    ok = (process.env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, name)));
    toolCache.set(name, ok);
  }
  return ok;
}

export function pickLineTool(wanted: LineTool | 'auto' = 'auto'): LineTool {
  const env = process.env.LEAKTRACE_SYMBOLIZER as LineTool | undefined;
  const choice = wanted === 'auto' && env ? env : wanted;
  if (choice === 'none') return 'none';
  if (choice === 'addr2line' || choice === 'llvm-symbolizer') return hasTool(choice) ? choice : 'none';
  if (hasTool('addr2line')) return 'addr2line';
  if (hasTool('llvm-symbolizer')) return 'llvm-symbolizer';
  return 'none';
}

interface LineInfo {
  functionName: string;
  file: string;
  line: number;
  column: number;
}

const elfInfos = new Map<string, ElfInfo | null>();
const elfSymbols = new Map<string, ElfSymbols>();

function elfInfoOf(path: string): ElfInfo | null {
  if (!elfInfos.has(path)) elfInfos.set(path, path.startsWith('/') && existsSync(path) ? readElfInfo(path) : null);
  return elfInfos.get(path) ?? null;
}

function symbolsOf(path: string): ElfSymbols {
  let s = elfSymbols.get(path);
  if (!s) {
    s = ElfSymbols.load(path);
    elfSymbols.set(path, s);
  }
  return s;
}

/** Symbolizes addresses; returns frames (innermost inlined first) for each address. */
export function symbolizeAddresses(items: readonly AddressToSymbolize[], options: SymbolizeOptions = {}): Map<number, NativeFrame[]> {
  const out = new Map<number, NativeFrame[]>();
  const tool = pickLineTool(options.lineTool ?? 'auto');
  const byModule = new Map<string, { address: number; vaddr: number }[]>();
  const elfNames: { address: number; module: string; name: string }[] = [];

  for (const { address, mapping } of items) {
    if (out.has(address)) continue;
    if (!mapping) {
      out.set(address, [jitFrame(address, options.perfMap ?? null)]);
      continue;
    }
    const info = elfInfoOf(mapping.path);
    const fileOffset = address - 1 - mapping.start + mapping.fileOffset;
    const vaddr = info ? fileOffsetToVaddr(info, fileOffset) : null;
    const sym = vaddr !== null ? symbolsOf(mapping.path).lookup(vaddr) : null;
    const name = sym ? sym.name : `${basename(mapping.path)}+0x${fileOffset.toString(16)}`;
    out.set(address, [
      { functionName: name, file: mapping.path, line: 0, column: 0, address, module: mapping.path, origin: 'native', inlined: false },
    ]);
    if (sym && sym.name.startsWith('_Z')) elfNames.push({ address, module: mapping.path, name: sym.name });
    if (vaddr !== null && (options.lines === 'all' || wantsLines(mapping.path))) {
      let list = byModule.get(mapping.path);
      if (!list) byModule.set(mapping.path, (list = []));
      list.push({ address, vaddr });
    }
  }

  // C++ names from the symbol table, demangled in one batch (the line tool redoes this where it can).
  if (elfNames.length > 0 && hasTool('c++filt')) {
    const r = spawnSync('c++filt', [], { input: elfNames.map((e) => e.name).join('\n'), encoding: 'utf8', maxBuffer: 1 << 28 });
    const lines = r.status === 0 ? r.stdout.split('\n') : [];
    elfNames.forEach((e, i) => {
      const frames = out.get(e.address);
      if (frames && lines[i]) frames[0].functionName = lines[i];
    });
  }

  if (tool !== 'none') {
    for (const [module, list] of byModule) {
      const lines = runLineTool(
        tool,
        module,
        list.map((x) => x.vaddr - 1),
      );
      if (!lines) continue;
      list.forEach((x, i) => {
        const chain = lines[i];
        if (!chain || chain.length === 0) return;
        const fallback = out.get(x.address)![0];
        const frames = chain.map((l, k): NativeFrame => {
          const known = l.functionName !== '' && l.functionName !== '??';
          return {
            functionName: known ? l.functionName : fallback.functionName,
            file: l.file || module,
            line: l.line,
            column: l.column,
            address: x.address,
            module,
            origin: 'native',
            inlined: k < chain.length - 1,
          };
        });
        out.set(x.address, frames);
      });
    }
  }
  return out;
}

function wantsLines(path: string): boolean {
  return isCRuntimeModule(path) || (!isSystemLibrary(path) && !isRuntimeExecutable(path));
}

function jitFrame(address: number, perfMap: PerfMap | null): NativeFrame {
  const sym = perfMap?.lookup(address);
  if (sym) {
    const js = sym.kind === 'JS' || sym.kind === 'LazyCompile' || sym.kind === 'Function' || sym.kind === 'Eval' || sym.kind === 'Script';
    return {
      functionName: js ? sym.name || '(anonymous)' : `${sym.kind ? `${sym.kind}:` : ''}${sym.name}`,
      file: sym.file,
      line: sym.line,
      column: sym.column,
      address,
      module: '',
      origin: js ? 'js' : 'jit',
      inlined: false,
    };
  }
  return {
    functionName: `0x${address.toString(16)}`,
    file: '',
    line: 0,
    column: 0,
    address,
    module: '',
    origin: 'unknown',
    inlined: false,
  };
}

/** One batch call of the line tool for one module; null when the tool failed. */
function runLineTool(tool: LineTool, module: string, vaddrs: number[]): LineInfo[][] | null {
  const input = vaddrs.map((v) => `0x${v.toString(16)}`).join('\n') + '\n';
  if (tool === 'llvm-symbolizer') {
    const r = spawnSync('llvm-symbolizer', [`--obj=${module}`, '--output-style=JSON', '--inlining', '--demangle'], {
      input,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      timeout: 300_000,
    });
    if (r.status !== 0) return null;
    const out: LineInfo[][] = [];
    for (const line of r.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const j = JSON.parse(line) as { Symbol?: { FunctionName: string; FileName: string; Line: number; Column: number }[] };
        out.push((j.Symbol ?? []).map((s) => ({ functionName: s.FunctionName, file: s.FileName, line: s.Line, column: s.Column })));
      } catch {
        out.push([]);
      }
    }
    return out.length === vaddrs.length ? out : null;
  }
  const r = spawnSync('addr2line', ['-e', module, '-a', '-f', '-C', '-i'], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: 300_000,
  });
  if (r.status !== 0) return null;
  const out: LineInfo[][] = [];
  const lines = r.stdout.split('\n');
  let current: LineInfo[] | null = null;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (/^0x[0-9a-f]+$/.test(l)) {
      current = [];
      out.push(current);
      continue;
    }
    if (!current || l === '') continue;
    const where = lines[++i] ?? '';
    const m = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/.exec(where);
    const file = m && m[1] !== '??' ? m[1] : '';
    const line = m && m[2] !== '?' ? Number(m[2]) : 0;
    current.push({ functionName: l, file, line, column: 0 });
  }
  return out.length === vaddrs.length ? out : null;
}
