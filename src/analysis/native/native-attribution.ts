import { basename } from 'node:path';
import { isRuntimeFrame, type PackageName, packageFromPath } from '../attribution.js';
import type { NativeFrame } from './symbolize.js';

/**
 * Attribution of a native stack, beside the JavaScript one in ../attribution.ts: which frame
 * is the allocation site, which module (.so, executable, .node addon) it belongs to, and
 * which frame is the first in the program's own code. Decided from module paths alone, and
 * said in words.
 *
 * - The C runtime and allocators (libc, the dynamic loader, libstdc++'s operator new,
 *   libgcc, jemalloc/tcmalloc) are skipped to find the site: `strdup` is not to blame for
 *   the string its caller never freed.
 * - The program's own code is any module outside the system library folders that is not a
 *   language runtime (node, python, ...), and JavaScript outside node_modules and Node.
 */
const C_RUNTIME =
  /^(libc|libm|libdl|libpthread|librt|libresolv|libstdc\+\+|libgcc_s|libc\+\+|libc\+\+abi|libjemalloc|libtcmalloc(_minimal)?|libmimalloc|libleaktrace[^/]*|ld-linux[^/]*|ld)([.-].*)?\.so(\.[\d.]+)?$/;
const SYSTEM_DIRS = ['/lib/', '/lib64/', '/lib32/', '/usr/lib/', '/usr/lib64/', '/usr/lib32/', '/usr/libexec/'];
const RUNTIME_EXECUTABLES = /^(node|nodejs|deno|bun|python[\d.]*|ruby[\d.]*|perl[\d.]*|java|php[\d.]*|bash|sh|dash|zsh)$/;

export function isCRuntimeModule(path: string): boolean {
  return path === '[vdso]' || C_RUNTIME.test(basename(path));
}

export function isSystemLibrary(path: string): boolean {
  return SYSTEM_DIRS.some((d) => path.startsWith(d));
}

/** A language runtime's executable: its own allocations are the runtime's, not the program's. */
export function isRuntimeExecutable(path: string): boolean {
  return RUNTIME_EXECUTABLES.test(basename(path));
}

/** The module a frame belongs to, as people name it: `libplugin.so`, `addon.node`, `(JIT code)`. */
export function moduleName(frame: NativeFrame): string {
  if (frame.module) return basename(frame.module);
  if (frame.origin === 'js') return '(JavaScript)';
  if (frame.origin === 'jit') return '(JIT code)';
  return '(unknown)';
}

export function isOwnCode(frame: NativeFrame): boolean {
  if (frame.origin === 'js') return !isRuntimeFrame(frame) && packageFromPath(frame.file) === null;
  if (frame.origin !== 'native') return false;
  const m = frame.module;
  return !isCRuntimeModule(m) && !isSystemLibrary(m) && !isRuntimeExecutable(m) && !m.startsWith('[');
}

export interface NativeAttribution {
  /** The first frame outside the C runtime and allocators; null when there is none. */
  site: NativeFrame | null;
  /** Its module's name (see moduleName); `(C runtime)` when every frame is the runtime's. */
  module: string;
  /** The first frame in the program's own code; null when none is. */
  userFrame: NativeFrame | null;
  /** The npm package, when the site's module or script lies under node_modules; null otherwise. */
  package: PackageName;
  evidence: string;
}

/** Attributes a symbolized native stack given innermost frame first. */
export function attributeNative(frames: readonly NativeFrame[]): NativeAttribution {
  let site: NativeFrame | null = null;
  let siteIndex = -1;
  let userFrame: NativeFrame | null = null;
  let userIndex = -1;
  const skipped = new Set<string>();
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    if (site === null) {
      if (f.origin === 'native' && isCRuntimeModule(f.module)) {
        skipped.add(basename(f.module));
        continue;
      }
      site = f;
      siteIndex = i;
    }
    if (isOwnCode(f)) {
      userFrame = f;
      userIndex = i;
      break;
    }
  }
  const module = site ? moduleName(site) : '(C runtime)';
  const pkgPath = site ? site.module || site.file : '';
  const pkg = pkgPath ? packageFromPath(pkgPath) : null;
  let evidence: string;
  if (frames.length === 0) evidence = 'no stack was recorded';
  else if (site === null) evidence = `all ${frames.length} frames are in the C runtime (${[...skipped].join(', ')})`;
  else {
    evidence = `site is frame ${siteIndex + 1} of ${frames.length}`;
    if (siteIndex > 0) evidence += ` (${siteIndex} frame${siteIndex > 1 ? 's' : ''} of ${[...skipped].join(', ')} skipped)`;
    evidence += site.module
      ? `; its code is in ${site.module}`
      : site.origin === 'js'
        ? '; it is JavaScript (named from the perf map)'
        : '; its code is in no file';
    if (userFrame === null) evidence += '; no frame is in the program’s own code (all in system libraries or the runtime)';
    else if (userIndex !== siteIndex) evidence += `; the first frame in the program’s own code is frame ${userIndex + 1}`;
    if (pkg) evidence += `; the path lies in node_modules/${pkg}`;
  }
  return { site, module, userFrame, package: pkg, evidence };
}
