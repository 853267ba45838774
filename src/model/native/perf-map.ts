import { readFileSync } from 'node:fs';

/**
 * A perf map (`/tmp/perf-<pid>.map`): what a JIT writes so profilers can name its code.
 * Node writes one when started with --perf-basic-prof (add --interpreted-frames-native-stack
 * so that interpreted functions get code of their own, instead of all sharing the
 * interpreter's entry trampoline). Lines are `START SIZE NAME`, hex; V8 names look like
 * `JS:*leakOnce /srv/app.js:12:3` (tier marks: ~ interpreted, ^ baseline, + maglev,
 * * optimized) or `Builtin:ArrayPrototypePush`.
 *
 * Code is moved and freed, so ranges overlap over time; for an address the entry written
 * last wins, as perf does.
 */
export interface PerfSymbol {
  /** `JS`, `Builtin`, `Eval`, `RegExp`, ... */
  kind: string;
  name: string;
  /** Script path or URL for JavaScript; '' otherwise. */
  file: string;
  line: number;
  column: number;
}

export class PerfMap {
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private readonly order: Uint32Array; // line number of each sorted entry
  private readonly names: string[];

  private constructor(entries: { start: number; end: number; line: number; name: string }[]) {
    entries.sort((a, b) => a.start - b.start || a.line - b.line);
    this.starts = Float64Array.from(entries, (e) => e.start);
    this.ends = Float64Array.from(entries, (e) => e.end);
    this.order = Uint32Array.from(entries, (e) => e.line);
    this.names = entries.map((e) => e.name);
  }

  static parse(text: string): PerfMap {
    const entries: { start: number; end: number; line: number; name: string }[] = [];
    let line = 0;
    for (const l of text.split('\n')) {
      line++;
      const m = /^([0-9a-fA-F]+) ([0-9a-fA-F]+) (.*)$/.exec(l);
      if (!m) continue;
      const start = parseInt(m[1], 16);
      entries.push({ start, end: start + parseInt(m[2], 16), line, name: m[3] });
    }
    return new PerfMap(entries);
  }

  static load(file: string): PerfMap {
    return PerfMap.parse(readFileSync(file, 'utf8'));
  }

  get size(): number {
    return this.names.length;
  }

  /** The raw name of the code at `address`, or null. */
  rawName(address: number): string | null {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid] <= address) lo = mid + 1;
      else hi = mid;
    }
    // Entries starting at or before `address`: the latest-written one that covers it.
    let best = -1;
    for (let i = lo - 1, seen = 0; i >= 0 && seen < 256; i--, seen++) {
      if (this.ends[i] > address && (best < 0 || this.order[i] > this.order[best])) best = i;
    }
    return best < 0 ? null : this.names[best];
  }

  lookup(address: number): PerfSymbol | null {
    const raw = this.rawName(address);
    return raw === null ? null : parsePerfName(raw);
  }
}

/** `JS:*leakOnce /srv/app.js:12:3` → {kind JS, name leakOnce, file /srv/app.js, line 12, column 3}. */
export function parsePerfName(raw: string): PerfSymbol {
  const colon = raw.indexOf(':');
  const kind = colon > 0 && /^[A-Za-z]+$/.test(raw.slice(0, colon)) ? raw.slice(0, colon) : '';
  let rest = kind ? raw.slice(colon + 1) : raw;
  if (/^[~^*+]/.test(rest)) rest = rest.slice(1);
  // The location is the last word when it ends in :line:column (or :line).
  const m = /^(.*?)\s*(\S+?):(\d+)(?::(\d+))?$/.exec(rest);
  if (m && (m[2].includes('/') || m[2].includes('\\') || m[2].includes('.') || m[2].startsWith('node:'))) {
    return { kind, name: m[1], file: m[2], line: Number(m[3]), column: m[4] ? Number(m[4]) : 0 };
  }
  return { kind, name: rest.trim(), file: '', line: 0, column: 0 };
}
