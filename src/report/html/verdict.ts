import { type LeakGroup, placeOf, placesShared } from '../../analysis/leak-groups.js';
import { packageLabel } from '../../analysis/snapshot/stat.js';
import { formatBytes, formatPercent } from '../../cli/output/format.js';
import { formatFrame } from '../../model/frame.js';
import type { SuspectView, Verdict } from './report-data.js';

/**
 * The line at the top of the report: how many suspects, their total growth rate, and the most
 * likely one. `measured` says what the judgement rests on ("5,500 runs", "12 min of sampling").
 */
export function leakVerdict(
  suspects: readonly SuspectView[],
  measured: string,
  complete: boolean,
  byPlace: readonly LeakGroup[] = [],
): Verdict {
  if (suspects.length === 0) {
    return {
      level: complete ? 'clean' : 'unknown',
      text: complete
        ? `No leak found in ${measured}: no allocation site or handle kept growing.`
        : `No leak found in what was captured (${measured}), but the capture is incomplete: see “What is missing”.`,
    };
  }
  const top = suspects[0];
  const unit = top.rate?.unit ?? 'iteration';
  const sameUnit = suspects.filter((s) => s.rate && s.rate.unit === unit);
  const bytes = sameUnit.reduce((sum, s) => sum + Math.max(0, s.rate!.bytes), 0);
  const rate = sameUnit.length > 0 ? `, growing ${formatBytes(bytes)} per ${unit} in all` : '';
  const n = suspects.length;
  return {
    level: 'leak',
    text: `${n} leak suspect${n > 1 ? 's' : ''} in ${measured}${rate}. Most likely (${formatPercent(top.probability)}): ${describeSuspect(top)}.${userPlaces(byPlace)}`,
  };
}

/**
 * Where the user's code leads into the suspects, when one place leads into several of them
 * (analysis/leak-groups.ts): the place behind the most suspects, and how many places in all.
 */
function userPlaces(byPlace: readonly LeakGroup[]): string {
  if (!placesShared(byPlace)) return '';
  const places = byPlace.filter((g) => g.userFrame !== null);
  const most = [...places].sort((a, b) => b.leaks.length - a.leaks.length)[0];
  const others = places.filter((g) => g !== most);
  const otherLeaks = others.reduce((t, g) => t + g.leaks.length, 0);
  const noFrame = byPlace.find((g) => g.userFrame === null)?.leaks.length ?? 0;
  const parts = [`${most.leaks.length} of them are reached from one place in your code, ${placeOf(most)}`];
  if (others.length > 0)
    parts.push(
      `${others.length} other place${others.length > 1 ? 's' : ''} in your code lead${others.length > 1 ? '' : 's'} to ${otherLeaks} more`,
    );
  if (noFrame > 0)
    parts.push(`${noFrame} ha${noFrame > 1 ? 've' : 's'} no frame of your code on ${noFrame > 1 ? 'their stacks' : 'its stack'}`);
  return ` ${parts.join('; ')}.`;
}

export function describeSuspect(s: SuspectView): string {
  const what = s.kind === 'handle' ? `${s.resource ?? 'handle'} opened in ` : '';
  const site = s.site ? formatFrame(s.site) : noSiteLabel(s);
  const pkg = s.package === null ? '' : ` [${packageLabel(s.package)}]`;
  return `${what}${site}${pkg}`;
}

/**
 * What stands in for a suspect's missing site: Node's internals, or — for growth of the
 * process that no sampled site explains (kind native, no stack) — memory outside the heap, or
 * ArrayBuffer memory no site was found for.
 */
export function noSiteLabel(s: { kind: string; stack: readonly unknown[] }): string {
  if (s.kind === 'native' && s.stack.length === 0) return "not known: memory outside the main thread's sampled heap";
  // ArrayBuffer memory judged from Node's count, where the holders snapshot named no site (buffer-growth.ts).
  if (s.kind === 'external' && s.stack.length === 0) return 'not known: ArrayBuffer memory (see the evidence)';
  return '(Node internals only)';
}
