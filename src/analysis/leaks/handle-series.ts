import type { HandleGroup } from '../handles/group.js';
import { formatFrame } from '../../model/frame.js';
import { type Leak, mostLikelyFirst } from '../leak-report.js';
import { type LeakJudgement, judgeGrowth, measureGrowth } from '../growth/growth.js';
import { HANDLE_WORDS, followMembers, growingBacklog, keptFactor, withBacklog, withTurnover } from './turnover.js';
import { LISTED_BELOW } from './score-sites.js';

/**
 * Handle leaks for the leak finder: the handles open at each measurement (sockets, timers,
 * watchers, raw descriptors... from the handle agent), grouped by type and creation stack,
 * and judged with the same growth test as heap sites. A handle is small on the heap, so a
 * leak of one per run is easy to miss in bytes and obvious in counts.
 */
/** More open handles than at the start needed before growth counts: one stray timer is not a leak. */
export const MIN_HANDLE_GROWTH = 3;

export class HandleSeries {
  private readonly groups = new Map<
    string,
    { group: HandleGroup; counts: Map<number, number>; keepingAlive: Map<number, number>; members: Map<number, string[]> }
  >();
  private readonly xs: number[] = [];
  /** The measurements whose groups listed their handles (HandleGroup.members): a group absent there had none open. */
  private readonly membersAt = new Set<number>();

  /** Records the handles open after `x` iterations (or ms). */
  add(x: number, groups: readonly HandleGroup[]): void {
    this.xs.push(x);
    if (groups.every((g) => g.members)) this.membersAt.add(x);
    for (const g of groups) {
      const key = seriesKey(g);
      let entry = this.groups.get(key);
      if (!entry) this.groups.set(key, (entry = { group: g, counts: new Map(), keepingAlive: new Map(), members: new Map() }));
      entry.group = g;
      entry.counts.set(x, (entry.counts.get(x) ?? 0) + g.count);
      entry.keepingAlive.set(x, (entry.keepingAlive.get(x) ?? 0) + g.keepingAlive);
      if (g.members) entry.members.set(x, [...(entry.members.get(x) ?? []), ...g.members]);
    }
  }

  /**
   * The likeliest growth of one group over the measurements from `fromX` on (null with fewer
   * than 4 of them): light watching's tripwire for handles (capture/live/light-watch.ts).
   */
  strongestSince(fromX: number): { probability: number; what: string } | null {
    const xs = this.xs.filter((x) => x >= fromX);
    if (xs.length < 4) return null;
    let best = { probability: 0, what: 'no handle group' };
    for (const { group, counts, members } of this.groups.values()) {
      const y = xs.map((x) => counts.get(x) ?? 0);
      const j = followHandles(xs, this.membersAt, members, judgeGrowth(measureGrowth(xs, y), { minGrowth: MIN_HANDLE_GROWTH }), true);
      if (j.probability > best.probability)
        best = { probability: j.probability, what: `open ${group.type} handles (${y[0]} → ${y[y.length - 1]})` };
    }
    return best;
  }

  /** Every group whose open count grew, scored; leaks from `threshold`, the rest below. */
  judge(threshold: number, unit: 'iteration' | 'minute'): { leaks: Leak[]; belowThreshold: Leak[] } {
    const leaks: Leak[] = [];
    const belowThreshold: Leak[] = [];
    for (const { group, counts, keepingAlive, members } of this.groups.values()) {
      const y = this.xs.map((x) => counts.get(x) ?? 0);
      const e = measureGrowth(this.xs, y);
      const j = followHandles(this.xs, this.membersAt, members, judgeGrowth(e, { minGrowth: MIN_HANDLE_GROWTH }), unit === 'minute');
      // Listed below the threshold when following its handles cleared it (said, as for heap sites).
      if (j.probability < LISTED_BELOW && (j.before ?? 0) < LISTED_BELOW) continue;
      const rate = unit === 'minute' ? e.slope * 60_000 : e.slope;
      const perRate = { count: rate, bytes: 0 };
      const leak: Leak = {
        kind: 'handle',
        site: group.site,
        userFrame: group.userFrame,
        package: group.package,
        resource: group.type,
        probability: j.probability,
        perIteration: unit === 'iteration' ? perRate : null,
        perMinute: unit === 'minute' ? perRate : null,
        stack: group.stack,
        evidence: [
          `open ${group.type} handles created here${inWorkers(group.threads)}, at each of ${e.points} measurements: ${y.join(' → ')}`,
          ...j.reasons,
          `${keepingAlive.get(this.xs[this.xs.length - 1]) ?? 0} of them keep the event loop alive`,
          `attribution: ${group.evidence}`,
        ].join('; '),
        series: { x: this.xs.slice(), bytes: y.map(() => 0), count: y },
      };
      (j.probability >= threshold ? leaks : belowThreshold).push(leak);
    }
    leaks.sort(mostLikelyFirst);
    return { leaks, belowThreshold };
  }
}

/** Where the group's handles were opened when not (only) in the main thread (thread id 0). */
function inWorkers(threads: readonly number[]): string {
  const workers = threads.filter((t) => t !== 0);
  if (workers.length === 0) return '';
  const which = `worker thread${workers.length > 1 ? 's' : ''} ${workers.join(', ')}`;
  return workers.length === threads.length ? ` (in ${which})` : ` (in the main thread and ${which})`;
}

/**
 * Follows a group's handles by identity (turnover.ts): a leak keeps its handles open; a timer
 * per request that fires, or sockets a pool closes and opens again, are replaced — their count
 * may grow with the load and still nothing is kept. Applied only where the group's handles
 * were listed at every measurement (not while light watching paused the tracing: then only
 * Node's count of them is read).
 */
function followHandles(
  xs: readonly number[],
  membersAt: ReadonlySet<number>,
  members: Map<number, string[]>,
  j: LeakJudgement,
  /** x is time in ms (run, attach), not iterations (check): a backlog's rates and ages are read only then. */
  timed: boolean,
): LeakJudgement & { before?: number } {
  if (j.probability <= 0 || !xs.every((x) => membersAt.has(x))) return j;
  const followed = xs.map((x) => members.get(x) ?? []);
  const t = followMembers(xs, followed);
  if (!t) return j;
  // Handles opened at a steady rate that stay open longer and longer are a backlog (sockets
  // waiting for a server that serves one at a time): not cleared by their turnover.
  const backlog = timed && keptFactor(t) < 1 ? growingBacklog(xs, followed) : null;
  return backlog ? withBacklog(j, t, backlog, HANDLE_WORDS) : withTurnover(j, t, HANDLE_WORDS);
}

/**
 * One series per type, site and first frame of the user's code, as heap sites are keyed
 * (site-series.ts): the same leak reached through different callers further down is one
 * leak. Keyed by the whole stack, `check` split an undici Client's sockets three ways — its
 * warm-up, its batches and its longer batches call the operation from three lines of the
 * harness — and the leak was judged on the last third alone (p 0.72 for a socket per run). A
 * group with no site (no stack, or Node's frames only) keeps its whole stack as the key.
 */
function seriesKey(g: HandleGroup): string {
  if (g.site === null) return `${g.type}\n${g.stack.map(formatFrame).join('\n')}`;
  return `${g.type}\n${formatFrame(g.site)}\n${g.userFrame ? formatFrame(g.userFrame) : '-'}`;
}
