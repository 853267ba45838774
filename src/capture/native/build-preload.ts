import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureError } from '../../errors.js';

/**
 * The native tracker is a shared library built from the C sources in `native/` with the
 * system's C compiler, the first time it is needed (and again whenever the sources change):
 * nothing prebuilt is downloaded. The result is cached by a hash of the sources, the flags
 * and the compiler's version, in `native/build/` when the package folder is writable, else
 * in ~/.cache/leaktrace. LEAKTRACE_NATIVE_LIB points at a library built some other way.
 */
export const NATIVE_SOURCE_DIR = fileURLToPath(new URL('../../../../native/', import.meta.url));

const SOURCES = ['init.c', 'alloc.c', 'fds.c', 'unwind.c', 'stacks.c', 'log.c'];
const HEADERS = ['lt.h'];
// Frame pointers in our own code let the unwinder step out of the library without CFI;
// hidden visibility keeps everything but the interposed symbols out of the target's way.
export const CFLAGS = [
  '-O2',
  '-g',
  '-shared',
  '-fPIC',
  '-fno-omit-frame-pointer',
  '-mno-omit-leaf-frame-pointer',
  '-fvisibility=hidden',
  '-Wall',
];
const LIBS = ['-ldl', '-lpthread'];

function compiler(): string {
  return process.env.CC || 'cc';
}

function onPath(name: string): string | null {
  if (name.includes('/')) return existsSync(name) ? name : null;
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (d && existsSync(join(d, name))) return join(d, name);
  }
  return null;
}

function buildDir(): string {
  const local = join(NATIVE_SOURCE_DIR, 'build');
  try {
    mkdirSync(local, { recursive: true });
    accessSync(local, constants.W_OK);
    return local;
  } catch {
    const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'leaktrace');
    mkdirSync(cache, { recursive: true });
    return cache;
  }
}

/** Returns the path of the tracker library, building it if needed. */
export function ensurePreloadLibrary(): string {
  const given = process.env.LEAKTRACE_NATIVE_LIB;
  if (given) {
    if (!existsSync(given)) throw new CaptureError(`LEAKTRACE_NATIVE_LIB=${given}: no such file`);
    return given;
  }
  const cc = compiler();
  const ccPath = onPath(cc);
  if (!ccPath) {
    throw new CaptureError(
      `leaktrace native builds its tracker with a C compiler, and '${cc}' was not found: install one (Debian: apt-get install gcc)`,
    );
  }
  // The compiler's identity without running it (a run costs more than the rest of this check).
  const real = realpathSync(ccPath);
  const st = statSync(real);
  const hash = createHash('sha256');
  for (const f of [...SOURCES, ...HEADERS]) hash.update(f).update(readFileSync(join(NATIVE_SOURCE_DIR, f)));
  hash.update(CFLAGS.join(' ')).update(`${real} ${st.size} ${st.mtimeMs}`);
  const tag = hash.digest('hex').slice(0, 16);
  const dir = buildDir();
  const lib = join(dir, `libleaktrace-${tag}.so`);
  if (existsSync(lib)) return lib;
  // Build under a private name, then rename: concurrent builders never see half a library.
  const tmp = `${lib}.${process.pid}.tmp`;
  const r = spawnSync(cc, [...CFLAGS, '-o', tmp, ...SOURCES.map((s) => join(NATIVE_SOURCE_DIR, s)), ...LIBS], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    const why = (r.stderr || r.error?.message || '').trim().split('\n').slice(0, 3).join(' | ');
    throw new CaptureError(`could not build the native tracker with ${cc}: ${why}`);
  }
  renameSync(tmp, lib);
  // Older builds are of no further use.
  for (const f of readdirSync(dir)) {
    if (/^libleaktrace-[0-9a-f]{16}\.so$/.test(f) && join(dir, f) !== lib) rmSync(join(dir, f), { force: true });
  }
  return lib;
}
