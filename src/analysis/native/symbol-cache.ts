import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { FrameOrigin, NativeFrame } from './symbolize.js';

/**
 * Symbols resolved on the machine that captured, stored beside the log
 * (`p<pid>-<n>.symbols.json`), so the capture can be studied on another machine that has
 * none of the target's binaries. Modules are listed once and frames refer to them by index.
 */
interface SymbolFile {
  format: 'leaktrace-native-symbols';
  version: 1;
  modules: string[];
  /** [address (hex), [[function, file, line, column, module index, origin, inlined 0|1], ...]] */
  addresses: [string, [string, string, number, number, number, FrameOrigin, number][]][];
}

export function readSymbolCache(file: string): Map<number, NativeFrame[]> | null {
  if (!existsSync(file)) return null;
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as SymbolFile;
    if (j.format !== 'leaktrace-native-symbols' || j.version !== 1) return null;
    const out = new Map<number, NativeFrame[]>();
    for (const [hex, frames] of j.addresses) {
      const address = parseInt(hex, 16);
      out.set(
        address,
        frames.map(([functionName, file, line, column, mod, origin, inlined]) => ({
          functionName,
          file,
          line,
          column,
          address,
          module: j.modules[mod] ?? '',
          origin,
          inlined: inlined === 1,
        })),
      );
    }
    return out;
  } catch {
    return null;
  }
}

export function writeSymbolCache(file: string, symbols: Map<number, NativeFrame[]>): void {
  const modules: string[] = [];
  const moduleIndex = new Map<string, number>();
  const idx = (m: string): number => {
    let i = moduleIndex.get(m);
    if (i === undefined) {
      i = modules.length;
      modules.push(m);
      moduleIndex.set(m, i);
    }
    return i;
  };
  const addresses: SymbolFile['addresses'] = [];
  for (const [address, frames] of symbols) {
    addresses.push([
      address.toString(16),
      frames.map((f) => [f.functionName, f.file, f.line, f.column, idx(f.module), f.origin, f.inlined ? 1 : 0]),
    ]);
  }
  const doc: SymbolFile = { format: 'leaktrace-native-symbols', version: 1, modules, addresses };
  writeFileSync(`${file}.tmp`, JSON.stringify(doc));
  renameSync(`${file}.tmp`, file);
}
