import { basename } from 'node:path';
import { NO_STACK } from '../../model/native/event-log.js';
import type { NativeAnalysis } from './native-analysis.js';
import type { NativeFrame } from './symbolize.js';

/**
 * Grouping native stacks by allocation site (the attributed site frame: function, file, line
 * and module) and the plain JSON shape of frames every view prints.
 */
export interface FrameJson {
  functionName: string;
  file: string;
  line: number;
  column: number;
  /** The module's path; '' for JIT code. */
  module: string;
  /** The runtime return address, hex. */
  address: string;
  origin: NativeFrame['origin'];
  inlined: boolean;
}

export function frameJson(f: NativeFrame): FrameJson {
  return {
    functionName: f.functionName,
    file: f.file,
    line: f.line,
    column: f.column,
    module: f.module,
    address: `0x${f.address.toString(16)}`,
    origin: f.origin,
    inlined: f.inlined,
  };
}

/** `leak_fn (plugin.c:12) [libplugin.so]`: a frame in one line. */
export function formatNativeFrame(f: NativeFrame | FrameJson | null): string {
  if (!f) return '(no frame)';
  const name = f.functionName || '(anonymous)';
  const where = f.line > 0 ? ` (${f.file}:${f.line}${f.column > 0 ? `:${f.column}` : ''})` : '';
  const mod = f.module ? ` [${basename(f.module)}]` : f.origin === 'js' ? ' [JavaScript]' : '';
  return `${name}${where}${mod}`;
}

export interface SiteInfo {
  key: string;
  label: string;
  module: string;
  site: NativeFrame | null;
}

/** Site of each tracker stack, cached per analysis. */
const siteCache = new WeakMap<NativeAnalysis, Map<number, SiteInfo>>();

export function siteOf(a: NativeAnalysis, stack: number): SiteInfo {
  let m = siteCache.get(a);
  if (!m) siteCache.set(a, (m = new Map()));
  let s = m.get(stack);
  if (!s) {
    if (stack === NO_STACK) s = { key: '(no stack)', label: '(stack not recorded)', module: '(unknown)', site: null };
    else {
      const at = a.attribution(stack);
      const f = at.site;
      const key = f ? `${f.functionName}\u0000${f.file}\u0000${f.line}\u0000${f.module}` : `(runtime)\u0000${at.module}`;
      s = { key, label: f ? formatNativeFrame(f) : `(inside ${at.module})`, module: at.module, site: f };
    }
    m.set(stack, s);
  }
  return s;
}
