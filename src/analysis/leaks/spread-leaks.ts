import { formatFrame } from '../../model/frame.js';
import { type ScoredSite, scoreSites } from './score-sites.js';
import type { SiteSeries } from './site-series.js';

/**
 * Leaks spread thin over a package's sites, judged together under the line of the user's code
 * that reaches them.
 *
 * Sampled at one sample per 32 KiB, a site earns samples at its own rate; a leak that keeps a
 * little at each of many sites of a package — a template engine compiling a template per
 * request keeps its AST, its generated source, the compiled function's context and helpers,
 * each a different site — can leave every site under the sensitivity the report states while
 * the whole grows at several times it (blind red-team: handlebars compiling a new template
 * twice a second, ~1 MB/min of heap, "no leak found": its biggest site earned 6 samples in
 * 80 s, flat for the last 30 s). The sites a package allocates under one user frame are one
 * mistake in the user's code, so they are summed and the sum judged by the same tests. A sum
 * is reported only where none of its sites is (else the sites speak for themselves), with the
 * site that grew most as its site and the sum's series as its evidence.
 */
export function spreadLeaks(
  series: Iterable<SiteSeries>,
  scored: readonly ScoredSite[],
  options: { threshold: number; samplingInterval: number; floorInterval?: number; v8Code?: readonly number[] | null },
): ScoredSite[] {
  const reported = new Set(scored.filter((s) => s.probability >= options.threshold).map((s) => s.series.key));
  const all = [...series];
  const groups = new Map<string, SiteSeries[]>();
  for (const s of all) {
    const { userFrame, package: pkg } = s.attribution;
    // A package's sites reached from the user's code: the user's own sites are judged one
    // function each already, and Node's internals have no user frame to blame.
    if (userFrame === null || pkg === null || pkg === 'node:') continue;
    const key = `${formatFrame(userFrame)}|${pkg}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(s);
  }
  const out: ScoredSite[] = [];
  for (const members of groups.values()) {
    if (members.length < 2 || members.some((m) => reported.has(m.key))) continue;
    const judged = judgeSum(members, options, 'spread', `of ${members[0].attribution.package}`);
    if (judged) out.push(judged);
  }
  // Then every site under one user frame, whoever's: one call of the user's that keeps a
  // little at its own site, a little at a package's and a little at an array's backing store
  // (blind red-team: an axios interceptor added per call, ~2.7 KB/s, 90 s — the closure at the
  // user's function, 3 samples; the interceptor record at axios's use(), 2; the handlers
  // array's store at push, 1: "no leak found"; and a token kept in node-cache per call, its
  // bytes split between clone's and node-cache's sites, missed at 90 s). Where a sum of one
  // package's sites under that frame was reported above, that says it already.
  const spreadFrames = new Set(out.map((j) => formatFrame(j.series.attribution.userFrame!)));
  const byFrame = new Map<string, SiteSeries[]>();
  for (const s of all) {
    const { userFrame } = s.attribution;
    if (userFrame === null || s.attribution.noJavaScript) continue;
    const key = formatFrame(userFrame);
    let g = byFrame.get(key);
    if (!g) byFrame.set(key, (g = []));
    g.push(s);
  }
  for (const [frame, members] of byFrame) {
    const owners = new Set(members.map((m) => m.attribution.package ?? ''));
    if (owners.size < 2 || spreadFrames.has(frame) || members.some((m) => reported.has(m.key))) continue;
    const whose = [...owners].map((o) => (o === '' ? "your code's" : o === 'node:' ? "Node's" : `${o}'s`)).join(', ');
    const judged = judgeSum(members, options, 'spread-frame', `(${whose})`);
    if (judged) out.push(judged);
  }
  return out;
}

/**
 * The members' sum, judged by the same tests as a site, or null under the threshold: shown
 * under the member that grew most (its stacks too, so the printed stack is the named site's),
 * its reasons led by what was summed (`what`: whose sites).
 */
function judgeSum(
  members: readonly SiteSeries[],
  options: { threshold: number; samplingInterval: number; floorInterval?: number; v8Code?: readonly number[] | null },
  keySuffix: string,
  what: string,
): ScoredSite | null {
  const sum = sumSeries(members);
  const [judged] = scoreSites([sum], {
    samplingInterval: options.samplingInterval,
    floorInterval: options.floorInterval,
    v8Code: options.v8Code,
  });
  if (!judged || judged.probability < options.threshold) return null;
  const top = growthOrder(members)[0];
  judged.series = { ...sum, key: `${top.key}|${keySuffix}`, attribution: { ...top.attribution }, stacks: top.stacks };
  judged.reasons = [
    `spread over ${members.length} allocation sites ${what} reached from this line of your code, none of them sampled often enough to be judged alone (the one shown grew most); judged together`,
    ...judged.reasons,
  ];
  return judged;
}

/** The members, the one whose bytes grew most first. */
function growthOrder(members: readonly SiteSeries[]): SiteSeries[] {
  const growth = (s: SiteSeries): number => {
    const n = s.x.length - 1;
    return s.selfBytes[n] + s.externalBytes[n] - s.selfBytes[0] - s.externalBytes[0];
  };
  return [...members].sort((a, b) => growth(b) - growth(a));
}

/** The members' series added point by point (they share the measurements' x). */
function sumSeries(members: readonly SiteSeries[]): SiteSeries {
  const [first] = members;
  const n = first.x.length;
  const sum: SiteSeries = {
    key: '',
    attribution: first.attribution,
    x: [...first.x],
    count: new Array<number>(n).fill(0),
    selfBytes: new Array<number>(n).fill(0),
    externalBytes: new Array<number>(n).fill(0),
    stacks: new Map(),
  };
  for (const m of growthOrder(members)) {
    for (let i = 0; i < n; i++) {
      sum.count[i] += m.count[i];
      sum.selfBytes[i] += m.selfBytes[i];
      sum.externalBytes[i] += m.externalBytes[i];
    }
    for (const [stack, growth] of m.stacks) sum.stacks.set(stack, (sum.stacks.get(stack) ?? 0) + growth);
    if (m.samples) {
      sum.samples ??= sum.x.map(() => []);
      for (let i = 0; i < n; i++) for (const ordinal of m.samples[i]) sum.samples[i].push(ordinal);
    }
  }
  return sum;
}
