import { madeOf } from '../../analysis/call-lines.js';
import { keptInPlace } from '../../analysis/leak-groups.js';
import { isLeaktraceScript, isRuntimeFrame, LEAKTRACE_PACKAGE, packageFromPath } from '../../analysis/attribution.js';
import type { Leak } from '../../analysis/leak-report.js';
import type { Frame } from '../../model/frame.js';
import { type FrameView, REPORT_LIMITS, type SuspectView } from './report-data.js';

/** A frame with its role: the user's own code (highlighted), a package, or Node/V8 internals (dimmed). */
export function frameView(frame: Frame): FrameView {
  if (isRuntimeFrame(frame)) return { ...frame, role: 'internal', pkg: null };
  if (isLeaktraceScript(frame.file)) return { ...frame, role: 'package', pkg: LEAKTRACE_PACKAGE };
  const pkg = packageFromPath(frame.file);
  return pkg === null ? { ...frame, role: 'user', pkg: null } : { ...frame, role: 'package', pkg };
}

/** A stack as frame views, cut to the report's limit; returns how many frames were cut. */
export function stackView(frames: readonly Frame[]): { stack: FrameView[]; omitted: number } {
  const max = REPORT_LIMITS.stackFrames;
  return { stack: frames.slice(0, max).map(frameView), omitted: Math.max(0, frames.length - max) };
}

/**
 * A Leak (check, run, attach: analysis/leak-report) as the report shows it. The evidence is
 * one string of `; `-separated clauses (score-sites.ts writes it so); each becomes a line.
 */
export function suspectView(leak: Leak, rank: number, xKind: 'time' | 'iteration'): SuspectView {
  const { stack, omitted } = stackView(leak.stack ?? []);
  const rate = leak.perIteration
    ? { unit: 'iteration' as const, ...leak.perIteration }
    : leak.perMinute
      ? { unit: 'minute' as const, ...leak.perMinute }
      : null;
  const paths = (leak.retainerPaths ?? []).slice(0, REPORT_LIMITS.retainerPaths).map(cutPath);
  const s = leak.series;
  const series =
    s && Array.isArray(s.x) && s.x.length > 0
      ? {
          x: s.x,
          bytes: s.bytes ?? [],
          count: s.count ?? [],
          // run/attach series are in ms since start; the chart shows seconds.
          xKind,
        }
      : null;
  return {
    rank,
    kind: leak.kind,
    resource: leak.resource ?? null,
    probability: leak.probability,
    site: leak.site ?? null,
    userFrame: leak.userFrame ?? null,
    package: leak.package ?? null,
    keptIn: leak.keptIn ? keptInPlace(leak.keptIn) : null,
    madeOf: leak.shape ? madeOf(leak.shape) : null,
    rate,
    evidence: splitEvidence(leak.evidence ?? ''),
    series,
    stack,
    stackOmitted: omitted,
    retainerPaths: paths,
  };
}

/** Splits the evidence on `; ` outside parentheses, so `(a; b)` stays one clause. */
export function splitEvidence(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ';' && depth === 0 && text[i + 1] === ' ') {
      out.push(text.slice(start, i).trim());
      start = i + 2;
    }
  }
  const last = text.slice(start).trim();
  if (last) out.push(last);
  return out.filter((s) => s.length > 0);
}

/** A very long retainer path keeps its root and its last steps, the part that names the holder. */
function cutPath(path: string[]): string[] {
  const max = REPORT_LIMITS.retainerPathSteps;
  if (path.length <= max) return path;
  return [path[0], `… ${path.length - max + 1} steps …`, ...path.slice(path.length - max + 2)];
}
