import type { Frame } from '../model/frame.js';
import type { CallSiteFrame } from './call-lines.js';
import type { KeptIn, Leak } from './leak-report.js';

/**
 * Leaks grouped by the place in the user's code they are reached from.
 *
 * One mistake in the user's code often shows as many leaking sites: a logger made per request
 * keeps its streams, formats and buffers, each allocated at its own site in its own package
 * (winston, 19 sites, all reached from one call). The report lists every site, as the
 * evidence is per site; this grouping says how many places in the user's code there are to
 * fix, and how much each one costs.
 *
 * A place is a function of the user's code, known by its file and lines. The user frames of
 * one function do not all carry the same line: a heap frame moved to its call keeps the
 * function's first line as `functionStart` (call-lines.ts), one whose call was not found (an
 * inlined callee, an alias) stays at that first line, and a handle's frame (from
 * `Error.stack`) has the call's real line. So two user frames in one file are one place when
 * their lines meet — a frame's line, or its function's first line, equal to the other's
 * (union–find over those). Not the column, and not the function's name, which the handle
 * agent and the heap profiler spell differently (`Timeout.connect`, `connect`). Leaks with no
 * frame of the user's code form one group with `userFrame: null`. Leaks with no site and no
 * stack at all — growth nothing sampled explains (`unexplained-growth.ts`) — are reached from
 * nowhere known and are left out.
 *
 * A leak with no frame of the user's code on its stacks may still be kept by a variable of it
 * (`Leak.keptIn`, from its holders path: a package's objects made in its own event handlers,
 * kept in the program's array): such leaks are grouped by that variable, a place to fix too.
 */
export interface LeakGroup {
  /** A frame of the place, one at a line in `lines`; null: no user code on the stacks. */
  userFrame: Frame | null;
  /**
   * The variable of the user's code that keeps the group's leaks: with no user frame, the one
   * they are grouped by; with one, where every leak of the group names the same (blind
   * red-team: each of the 9 leaks of an LRU cache made per request named `sessionCaches`, its
   * group none).
   */
  keptIn: KeptIn | null;
  /**
   * The place's lines: the calls its frames were found at (a function's first line is left
   * out when a line inside it is known). Empty for the group with no user frame.
   */
  lines: number[];
  /** Indexes into the report's `leaks`, most likely first. */
  leaks: number[];
  /** The packages of the group's sites, in the order of its leaks (null: the user's own code). */
  packages: (string | null)[];
  /** Summed growth of the group's heap, external and native leaks, in bytes per `per`. */
  bytes: number;
  /** Summed handles opened and kept per `per` (handle leaks). */
  handles: number;
  per: 'iteration' | 'minute';
  /** The highest probability among the group's leaks. */
  probability: number;
}

export function groupByUserCode(leaks: readonly Leak[]): LeakGroup[] {
  const counted = leaks.flatMap((leak, index) => (leak.site === null && leak.stack.length === 0 ? [] : [{ leak, index }]));
  // Union–find over the leaks: those whose user frames share a file and a line (the frame's
  // own or its function's first) are one place.
  const parent = counted.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const byKey = new Map<string, number>();
  counted.forEach(({ leak }, i) => {
    const f = leak.userFrame as CallSiteFrame | null;
    const kept = leak.keptIn;
    const keys = f
      ? [f.line, f.functionStart?.line].filter((l) => l !== undefined).map((l) => `${f.file}\0${l}`)
      : [kept ? `kept\0${kept.file}\0${kept.variable}` : ''];
    for (const key of keys) {
      const other = byKey.get(key);
      if (other === undefined) byKey.set(key, i);
      else parent[find(i)] = find(other);
    }
  });

  const groups = new Map<number, { members: typeof counted; group: LeakGroup }>();
  counted.forEach((c, i) => {
    const root = find(i);
    let g = groups.get(root);
    if (!g) {
      g = {
        members: [],
        group: {
          userFrame: null,
          keptIn: c.leak.userFrame ? null : (c.leak.keptIn ?? null),
          lines: [],
          leaks: [],
          packages: [],
          bytes: 0,
          handles: 0,
          per: c.leak.perIteration ? 'iteration' : 'minute',
          probability: 0,
        },
      };
      groups.set(root, g);
    }
    g.members.push(c);
    const { group } = g;
    const rate = c.leak.perIteration ?? c.leak.perMinute ?? null;
    group.leaks.push(c.index);
    if (!group.packages.includes(c.leak.package)) group.packages.push(c.leak.package);
    if (c.leak.kind === 'handle') group.handles += rate?.count ?? 0;
    else group.bytes += rate?.bytes ?? 0;
    group.probability = Math.max(group.probability, c.leak.probability);
  });

  for (const { members, group } of groups.values()) {
    const frames = members.map((m) => m.leak.userFrame as CallSiteFrame | null).filter((f) => f !== null);
    if (frames.length === 0) continue;
    const starts = new Set(frames.flatMap((f) => (f.functionStart ? [f.functionStart.line] : [])));
    const inside = [...new Set(frames.map((f) => f.line))].filter((l) => !starts.has(l));
    group.lines = (inside.length > 0 ? inside : [...new Set(frames.map((f) => f.line))]).sort((a, b) => a - b);
    group.userFrame = frames.find((f) => group.lines.includes(f.line)) ?? frames[0];
    const kept = members.map((m) => m.leak.keptIn);
    const [first] = kept;
    if (first && kept.every((k) => k && k.file === first.file && k.variable === first.variable)) group.keptIn = first;
  }
  // Leaks arrive most likely first, so groups are in the order of their most likely leak;
  // the group of leaks with no place known in the user's code goes last.
  const unplaced = (g: LeakGroup): number => (g.userFrame === null && g.keptIn === null ? 1 : 0);
  return [...groups.values()].map((g) => g.group).sort((a, b) => unplaced(a) - unplaced(b));
}

/**
 * Whether the grouping says more than the list of leaks: some place in the user's code leads
 * into two leaks or more. The reports show the places only then.
 */
export function placesShared(groups: readonly LeakGroup[]): boolean {
  return groups.some((g) => (g.userFrame !== null || g.keptIn !== null) && g.leaks.length >= 2);
}

/** A group's place as the report shows it: `loggerFor (/app/log.js:6)`, `f (/app/a.js:6, 9)`. */
export function placeOf(g: LeakGroup): string {
  const f = g.userFrame;
  if (!f && g.keptIn) return `kept in ${keptInPlace(g.keptIn)} (no frame of your code on their stacks)`;
  if (!f) return '(no frame of your code on their stacks)';
  return `${f.functionName || '(anonymous)'} (${f.file}${g.lines.length > 0 && g.lines[0] > 0 ? `:${g.lines.join(', ')}` : ''})`;
}

/** A kept-in variable as the reports show it: `clients (/app/server.js:3)`. */
export function keptInPlace(k: KeptIn): string {
  const chain =
    k.chain && k.chain.variable !== k.variable
      ? `, then a chain through ${k.chain.variable} (${k.chain.file}${k.chain.line !== null ? `:${k.chain.line}` : ''})`
      : k.chain
        ? ', a chain: each one keeps the one before it'
        : '';
  const reached = k.holdsObjectOnPath ? `, its object reached through a package's own references` : '';
  return `${k.expression} (${k.file}${k.line !== null ? `:${k.line}` : ''})${k.bound ? `, declared with ${k.bound}` : ''}${reached}${chain}`;
}
