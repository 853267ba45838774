import { formatCount } from '../../cli/output/format.js';
import type { LeakJudgement } from '../growth/growth.js';
import type { SiteSeries } from './site-series.js';

/**
 * Does a site keep what it gained, or free it and make more? A leak keeps what it holds; a
 * cache with expiry, a sliding window of recent requests, an LRU at its capacity replace their
 * objects, and their live set rises and falls with the load and the sampling's noise. From
 * counts alone the two can look alike over a short capture: a Map of requests swept every
 * 30 s, filling for its first minute, then swinging between 1,200 and 2,400 entries, gave a
 * two-minute capture a live series that rose in 7 of 8 steps (blind red-team: p 0.90, a leak).
 *
 * V8's sampling heap profiler numbers its samples (ordinals, unique and increasing), and a
 * sample stays in the profile exactly as long as its object lives. So a sample present at two
 * measurements is one object alive at both, and a site's objects can be followed: of what the
 * site had gained over the earlier half of the judged time, how much is still alive at the
 * end? A leak: all of it. A turnover: little or none.
 *
 * Only samples of small objects are followed (isSmallSample): a backing store or a flat string
 * is replaced by a bigger copy as a leak grows, so its death says nothing. And only where those
 * small objects carry most of what the site gained by the middle.
 */
export interface Turnover {
  /**
   * Small-object samples the site had gained over its first live measurement, summed over the
   * measurements of the earlier half of the judged time (net at each).
   */
  gained: number;
  /** Of that gain, how much is still alive at the last measurement (summed the same way). */
  kept: number;
  /** The measurements summed over (indexes 1..through). */
  through: number;
  /** Samples seen at one measurement only, left out (followSamples): objects in flight at that GC. */
  leftOut?: number;
}

/** Fewer samples than this gained at one measurement of the earlier half: too few to follow. */
const MIN_GAINED = 3;

/**
 * The turnover of a sampled site, or null when it cannot be told (no samples followed, fewer
 * than 4 measurements, too little gained in the earlier half, gained mostly in large
 * objects, or its small objects died into a larger copy). The earlier half, and all of it: a single middle measurement may fall right after
 * a sweep, where a turnover's set is at its lowest and its gain looks like nothing.
 */
export function followSamples(s: SiteSeries, samplingInterval: number): Turnover | null {
  if (!s.samples) return null;
  const t = followMembers(s.x, s.samples);
  if (!t) return null;
  const bytes = (i: number): number => s.selfBytes[i] + s.externalBytes[i];
  // Each small sample stands for about an interval's bytes: they must carry most of the gain.
  if (t.most * samplingInterval < 0.5 * (bytes(t.mostAt) - bytes(0))) return null;
  // Small objects that died into a larger copy were not freed: a string flattened now and then
  // (its pieces die as one flat copy of them appears), an array re-made larger. A leak grows
  // that way too. Seen as the site's large objects growing in the very steps its small ones
  // die, by as much; a turnover's deaths come with no such growth (a Map's table may double in
  // some step, but it holds a pointer per entry, not the entries).
  const samples = s.samples;
  const large = (i: number): number => Math.max(0, bytes(i) - samples[i].length * samplingInterval);
  let freed = 0;
  let copied = 0;
  for (let i = 1; i < s.x.length; i++) {
    const now = new Set(samples[i]);
    const died = samples[i - 1].filter((o) => !now.has(o)).length * samplingInterval;
    freed += died;
    copied += Math.min(died, Math.max(0, large(i) - large(i - 1)));
  }
  if (freed > 0 && copied >= 0.5 * freed) return null;
  // A site that also makes garbage has some of it live at a measurement now and then: objects
  // in flight when the GC ran, or made while it marked (blind red-team: a timer callback
  // parsing 35 MB/s of JSON and leaking a hex id per tick; its followed gain was half such
  // samples, each seen at one measurement, and the ids it kept read as turnover, p 0.40). Left
  // out — samples seen at one measurement only — the rest is followed again, and the likelier
  // leak reading kept. Where everything is seen once (a window of short-lived objects under a
  // rising load), nothing is left to follow and the first reading stands.
  if (keptFactor(t) >= 1) return t;
  const steady = withoutTransients(samples);
  const u = followMembers(s.x, steady.members);
  if (u && keptFactor(u) > keptFactor(t)) return { gained: u.gained, kept: u.kept, through: u.through, leftOut: steady.leftOut };
  return t;
}

/**
 * The members with those seen at one measurement only taken out (absent at the one before and
 * at the one after; the first and last measurements are kept whole), and how many were.
 */
export function withoutTransients(members: readonly (readonly (number | string)[])[]): {
  members: (number | string)[][];
  leftOut: number;
} {
  const n = members.length;
  const sets = members.map((m) => new Set(m));
  let leftOut = 0;
  const kept = members.map((m, i) => {
    if (i === 0 || i === n - 1) return [...m];
    const out = m.filter((o) => sets[i - 1].has(o) || sets[i + 1].has(o));
    leftOut += m.length - out.length;
    return out;
  });
  return { members: kept, leftOut };
}

/**
 * Where the earlier half ends: the measurement nearest the middle of the time, as halves are
 * cut (growth.ts), never the first or the last. Not the last one at or before the middle, which
 * a measurement 6 ms late (50,110 against 50,104.5, c3's queued requests under rising load)
 * left out — and with it the only step that gained enough to follow, so the client's queued
 * requests were judged a leak.
 */
function middleMeasurement(x: readonly number[]): number {
  return nearestTo(x, (x[0] + x[x.length - 1]) / 2, 1, x.length - 2) ?? 1;
}

/** The measurement from `from` to `to` (both included) nearest the time `at`; null if none. */
function nearestTo(x: readonly number[], at: number, from: number, to: number): number | null {
  let best: number | null = null;
  for (let i = from; i <= to; i++) if (best === null || Math.abs(x[i] - at) < Math.abs(x[best] - at)) best = i;
  return best;
}

/**
 * The same for anything with an identity at each measurement: a site's samples (by ordinal),
 * a handle group's open handles (by async id: a timer per request that fires, sockets a pool
 * closes and reopens). Null with fewer than 4 measurements or under 3 gained at any one.
 */
export function followMembers(
  x: readonly number[],
  members: readonly (readonly (number | string)[])[],
): (Turnover & { most: number; mostAt: number }) | null {
  const n = x.length;
  if (n < 4 || members.length !== n) return null;
  const cut = middleMeasurement(x);
  const atEnd = new Set(members[n - 1]);
  const first = members[0];
  const keptOfFirst = first.filter((o) => atEnd.has(o)).length;
  let gained = 0;
  let kept = 0;
  let most = 0;
  let mostAt = 0;
  let through = 0;
  for (let i = 1; i <= cut; i++) {
    through = i;
    const gain = members[i].length - first.length;
    if (gain <= 0) continue;
    const keptHere = Math.min(gain, Math.max(0, members[i].filter((o) => atEnd.has(o)).length - keptOfFirst));
    gained += gain;
    kept += keptHere;
    if (gain > most) [most, mostAt] = [gain, i];
  }
  if (most < MIN_GAINED) return null;
  return { gained, kept, through, most, mostAt };
}

/**
 * A queue filled faster than it drains: the site frees what it gained (a turnover), yet at a
 * steady rate of new objects its live set keeps growing, because each object lives longer than
 * the one before — writes to a slow stream that ignore backpressure, a job queue with too few
 * workers. Every object is freed in the end, but the queue grows as a leak does for as long as
 * the load holds (blind red-team: a producer writing 300 chunks a second to a sink that takes
 * 200, its chunks' live samples' mean age 3 s → 13 s over 40 s, cleared as "frees what it
 * gains", p 0). A window of recent items or a cache with expiry keeps its objects a fixed time:
 * their ages hold still, and its live set grows only as the load does (a window under rising
 * load: mean age 1.4 s throughout, new samples 62 → 238 a step). So: the live samples' mean age
 * keeps rising through the later half, and the site's new samples per second did not rise — a
 * backlog under a rising load is left to the turnover's reading, as load is not told from leak.
 */
export interface Backlog {
  /** New samples per second, earlier half and later half of the judged time. */
  bornPerSecond: { earlier: number; later: number };
  /** The live samples' mean age (ms) at the middle measurement and at the last. */
  meanAgeMs: { middle: number; end: number };
}

/**
 * The mean age must rise by this factor from the middle to the end, in most later steps. Not
 * ×1.5: a queue's live samples are ~0.3 × its age old (1,000 chunks a second in, 400 out), so
 * from the middle of a capture to its end the mean age rises about as the program's age does —
 * ×1.45 to ×1.77 over 16 s from 3 s after its start (6 runs of `ignored-backpressure.cjs`), less
 * where the queue was already long at the first measurement; ×1.5 cleared one run in six (and a
 * CI run) as a turnover. A fixed lifetime's mean age stops rising once that lifetime has passed.
 */
const BACKLOG_AGE_RATIO = 1.25;
/**
 * And still be rising at the end: the age the oldest tenth of the live samples have reached
 * must rise in the last quarter of the time, by at least this share of its rise over the later
 * half. A queue's rises steadily (1 s of 2–3 s in the fixture's runs); a window whose lifetime
 * is most of the capture rises through the third quarter and then holds (7 s in each later
 * step for a cache with an 8 s expiry), which the ratio alone would take for a backlog. Not
 * the mean age: with ~85 samples it wanders ±250 ms from one measurement to the next — such a
 * cache, judged on its mean age, was reported as a backlog (p 0.72) in one run of four, and in
 * a logged run its mean rose 34 % of its later half's rise in the last quarter; the oldest
 * tenth moves by whole measurement steps.
 */
const BACKLOG_STILL_RISING = 0.25;
/** The mean age's rise from the middle to the end must be this many standard errors of the two means. */
const BACKLOG_RISE_Z = 2;
/** New samples per second may rise this much (later half against earlier) and still count as steady. */
const BACKLOG_STEADY_BIRTHS = 1.3;
/** New samples seen in all, at least, for a rate to mean anything. */
const BACKLOG_MIN_BORN = 20;

export function growingBacklog(x: readonly number[], members: readonly (readonly (number | string)[])[]): Backlog | null {
  const n = x.length;
  if (n < 5 || members.length !== n) return null;
  const cut = middleMeasurement(x);
  // Each sample's birth: the first measurement it is live at (those of the first, their age
  // counted from it: a lower bound). Its age at a measurement: the time since then.
  const bornAt = new Map<number | string, number>();
  const born = new Array<number>(n).fill(0);
  const ages = members.map((live, i) =>
    ageStats(
      live.map((o) => {
        let b = bornAt.get(o);
        if (b === undefined) {
          bornAt.set(o, (b = i));
          if (i > 0) born[i]++;
        }
        return x[i] - x[b];
      }),
    ),
  );
  const meanAge = ages.map((a) => a.mean);
  const bornEarlier = born.slice(1, cut + 1).reduce((a, b) => a + b, 0);
  const bornLater = born.slice(cut + 1).reduce((a, b) => a + b, 0);
  if (bornEarlier + bornLater < BACKLOG_MIN_BORN || bornEarlier === 0) return null;
  const perSecond = { earlier: bornEarlier / ((x[cut] - x[0]) / 1000), later: bornLater / ((x[n - 1] - x[cut]) / 1000) };
  if (perSecond.later > BACKLOG_STEADY_BIRTHS * perSecond.earlier) return null;
  const noise = BACKLOG_RISE_Z * Math.hypot(ages[cut].error, ages[n - 1].error);
  if (meanAge[cut] <= 0 || meanAge[n - 1] - meanAge[cut] < Math.max((BACKLOG_AGE_RATIO - 1) * meanAge[cut], noise)) return null;
  let rose = 0;
  for (let i = cut + 1; i < n; i++) if (meanAge[i] > meanAge[i - 1]) rose++;
  if (rose < (2 / 3) * (n - 1 - cut)) return null;
  const lastQuarter = nearestTo(x, (x[cut] + x[n - 1]) / 2, cut + 1, n - 2);
  if (lastQuarter !== null) {
    const oldest = ages.map((a) => a.oldestTenth);
    const lastRise = oldest[n - 1] - oldest[lastQuarter];
    if (lastRise <= 0 || lastRise < BACKLOG_STILL_RISING * (oldest[n - 1] - oldest[cut])) return null;
  }
  return { bornPerSecond: perSecond, meanAgeMs: { middle: meanAge[cut], end: meanAge[n - 1] } };
}

/**
 * The live samples' ages at one measurement: their mean, its standard error (the spread ÷
 * √count: a mean over ~85 samples wanders by a quarter of a second from one measurement to the
 * next), and the age the oldest tenth have reached (bounded by the lifetime where it is fixed —
 * 7 s in every later step for an 8 s expiry — rising for a queue).
 */
function ageStats(ages: number[]): { mean: number; error: number; oldestTenth: number } {
  const k = ages.length;
  if (k === 0) return { mean: 0, error: 0, oldestTenth: 0 };
  const mean = ages.reduce((a, b) => a + b, 0) / k;
  const variance = k > 1 ? ages.reduce((a, b) => a + (b - mean) ** 2, 0) / (k - 1) : 0;
  ages.sort((a, b) => a - b);
  return { mean, error: Math.sqrt(variance / k), oldestTenth: ages[Math.floor(0.9 * (k - 1))] };
}

/**
 * The judgement of a site that turned over as a growing backlog: its probability as it was (a
 * queue that grows without bound is a leak for as long as it grows), the turnover said with why
 * it does not clear it.
 */
export function withBacklog(j: LeakJudgement, t: Turnover, b: Backlog, words: TurnoverWords): LeakJudgement {
  const perMinute = (v: number): string => formatCount(v * 60);
  return {
    probability: j.probability,
    reasons: [
      ...j.reasons,
      `${followedWhat(t, words)} — ${words.backlog}: it made them at a steady rate (${perMinute(b.bornPerSecond.earlier)} ${words.newOnes} a minute in the earlier half, ${perMinute(b.bornPerSecond.later)} in the later) while its ${words.liveOnes} grew older (their mean age ${(b.meanAgeMs.middle / 1000).toFixed(1)} s at the middle, ${(b.meanAgeMs.end / 1000).toFixed(1)} s at the end): ${words.queue}, which grows as a leak does while the load holds`,
    ],
  };
}

/**
 * The factor a turnover puts on a site's probability: 1 where most of the gain is kept (a
 * leak keeps all of it, minus the odd in-flight object sampled at the middle), 0 where a fifth
 * or less is, linear between.
 */
export function keptFactor(t: Turnover): number {
  const share = t.kept / t.gained;
  return Math.max(0, Math.min(1, (share - 0.2) / 0.4));
}

/** How a judgement's reason names what was followed (heap samples, open handles). */
export interface TurnoverWords {
  /** "followed sample by sample, of the N {unit} it had gained" */
  how: string;
  unit: string;
  /** "K are {alive} at the end" */
  alive: string;
  kept: string;
  freed: string;
  /** For a growing backlog (withBacklog): "it frees what it gains, but later and later" */
  backlog: string;
  /** "N {newOnes} a minute", "its {liveOnes} grew older", "{queue}, which grows as a leak does" */
  newOnes: string;
  liveOnes: string;
  queue: string;
}

export const SAMPLE_WORDS: TurnoverWords = {
  how: 'followed sample by sample',
  unit: 'samples of small objects',
  alive: 'alive',
  kept: 'it keeps what it gains, as a leak does',
  freed:
    'it frees what it gains and makes more — a cache with expiry, a window of recent items or an LRU at its size turns over this way; a leak keeps what it holds',
  backlog: 'it frees what it gains, but later and later',
  newOnes: 'new samples',
  liveOnes: 'live ones',
  queue: "a queue filled faster than it drains (writes that ignore a stream's backpressure, a job queue with too few workers)",
};

export const HANDLE_WORDS: TurnoverWords = {
  how: 'followed handle by handle',
  unit: 'open handles',
  alive: 'still open',
  kept: 'it keeps them open, as a leak does',
  freed: "they are closed and others opened — a per-request timer or a pool's turnover; a leak keeps its handles open",
  backlog: 'they are closed, but later and later',
  newOnes: 'opened',
  liveOnes: 'open ones',
  queue: 'connections or jobs opened faster than they are served (a server or a worker that handles one at a time and cannot keep up)',
};

/** "followed sample by sample, of the N samples of small objects it had gained …, K are alive at the end" */
function followedWhat(t: Turnover, words: TurnoverWords): string {
  // A sum over measurements of the gain since the first: one gained early counts at each of
  // them (the red-team read "20 gained" where 8 had been opened), so the words say so.
  const counted = t.through > 1 ? ` (summed over the ${t.through} measurements of the earlier half: one gained early counts at each)` : '';
  const leftOut = t.leftOut
    ? ` (leaving out ${t.leftOut} seen at one measurement only: objects in flight when that GC ran, or made while it marked, gone by the next)`
    : '';
  return `${words.how}, of the ${t.gained} ${words.unit} it had gained since its first measurement${counted}${leftOut}, ${t.kept} ${t.kept === 1 ? 'is' : 'are'} ${words.alive} at the end`;
}

/**
 * A judgement with its turnover applied: the probability scaled by keptFactor, the reason said
 * either way, and the probability before where it was lowered (so that a cleared suspect can
 * still be listed with why).
 */
export function withTurnover(j: LeakJudgement, t: Turnover, words: TurnoverWords): LeakJudgement & { before?: number } {
  const factor = keptFactor(t);
  const what = followedWhat(t, words);
  const reason =
    factor >= 1 ? `${what}: ${words.kept}` : `but ${what}: ${words.freed}${factor > 0 ? ' (probability scaled down accordingly)' : ''}`;
  return {
    probability: j.probability * factor,
    reasons: [...j.reasons, reason],
    ...(factor < 1 ? { before: j.probability } : {}),
  };
}
