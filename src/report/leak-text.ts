import { type LeakGroup, groupByUserCode, keptInPlace, placeOf, placesShared } from '../analysis/leak-groups.js';
import { madeOf } from '../analysis/call-lines.js';
import type { Leak } from '../analysis/leak-report.js';
import { packageLabel } from '../analysis/snapshot/stat.js';
import { formatBytes, formatBytesDelta, formatDuration, formatPercent, sparkline } from '../cli/output/format.js';
import { type Frame, formatFrame } from '../model/frame.js';

/** The terminal view of leak suspects, shared by `check`, `run` and `attach`. */

export interface LeakTextInput {
  /** One line saying what was measured, e.g. "2,304 runs after 200 warm-up runs, 9 measurements". */
  headline: string;
  leaks: Leak[];
  /** Suspects that grew without convincing evidence. */
  belowThreshold?: Leak[];
  /** Memory after GC at each measurement, for the sparkline. */
  memory?: { label: string; values: number[] }[];
  /** Sentences about what could not be seen (tracking began late, capture cut short). */
  notes?: string[];
  /** Why nothing could be judged (a live capture too short), when so: not a clean verdict. */
  notJudged?: string;
  /** A live capture's judged stretch: a clean verdict says how long it was and what it could miss. */
  judged?: { fromMs: number; toMs: number; measurements: number; unseenBelowBytesPerSecond: number };
}

export function renderLeakReport(input: LeakTextInput, width = 120): string {
  const lines: string[] = [input.headline, ''];
  for (const m of input.memory ?? []) {
    if (m.values.length < 2) continue;
    const first = m.values[0];
    const last = m.values[m.values.length - 1];
    lines.push(
      `${m.label.padEnd(14)} ${sparkline(m.values)}  ${formatBytes(first)} → ${formatBytes(last)} (${formatBytesDelta(last - first)})`,
    );
  }
  if (input.memory?.length) lines.push('');
  if (input.leaks.length === 0 && input.notJudged) {
    // Too short to judge is not a clean bill of health.
    lines.push('Not judged: too few measurements after the warm-up (see the note below).');
  } else if (input.leaks.length === 0 && input.judged) {
    // A clean verdict is only as good as the stretch it rests on: 5 s judged reads otherwise
    // the same as 3 minutes (blind red-team: a 15 s run, exit 0, "No leak found").
    const j = input.judged;
    lines.push(
      `No leak found in the ${formatDuration(j.toMs - j.fromMs)} judged (${j.measurements} measurements after the warm-up): no allocation site or handle kept growing; a steady leak under ~${formatBytes(j.unseenBelowBytesPerSecond)}/s could go unseen in that time — a longer capture sees smaller ones.`,
    );
  } else if (input.leaks.length === 0) {
    lines.push('No leak found: no allocation site or handle kept growing across the measurements.');
  } else {
    lines.push(`${input.leaks.length} leak${input.leaks.length > 1 ? 's' : ''} found (most likely first)`);
    lines.push(...renderPlaces(input.leaks));
    input.leaks.forEach((leak, i) => lines.push('', ...renderLeak(leak, i + 1, width)));
  }
  const below = input.belowThreshold ?? [];
  if (below.length > 0) {
    lines.push('', `${below.length} site${below.length > 1 ? 's' : ''} grew without convincing evidence (not counted as leaks):`);
    for (const l of below.slice(0, 5)) {
      // Cleared by following its objects (turnover.ts): said, as its growth may have been steady.
      const turnover = l.evidence.includes('it frees what it gains')
        ? '  — its objects are freed and replaced (followed sample by sample)'
        : '';
      lines.push(`  ${formatPercent(l.probability).padStart(6)}  ${describeSite(l)}${turnover}`);
    }
  }
  for (const note of input.notes ?? []) lines.push('', `note: ${note}`);
  return lines.join('\n');
}

/**
 * Where the user's code leads into the leaks, when several leaks share a place in it (one
 * mistake, many sites): one row per place, with the leaks' numbers, summed growth and packages.
 */
export function renderPlaces(leaks: readonly Leak[]): string[] {
  const groups = groupByUserCode(leaks);
  const leakCount = leaks.length;
  if (!placesShared(groups)) return [];
  const numbers = (g: LeakGroup): string =>
    g.leaks.length === leakCount
      ? `all ${leakCount} leaks`
      : `${g.leaks.length} leak${g.leaks.length > 1 ? 's' : ''} (${leakNumbers(g.leaks)})`;
  const growth = (g: LeakGroup): string =>
    [g.bytes > 0 ? `${formatBytesDelta(g.bytes)}` : '', g.handles > 0 ? `+${g.handles.toFixed(g.handles < 10 ? 2 : 0)} handles` : '']
      .filter(Boolean)
      .join(', ') + ` per ${g.per}`;
  const packages = (g: LeakGroup): string => {
    const names = g.packages.map(packageLabel);
    return names.length > 4 ? `${names.slice(0, 4).join(', ')} (+${names.length - 4} more)` : names.join(', ');
  };
  const places = groups.filter((g) => g.userFrame || g.keptIn).length;
  const lines = ['', `reached from ${places} place${places === 1 ? '' : 's'} in your code:`];
  for (const g of groups) lines.push(`  ${placeOf(g)}`, `      ${numbers(g)}; ${growth(g)}; ${packages(g)}`);
  return lines;
}

/** Leak numbers (0-based indexes in) as `#1–#7 #9 #10`: runs of three or more as ranges. */
function leakNumbers(indexes: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indexes.length;) {
    let j = i;
    while (j + 1 < indexes.length && indexes[j + 1] === indexes[j] + 1) j++;
    if (j - i >= 2) parts.push(`#${indexes[i] + 1}–#${indexes[j] + 1}`);
    else for (let k = i; k <= j; k++) parts.push(`#${indexes[k] + 1}`);
    i = j + 1;
  }
  return parts.join(' ');
}

function renderLeak(leak: Leak, n: number, width: number): string[] {
  const rate = leak.perIteration ?? leak.perMinute;
  const per = leak.perIteration ? 'per iteration' : 'per minute';
  // Growth of the process that no sampled site explains (analysis/growth/unexplained-growth.ts).
  const unattributed = leak.kind === 'native' && leak.site === null && leak.stack.length === 0;
  const what =
    leak.kind === 'handle' ? `${leak.resource ?? 'handle'} leak` : unattributed ? 'unattributed memory leak' : `${leak.kind} leak`;
  const rateText = rate
    ? unattributed
      ? `${formatBytesDelta(rate.bytes)} of RSS ${per}`
      : leak.kind === 'handle'
        ? `+${rate.count.toFixed(rate.count < 10 ? 2 : 0)} open ${per}`
        : leak.kind === 'external' && rate.count === 0
          ? `${formatBytesDelta(rate.bytes)} of ArrayBuffer memory ${per}`
          : Math.abs(rate.count) < 0.005
            ? `${formatBytesDelta(rate.bytes)} ${per}, in no more objects (the same ones, resized)`
            : `${formatBytesDelta(rate.bytes)} and +${rate.count.toFixed(rate.count < 10 ? 2 : 0)} objects ${per}`
    : '';
  const out = [`#${n}  ${what}   probability ${formatPercent(leak.probability)}   ${rateText}`];
  const field = (name: string, value: string): void => {
    out.push(`    ${name.padEnd(10)} ${value}`);
  };
  if (unattributed) {
    field('site', "not known: memory outside the main thread's sampled heap (see the evidence)");
  } else {
    // A leak of ArrayBuffer memory judged from Node's count has a site only where the holders
    // snapshot named one (buffer-growth.ts).
    field(
      'site',
      leak.site ? formatFrame(leak.site) : leak.kind === 'external' ? 'not known (see the evidence)' : '(no frame outside Node internals)',
    );
    const noStack = leak.stack.length === 0 && leak.site === null;
    field(
      'your code',
      leak.userFrame
        ? formatFrame(leak.userFrame)
        : noStack
          ? `not known (no allocation stack${leak.keptIn ? '; kept in a variable of yours, below' : ''})`
          : `(no frame outside node_modules and Node on its stacks${leak.keptIn ? '; kept in a variable of yours, below' : ''})`,
    );
    field('package', noStack ? 'not known' : packageLabel(leak.package));
    // The variable of the user's code its first holders path runs through (kept-in.ts).
    if (leak.keptIn) field('kept in', keptInPlace(leak.keptIn));
  }
  // What the kept objects are, from the holders snapshot (sample-paths.ts, commonShape).
  if (leak.shape) field('made of', madeOf(leak.shape));
  if (leak.series) {
    const values = leak.kind === 'handle' ? leak.series.count : leak.series.bytes;
    field(
      'growth',
      `${sparkline(values)}  ${leak.kind === 'handle' ? values.map(String).join(' → ') : `${formatBytes(values[0])} → ${formatBytes(values[values.length - 1])}`}`,
    );
  }
  field('evidence', wrap(leak.evidence, width - 15).join(`\n${' '.repeat(15)}`));
  const stack = shortStack(leak.stack);
  stack.forEach((line, i) => field(i === 0 ? 'stack' : '', line));
  for (const [i, path] of (leak.retainerPaths ?? []).slice(0, 2).entries()) {
    // The last hops, and where a linked list was folded (formatPath), from four hops before
    // it: what owns the list is the part worth reading.
    const folded = path.findIndex((hop) => /^\(\d[\d,]* more /.test(hop));
    const from = Math.min(Math.max(0, path.length - 5), folded > 0 ? Math.max(0, folded - 5) : Infinity);
    const tail = from > 1 ? ['…', ...path.slice(from)] : path;
    field(i === 0 ? 'held by' : '', tail.join(' '));
  }
  return out;
}

function describeSite(leak: Leak): string {
  const where = leak.site ? formatFrame(leak.site) : '(internals)';
  return leak.kind === 'handle' ? `${leak.resource ?? 'handle'} opened at ${where}` : where;
}

/** The top of the stack, with runs of Node-internal and node_modules frames folded. */
function shortStack(frames: readonly Frame[], max = 8): string[] {
  const out: string[] = [];
  let folded = 0;
  for (const f of frames) {
    if (out.length >= max) break;
    if (f.file.startsWith('node:') || f.file === '') {
      folded++;
      continue;
    }
    if (folded > 0) {
      out.push(`  (${folded} Node internal frame${folded > 1 ? 's' : ''})`);
      folded = 0;
    }
    out.push(`at ${formatFrame(f)}`);
  }
  if (frames.length > 0 && out.length === 0) out.push(`(${frames.length} Node internal frame${frames.length === 1 ? '' : 's'})`);
  return out;
}

function wrap(text: string, width: number): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line.length + w.length + 1 > width && line.length > 0) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}
