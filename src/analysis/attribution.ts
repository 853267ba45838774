import { fileURLToPath } from 'node:url';
import type { Frame } from '../model/frame.js';

/**
 * Attribution: which frame of a stack is the allocation site, which is the first line of the
 * user's own code, and which package is responsible. Pure functions over paths; the only
 * evidence is the stack itself, and callers present it with the result (a package name is a
 * fact about a path, never a guess about ownership).
 */

/** `node:` for Node's own code, a package name for code under node_modules, null for user code. */
export type PackageName = string | null;

export const NODE_INTERNALS = 'node:';

/** Turns `file:///a/b.js` into `/a/b.js`; leaves paths and other specifiers as they are. */
/** A TypeScript source by its name (.ts, .mts, .cts, .tsx): V8's positions may be a compiler's. */
export function isTypeScriptFile(file: string): boolean {
  return /\.[cm]?tsx?$/.test(file);
}

export function scriptPath(file: string): string {
  if (file.startsWith('file://')) {
    try {
      return fileURLToPath(file);
    } catch {
      return file;
    }
  }
  return file;
}

/** True for frames of Node or V8 themselves: `node:internal/...`, builtins, native code. */
export function isRuntimeFrame(frame: Frame): boolean {
  const f = frame.file;
  if (f === '') return true;
  if (f.startsWith('node:')) return true;
  // Node < 16 style internal paths and V8's pseudo-scripts.
  if (f.startsWith('internal/') || f === 'native' || f.startsWith('evalmachine.')) return true;
  return false;
}

/** The function every expression leaktrace evaluates in a target runs in (inspector/remote-session.ts). */
export const TOOLING_EVALUATE_NAME = 'leaktraceEvaluate';

/** The package name the reports give leaktrace's own scripts in a target (isLeaktraceScript). */
export const LEAKTRACE_PACKAGE = 'leaktrace';

/**
 * True for leaktrace's own scripts that run inside a target (the handle agent, `run`'s
 * preload): what they allocate is leaktrace's, not the program's. Recognised by the tail of
 * the path, so that a capture read with another leaktrace install (another path) still knows
 * them; run from a checkout they are outside node_modules and would pass for the user's code.
 */
export function isLeaktraceScript(file: string): boolean {
  return /[/\\]dist[/\\]src[/\\]capture[/\\](?:agent[/\\]agent|live[/\\]preload)\.cjs$/.test(scriptPath(file));
}

/**
 * The package a script belongs to, from its path alone:
 * - `node:` for Node internals (and frames without a script);
 * - the last `node_modules/<name>` (or `node_modules/@scope/<name>`) segment of the path,
 *   which also covers pnpm (`node_modules/.pnpm/x@1/node_modules/x/`) and Yarn's layouts;
 * - null for everything else: the user's own code.
 */
export function packageFromPath(file: string): PackageName {
  if (file === '' || file.startsWith('node:') || file.startsWith('internal/')) return NODE_INTERNALS;
  const path = scriptPath(file).replace(/\\/g, '/');
  const marker = '/node_modules/';
  const at = path.lastIndexOf(marker);
  if (at < 0) return null;
  const rest = path.slice(at + marker.length).split('/');
  if (rest[0] === undefined || rest[0] === '' || rest[0].startsWith('.')) return null;
  if (rest[0].startsWith('@')) return rest[1] ? `${rest[0]}/${rest[1]}` : null;
  return rest[0];
}

export interface AttributionOptions {
  /**
   * Path prefixes whose frames are tooling, not the user's code (leaktrace's own agent,
   * a test runner): skipped when looking for the site and the user frame.
   */
  ignorePrefixes?: readonly string[];
  /** Overrides packageFromPath, e.g. to name workspace packages. */
  packageOf?: (file: string) => PackageName;
}

function ignored(frame: Frame, options: AttributionOptions | undefined): boolean {
  const prefixes = options?.ignorePrefixes;
  if (!prefixes || prefixes.length === 0) return false;
  const path = scriptPath(frame.file);
  return prefixes.some((p) => path.startsWith(p));
}

/** A script of the user's own code: not Node's, not under node_modules, not leaktrace's or other tooling's. */
export function isUserScript(file: string, options?: AttributionOptions): boolean {
  const frame = { functionName: '', file, line: 0, column: 0 };
  if (isRuntimeFrame(frame) || ignored(frame, options) || isLeaktraceScript(file)) return false;
  return (options?.packageOf ?? packageFromPath)(file) === null;
}

export interface Attribution {
  /** The first frame (innermost first) that is not runtime or tooling code; null if none. */
  site: Frame | null;
  /** The first frame in the user's own code (not runtime, not node_modules); null if none. */
  userFrame: Frame | null;
  /** The package of the site's script (see packageFromPath); `node:` when only runtime frames. */
  package: PackageName;
  /** Plain words saying how the three were found. */
  evidence: string;
  /** Made with no JavaScript on the stack at all (runtimeAttribution): "(EXTERNAL)", "(V8 API)". */
  noJavaScript?: boolean;
}

/** Attributes a stack given innermost frame first. */
export function attribute(frames: readonly Frame[], options?: AttributionOptions): Attribution {
  const packageOf = options?.packageOf ?? packageFromPath;
  let site: Frame | null = null;
  let userFrame: Frame | null = null;
  let skipped = 0;
  for (const frame of frames) {
    if (isRuntimeFrame(frame) || ignored(frame, options)) {
      if (site === null) skipped++;
      continue;
    }
    if (site === null) site = frame;
    if (packageOf(frame.file) === null) {
      userFrame = frame;
      break;
    }
  }
  const pkg = site ? packageOf(site.file) : NODE_INTERNALS;
  let evidence: string;
  if (frames.length === 0) evidence = 'no stack was recorded';
  else if (site === null) evidence = `all ${frames.length} frames are Node/V8 internals`;
  else {
    evidence = `site is frame ${skipped + 1} of ${frames.length}`;
    if (skipped > 0) evidence += ` (${skipped} runtime frame${skipped > 1 ? 's' : ''} skipped)`;
    evidence += pkg === null ? '; its script is outside node_modules' : `; its script path is inside node_modules/${pkg}`;
    if (userFrame === null) evidence += '; no frame of the stack is outside node_modules and Node';
  }
  return { site, userFrame, package: pkg, evidence };
}

/**
 * True when the tooling itself made the allocation: the innermost frame that is not Node's is
 * a tooling frame that Node called back (an async hook's `init`, the agent's timer), not one
 * the program called (a wrapper around `server.listen`, whose allocations below it are the
 * program's, or the `check` harness below the operation). The handle agent's records of the
 * program's timers and sockets are allocated in its `init`, on the program's stack: without
 * this they were counted as the program's objects, at its line (a cache-and-timer program
 * was reported at p 0.74 for the agent's records of its fired timeouts).
 */
export function allocatedByTooling(frames: readonly Frame[], options?: AttributionOptions): boolean {
  // Anything allocated while one of leaktrace's evaluates ran (inspector/remote-session.ts).
  if (frames.some((f) => f.functionName === TOOLING_EVALUATE_NAME && f.file === '')) return true;
  const first = frames.findIndex((f) => !isRuntimeFrame(f));
  if (first < 0 || !ignored(frames[first], options)) return false;
  // Past all of the tooling's frames (the agent's hook calls its own constructors: a record's
  // boxed numbers were charged to the program's function that opened the handle).
  let next = first + 1;
  while (next < frames.length && ignored(frames[next], options)) next++;
  const caller = frames[next];
  return caller === undefined || isRuntimeFrame(caller);
}

/**
 * For a stack with no JavaScript frame at all: objects Node's C++ makes on its own, called
 * straight from the event loop — a socket's received data, the HTTP parser's strings and
 * arrays — which V8 records as "(V8 API)". A program that keeps them leaks them, so they are
 * a site of their own, in `node:`, with no user frame; null for anything else.
 */
export function runtimeAttribution(frames: readonly Frame[]): Attribution | null {
  // Only stacks with no JavaScript at all. Stacks in Node's own JavaScript alone stay out:
  // tried, a bounded-cache server then showed a "leak" at node:_http_server's socketOnData
  // (0.64), growth of Node's own state that no program line explains.
  // (A frame with no script can be no tooling's either: no ignore-prefix check needed.)
  // A frame with a line but no file is a script that has no name — what leaktrace evaluates in
  // the target to measure (its `collect`, seen reported as a leak in `node:` on Node 24) —
  // so such a stack is not Node's own either.
  if (frames.length === 0 || frames.some((f) => f.file !== '' || f.line > 0)) return null;
  const site = frames[0];
  return {
    site,
    userFrame: null,
    package: NODE_INTERNALS,
    noJavaScript: true,
    evidence: `made by native code with no JavaScript on the stack (V8 records "${site.functionName}"): objects Node's or V8's C++ made on its own — most often data received or parsed for the program (a socket's or stream's chunks, HTTP header strings), but the stack does not say which — and something keeps them, which no allocation stack names (the holders below may)`,
  };
}
