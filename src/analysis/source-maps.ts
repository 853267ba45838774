import { readFileSync, statSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Frame } from '../model/frame.js';
import { isTypeScriptFile, scriptPath } from './attribution.js';
import type { KeptIn, Leak } from './leak-report.js';

/**
 * Source maps: the positions of compiled code (TypeScript built with tsc, a bundle) back in the
 * source the user edits.
 *
 * V8 records positions in the code it runs. A TypeScript service started as
 * `node dist/server.js` has its leak's line at dist/server.js:57, while the user changes
 * src/server.ts:42. Where the script on disk ends with a `//# sourceMappingURL=` comment (a
 * file beside it, or the map inline as a data: URL), each frame of a report is moved to the
 * original position and keeps the compiled one under `generated`; the evidence says which
 * maps were used. Only a mapping on the frame's own generated line is taken: a position the
 * map says nothing about (a helper the compiler emitted) stays where V8 put it, as does
 * everything when a map is missing, unreadable or malformed (said in the evidence, never an
 * error: the report stands without it).
 *
 * Node's own `SourceMap` class (node:module) parses the maps: no dependency, and the same
 * decoder Node uses for `--enable-source-maps`.
 */

/** A frame moved to its original source; `generated` is where V8 saw it. */
export interface MappedFrame extends Frame {
  generated: { file: string; line: number; column: number };
}

interface LoadedMap {
  map: SourceMap;
  /** Where the map was read from (a path, or 'inline'), for the evidence. */
  from: string;
  /** The directory relative sources resolve against (the map file's, or the script's for an inline map). */
  base: string;
}

/** A script or map larger than this is not read for its map (a bundle's inline map can be large; this is generous). */
const MAX_READ_BYTES = 64 * 1024 * 1024;
const MAPPING_URL = /\/\/[#@]\s*sourceMappingURL=(\S+)\s*$/;

export interface SourceMapsOptions {
  /**
   * The source map URLs V8 saw at the end of each script the program loaded, by script
   * (loaded-scripts.ts): code a loader compiled in memory (tsx) has its map there, not
   * on disk. Null: the program could not be asked (it had ended).
   */
  loaded?: ReadonlyMap<string, string> | null;
}

export class SourceMaps {
  private readonly loaded = new Map<string, LoadedMap | { problem: string } | null>();

  constructor(private readonly options: SourceMapsOptions = {}) {}

  /** The original position of a 1-based position in `file` (a path or file: URL), or null. */
  original(file: string, line: number, column: number): { file: string; line: number; column: number } | null {
    if (line <= 0) return null;
    const m = this.load(file);
    if (!m || 'problem' in m) return null;
    let entry: ReturnType<SourceMap['findEntry']>;
    try {
      entry = m.map.findEntry(line - 1, Math.max(0, column - 1));
    } catch {
      return null;
    }
    if (!('originalSource' in entry) || typeof entry.originalSource !== 'string' || entry.generatedLine !== line - 1) return null;
    return { file: sourcePath(entry.originalSource, m.base), line: entry.originalLine + 1, column: entry.originalColumn + 1 };
  }

  /** The frame at its original position, or the frame itself when its script has no usable map. */
  frame<F extends Frame>(f: F): F | (F & MappedFrame) {
    if ('generated' in f) return f;
    const o = this.original(f.file, f.line, f.column);
    if (!o) return f;
    const mapped: F & MappedFrame = { ...f, ...o, generated: { file: f.file, line: f.line, column: f.column } };
    // A call line's function start (call-lines.ts), in the same source when the map says so.
    const start = (f as { functionStart?: { line: number; column: number } }).functionStart;
    if (start) {
      const s = this.original(f.file, start.line, start.column);
      const m = mapped as { functionStart?: { line: number; column: number } };
      if (s && s.file === o.file) m.functionStart = { line: s.line, column: s.column };
      else delete m.functionStart;
    }
    return mapped;
  }

  /** Maps read (generated script → where its map came from) and maps that could not be used. */
  describeUse(files: Iterable<string>): { used: string[]; problems: string[] } {
    const used: string[] = [];
    const problems: string[] = [];
    for (const file of new Set(files)) {
      const m = this.loaded.get(file);
      if (!m) continue;
      if ('problem' in m) problems.push(`${shortPath(file)}: ${m.problem}`);
      else used.push(m.from === 'inline' ? `${shortPath(file)}'s inline map` : shortPath(m.from));
    }
    return { used, problems };
  }

  private load(file: string): LoadedMap | { problem: string } | null {
    if (this.loaded.has(file)) return this.loaded.get(file)!;
    const m = readMap(file, this.options.loaded);
    this.loaded.set(file, m);
    return m;
  }
}

function readMap(file: string, loaded: ReadonlyMap<string, string> | null | undefined): LoadedMap | { problem: string } | null {
  const path = scriptFile(file);
  if (!path) return null;
  let url = loaded?.get(file);
  if (url === undefined) {
    // TypeScript that ran without a map V8 knows of: stripped of its types by Node (same
    // positions) when the program was asked; compiled in memory, perhaps, when it could not be.
    if (isTypeScriptFile(path) && loaded === null)
      return {
        problem:
          "a loader may have compiled it in memory (tsx, ts-node), and the program had ended before its source map could be asked for: its positions may be the compiled code's",
      };
    const script = readSmall(path);
    if (script === null) return null;
    // The comment is on the script's last non-empty line (tsc, esbuild, webpack, rollup all put it there).
    const tail = script.slice(script.lastIndexOf('\n', script.trimEnd().length - 1) + 1);
    url = MAPPING_URL.exec(tail)?.[1];
  }
  if (!url) return null;
  let text: string;
  let from: string;
  let base: string;
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    if (comma < 0) return { problem: 'its inline source map is not a data: URL' };
    const meta = url.slice(5, comma);
    const data = url.slice(comma + 1);
    text = meta.endsWith(';base64') ? Buffer.from(data, 'base64').toString('utf8') : decodeURIComponent(data);
    from = 'inline';
    base = dirname(path);
  } else {
    if (/^[a-z][a-z0-9+.-]*:/i.test(url) && !url.startsWith('file:')) return { problem: `its source map is not on disk (${url})` };
    let mapPath: string;
    try {
      mapPath = url.startsWith('file:') ? fileURLToPath(url) : resolve(dirname(path), decodeURIComponent(url));
    } catch {
      return { problem: `its source map URL ${url} is not a file` };
    }
    const read = readSmall(mapPath);
    if (read === null) return { problem: `its source map ${shortPath(mapPath)} could not be read` };
    text = read;
    from = mapPath;
    base = dirname(mapPath);
  }
  try {
    const payload = JSON.parse(text) as SourceMapPayload;
    if (!payload || (!Array.isArray(payload.sources) && !('sections' in payload))) return { problem: 'its source map has no sources' };
    const root = typeof payload.sourceRoot === 'string' && payload.sourceRoot !== '' ? payload.sourceRoot : '';
    // Sources resolve against the sourceRoot, itself relative to the map.
    return { map: new SourceMap(payload), from, base: root && !/^[a-z][a-z0-9+.-]*:/i.test(root) ? resolve(base, root) : base };
  } catch (err) {
    return { problem: `its source map could not be parsed (${(err as Error).message.split('\n')[0]})` };
  }
}

/** A path on disk for a frame's file (an absolute path or a file: URL), else null. */
function scriptFile(file: string): string | null {
  const path = scriptPath(file);
  return isAbsolute(path) ? path : null;
}

/** An original source as a path on disk where it is one (relative to the map, or a file: URL); other URLs (webpack://) as given. */
function sourcePath(source: string, base: string): string {
  if (source.startsWith('file:')) return scriptPath(source);
  if (/^[a-z][a-z0-9+.-]*:/i.test(source)) return source;
  return resolve(base, source);
}

function readSmall(path: string): string | null {
  try {
    if (statSync(path).size > MAX_READ_BYTES) return null;
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function shortPath(path: string): string {
  const r = relative(process.cwd(), path);
  return r && !r.startsWith('..') ? r : path;
}

/**
 * Moves every frame of the leaks (site, user frame, stack, the variable that keeps them) to its
 * original source where a source map says where, and adds to each leak's evidence the maps
 * used. Call last, after anything that reads the compiled source (call lines, retainer paths).
 */
export function applySourceMaps(leaks: Leak[], maps = new SourceMaps()): void {
  for (const leak of leaks) {
    const keptIn = leak.keptIn ? mapKeptIn(leak.keptIn, maps) : undefined;
    const note = mapFrames(leak, maps);
    if (keptIn) leak.keptIn = keptIn;
    if (note) leak.evidence += `; ${note}`;
  }
}

/**
 * Moves a stack, its site and its user frame in place (a leak's, a handle group's); returns
 * what the evidence should say of it (the maps used, the maps that could not be), or null.
 */
export function mapFrames(
  of: { stack: Frame[]; site: Frame | null; userFrame: Frame | null; keptIn?: { file: string } },
  maps: SourceMaps,
): string | null {
  const files = [...of.stack.map((f) => f.file), of.site?.file, of.userFrame?.file, of.keptIn?.file].filter(
    (f): f is string => typeof f === 'string' && f !== '',
  );
  of.stack = of.stack.map((f) => maps.frame(f));
  if (of.site) of.site = maps.frame(of.site);
  if (of.userFrame) of.userFrame = maps.frame(of.userFrame);
  const { used, problems } = maps.describeUse(files);
  const notes: string[] = [];
  if (used.length > 0)
    notes.push(
      `positions: moved to the original source by source maps (${used.join(', ')}); each frame keeps its compiled position under "generated" (lines named earlier in this evidence are compiled ones)`,
    );
  if (problems.length > 0) notes.push(`positions: as compiled — ${problems.join('; ')}`);
  return notes.length > 0 ? notes.join('; ') : null;
}

function mapKeptIn(k: KeptIn, maps: SourceMaps): KeptIn {
  const at = (file: string, line: number | null, column: number | null) => {
    const o = line !== null ? maps.original(file, line, column ?? 1) : null;
    return o ? { file: o.file, line: o.line, column: o.column } : { file, line, column };
  };
  const mapped: KeptIn = { ...k, ...at(k.file, k.line, k.column) };
  if (k.chain) mapped.chain = { ...k.chain, ...at(k.chain.file, k.chain.line, k.chain.column) };
  return mapped;
}
