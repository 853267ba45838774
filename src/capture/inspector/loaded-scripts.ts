import { isTypeScriptFile, scriptPath } from '../../analysis/attribution.js';
import { ScriptSources } from '../../analysis/call-lines.js';
import type { Leak } from '../../analysis/leak-report.js';
import { SourceMaps } from '../../analysis/source-maps.js';
import type { InspectorSession } from './session.js';
import { valueWithin } from '../../timeouts.js';

/** What V8 knows of the scripts a report names that came with a source map (or as TypeScript). */
export interface LoadedScripts {
  /** Script name (as frames give it: a path or a file: URL) → its source map URL as V8 read it. */
  sourceMapUrls: Map<string, string>;
  /** Script name → the code V8 ran, for those whose file on disk is not it (compiled in memory). */
  ran: Map<string, string>;
}

/**
 * Source maps and compiled code of scripts as the program loaded them, asked of V8's debugger.
 *
 * A loader that compiles TypeScript in memory (tsx, ts-node) runs code that is not on disk: V8
 * names it by the .ts file, but its positions are the compiled code's (tsx's is minified onto
 * a line or two: a leak at orders.ts:2:927). The compiled code ends with its source map as a
 * data: URL, which V8 read when it parsed the script and reports in `Debugger.scriptParsed` —
 * sent for every script already loaded when the Debugger domain is enabled, before the reply.
 * The code itself (`Debugger.getScriptSource`) lets call lines and declarations be found in
 * it (call-lines.ts) before the source map moves them to the .ts file (source-maps.ts). The
 * domain is on for that moment only, told at once to skip every pause (a `debugger;`
 * statement running meanwhile must not stop the program), then off again.
 *
 * Only scripts named in `files` with a source map, or named as TypeScript, are asked for; null
 * when the debugger could not be asked (an error, or no answer in `timeoutMs`).
 */
export async function loadedScripts(
  session: InspectorSession,
  files: ReadonlySet<string>,
  timeoutMs = 10_000,
): Promise<LoadedScripts | null> {
  const found = new Map<string, { scriptId: string; sourceMapURL: string }>();
  const onScript = (params: unknown): void => {
    const { url, sourceMapURL, scriptId } = params as { url?: string; sourceMapURL?: string; scriptId?: string };
    if (!url || !scriptId || (!sourceMapURL && !isTypeScriptFile(url))) return;
    // Frames name a script by path or by file: URL; V8's debugger by URL (tsx's CommonJS too).
    const name = files.has(url) ? url : scriptPath(url);
    if (files.has(name)) found.set(name, { scriptId, sourceMapURL: sourceMapURL ?? '' });
  };
  session.on('Debugger.scriptParsed', onScript);
  try {
    const asked = (async (): Promise<LoadedScripts> => {
      await session.post('Debugger.enable', {});
      await session.post('Debugger.setSkipAllPauses', { skip: true });
      const result: LoadedScripts = { sourceMapUrls: new Map(), ran: new Map() };
      for (const [name, { scriptId, sourceMapURL }] of found) {
        if (sourceMapURL) result.sourceMapUrls.set(name, sourceMapURL);
        // Code that says where its map is inline was most likely compiled in memory, and a
        // .ts file that ran without a map had its types stripped by Node (≥ 22.6: blanked
        // out, the positions kept), which acorn reads where it cannot read the file. Code on
        // disk with a map file (tsc's) is what ran, and is read from disk like any other.
        if (!sourceMapURL.startsWith('data:') && !isTypeScriptFile(name)) continue;
        const { scriptSource } = await session.post<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId });
        result.ran.set(name, scriptSource);
      }
      return result;
    })();
    return await valueWithin(asked, timeoutMs);
  } catch {
    return null;
  } finally {
    session.off('Debugger.scriptParsed', onScript);
    await valueWithin(
      session.post('Debugger.disable').catch(() => undefined),
      timeoutMs,
    );
  }
}

/**
 * How a report's scripts are read — for call lines and declarations (ScriptSources) and for
 * source maps (SourceMaps) — with what V8 has of the scripts on the leaks' stacks, asked of
 * `session` (run, attach, check; null: the program can no longer be asked).
 */
export async function scriptsOfLeaks(
  session: InspectorSession | null,
  leaks: readonly Leak[],
): Promise<{ sources: ScriptSources; maps: SourceMaps }> {
  const files = new Set(leaks.flatMap((l) => l.stack.map((f) => f.file)).filter((f) => f.startsWith('/') || f.startsWith('file:')));
  const loaded = session && files.size > 0 ? await loadedScripts(session, files) : null;
  return { sources: new ScriptSources(loaded?.ran), maps: new SourceMaps({ loaded: loaded?.sourceMapUrls ?? null }) };
}
