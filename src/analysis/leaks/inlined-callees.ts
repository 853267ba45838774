import { formatBytes } from '../../cli/output/format.js';
import { formatFrame, sameFrame } from '../../model/frame.js';
import type { StackTable } from '../../model/stack-table.js';
import { type ScoredSite, scoreSites } from './score-sites.js';
import type { SiteSeries } from './site-series.js';

/** Samples' worth of growth each part needs to be joined. */
const PART_SAMPLES = 2;
/**
 * How much more likely a leak the sum must be than the likelier part. A leak split by
 * inlining gains a lot (measured on server.cjs: 0.48 and 0.73 apart, 0.99 whole; 0.50 → 0.84;
 * 0.53 → 0.73); noise added to a series gains little.
 */
const MIN_GAIN = 0.1;

/**
 * One leak split in two by TurboFan inlining, judged whole again.
 *
 * V8's sampling heap profiler walks physical frames: once TurboFan inlines a function into its
 * caller, the function's allocations are recorded on the caller's node, and when the code is
 * deoptimized they go back to the callee's. So a leak in a small hot function comes out as two
 * series that each grow in phases, and both can fall under the threshold. Measured on
 * test/fixtures/live/server.cjs (`rememberRequest`, called by the request handler, keeps every
 * request): while measurements made atomic GCs (which deoptimize hot code), the leak stayed
 * at the callee (found 7 of 8 runs, p 0.89–0.99); with the program's code left optimized, part
 * of it moved to the handler (e.g. +224 KiB at the callee, +502 KiB at the caller) and it was
 * found in 6 of 8, p 0.67–0.95; with this join, in 8 of 8, p 0.69–0.91 (3 joined).
 *
 * So for a growing suspect whose caller (the frame one or two below its site) is the site of
 * another growing suspect (each by PART_SAMPLES' worth), the sum of the two is judged too; when
 * it is likelier a leak than either part by MIN_GAIN, and the parts were not both leaks on
 * their own (two leaks stay two), one suspect takes their place: named after the part that
 * grew more, its evidence saying what was added and why. That the caller's growth is the
 * callee's inlined allocations is an inference (the caller's own allocations are counted with
 * it), said as such. Of a caller's growing callees, the one whose sum with it is the likeliest
 * leak is joined; where two make it a leak about as well (within MIN_GAIN), the caller is left
 * alone: which of them it holds cannot be told. (Until 7c0bc43 a callee that had merely grown
 * half as much counted as a rival: the attach test's server, whose handler also starts
 * pollers — a leak of their own — then kept its leak split, both parts under the threshold,
 * when the leak moved into the callee late in a capture: p 0.28 and 0.49 apart.)
 */
export function joinInlinedCallees(
  scored: ScoredSite[],
  series: Iterable<SiteSeries>,
  stacks: StackTable,
  options: { threshold: number; samplingInterval: number; floorInterval?: number; v8Code?: readonly number[] | null },
): ScoredSite[] {
  // A sample or two more at a caller is churn (a request in flight), and added to a slowly
  // filling cache it could tip the cache over.
  const growing = [...series].filter((s) => bytesGrowth(s) >= PART_SAMPLES * options.samplingInterval);
  const bySite = new Map<string, SiteSeries[]>();
  for (const s of growing) {
    const k = formatFrame(s.attribution.site!);
    bySite.set(k, [...(bySite.get(k) ?? []), s]);
  }
  const calleesOf = new Map<SiteSeries, SiteSeries[]>();
  for (const callee of growing) {
    const caller = findCaller(callee, stacks, bySite);
    if (caller) calleesOf.set(caller, [...(calleesOf.get(caller) ?? []), callee]);
  }

  const scoreOf = new Map(scored.map((s) => [s.series, s]));
  const replaced = new Set<SiteSeries>();
  const joined: ScoredSite[] = [];
  for (const [caller, callees] of calleesOf) {
    if (replaced.has(caller)) continue;
    const pCaller = scoreOf.get(caller)?.probability ?? 0;
    const callerGrowth = bytesGrowth(caller);
    // Each growing callee summed with the caller: a candidate when the sum is likelier a leak
    // than either part by MIN_GAIN (and the two were not leaks on their own: two leaks stay
    // two). A callee that is a leak on its own (the handler's pollers) never gains that much.
    const candidates = callees
      .filter((callee) => !replaced.has(callee))
      .flatMap((callee) => {
        const pCallee = scoreOf.get(callee)?.probability ?? 0;
        if (pCallee >= options.threshold && pCaller >= options.threshold) return [];
        const calleeGrowth = bytesGrowth(callee);
        const [union] = scoreSites([sumSeries(calleeGrowth >= callerGrowth ? callee : caller, callee, caller)], options);
        if (!union || union.probability < Math.max(pCallee, pCaller) + MIN_GAIN) return [];
        return [{ callee, union, pCallee, calleeGrowth }];
      })
      .sort((a, b) => b.union.probability - a.union.probability);
    // Two callees that each make the caller's growth a leak, about as well: which one the
    // caller holds cannot be told.
    if (candidates.length === 0 || (candidates.length > 1 && candidates[1].union.probability > candidates[0].union.probability - MIN_GAIN))
      continue;
    const { callee, union, pCallee, calleeGrowth } = candidates[0];
    union.reasons.push(
      `counted together: ${formatBytes(calleeGrowth)} of the growth at ${formatFrame(callee.attribution.site!)} and ${formatBytes(callerGrowth)} at its caller ${formatFrame(caller.attribution.site!)} ` +
        `(apart: ${alone(pCallee)} and ${alone(pCaller)}) — V8 records a function's allocations under its caller while TurboFan has it inlined there, ` +
        `so one leak shows at both; inferred from the call relation: the caller's own allocations are counted too (node --no-turbo-inlining separates them)`,
    );
    replaced.add(callee);
    replaced.add(caller);
    joined.push(union);
  }
  if (joined.length === 0) return scored;
  return [...scored.filter((s) => !replaced.has(s.series)), ...joined].sort(
    (a, b) => b.probability - a.probability || b.bytes.slope - a.bytes.slope,
  );
}

/**
 * The growing suspect whose site is the frame one or two below the callee's site on one of its
 * growing stacks. By frame, not by stack: inlining changes the frames below too (the handler
 * reached through `emit`, or with `emit` inlined). Undefined where two suspects share that
 * site: which one holds the callee's allocations cannot be told.
 */
function findCaller(callee: SiteSeries, stacks: StackTable, bySite: Map<string, SiteSeries[]>): SiteSeries | undefined {
  const site = callee.attribution.site!;
  for (const [stack, grew] of callee.stacks) {
    if (grew <= 0) continue;
    const frames = stacks.framesOf(stack);
    const at = frames.findIndex((f) => sameFrame(f, site));
    if (at < 0) continue;
    for (const frame of frames.slice(at + 1, at + 3)) {
      const found = (bySite.get(formatFrame(frame)) ?? []).filter((s) => s !== callee);
      if (found.length === 1) return found[0];
      if (found.length > 1) break;
    }
  }
  return undefined;
}

/** A part's judgement on its own, in the note. */
function alone(p: number): string {
  return p > 0 ? `p ${p.toFixed(2)}` : 'too little growth to judge';
}

function bytesGrowth(s: SiteSeries): number {
  const last = s.x.length - 1;
  return s.selfBytes[last] + s.externalBytes[last] - (s.selfBytes[0] + s.externalBytes[0]);
}

/** Both series as one, keyed and attributed as `named`. */
function sumSeries(named: SiteSeries, a: SiteSeries, b: SiteSeries): SiteSeries {
  const add = (x: number[], y: number[]): number[] => x.map((v, i) => v + y[i]);
  return {
    key: named.key,
    attribution: named.attribution,
    x: named.x,
    count: add(a.count, b.count),
    selfBytes: add(a.selfBytes, b.selfBytes),
    externalBytes: add(a.externalBytes, b.externalBytes),
    stacks: new Map([...a.stacks, ...b.stacks]),
    ...(a.samples || b.samples ? { samples: a.x.map((_, i) => [...(a.samples?.[i] ?? []), ...(b.samples?.[i] ?? [])]) } : {}),
  };
}
