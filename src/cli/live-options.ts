import type { OptionSpec, OptionValues } from './command.js';
import type { MeasureSchedule } from '../capture/live/measure-schedule.js';
import { parseDuration, parseSize } from './parse-values.js';
import { DEFAULT_SAMPLING_INTERVAL, type SamplingAdaptation } from '../capture/live/sampling-rate.js';

const DEFAULT_MEASURE_MS = 5000;

/** Options `run` and `attach` share: what to capture, how often, and the capture rules. */
export const LIVE_OPTIONS: Record<string, OptionSpec> = {
  out: { type: 'string', valueName: 'DIR', description: 'capture folder (default: leaktrace-capture-<time> here)' },
  duration: { type: 'string', valueName: 'DURATION', description: 'stop after this long (default: until the program ends or Ctrl-C)' },
  warmup: { type: 'string', valueName: 'DURATION', description: 'measurements before this are warm-up, not judged', default: '10s' },
  'measure-every': {
    type: 'string',
    valueName: 'DURATION',
    description:
      'leak-finder measurement period, fixed (each measurement makes two full GCs in the target; default: paced by --measure-budget)',
  },
  'measure-budget': {
    type: 'string',
    valueName: 'PERCENT',
    description:
      "share of the target's CPU time the measurements may cost, as measured after each one; the period stays between 5 s and 60 s, short enough for 8 points after the warm-up of a --duration capture, and for an open-ended one at most a quarter of its age until it has 8",
    default: '3%',
  },
  'series-every': { type: 'string', valueName: 'DURATION', description: 'memory series period', default: '1s' },
  'sampling-interval': {
    type: 'string',
    valueName: 'SIZE',
    description:
      "bytes between allocation samples (V8's sampling heap profiler), fixed; by default 32k, made finer (16k or 8k) at the warm-up's end where the sampler would still cost the program at most 2 % of its CPU (a quiet program: a small leak shows sooner); 'auto': that, or coarsened to 64k or 128k where 32k would cost over 2 % (cheaper for a busy service, slower to see a small leak)",
  },
  exact: {
    type: 'boolean',
    description:
      "also turn on V8's allocation tracking: snapshots carry allocation stacks (slower: every allocation records its stack). run starts the program with node's --track-heap-objects; attach turns it on through the inspector, which then also takes heap statistics, each a full GC (on Node 20 every 50 ms: a program with a large heap runs one turn of its event loop per statistic)",
  },
  'snapshot-every': { type: 'string', valueName: 'DURATION', description: 'heap snapshot at this interval' },
  'snapshot-on-growth': {
    type: 'string',
    valueName: 'SIZE',
    description: 'heap snapshot when RSS or heap used grew this much since the last one',
  },
  'snapshot-near-limit': { type: 'boolean', description: "heap snapshot once heap used reaches 90% of V8's heap limit" },
  'no-end-snapshot': { type: 'boolean', description: 'no heap snapshot when the capture ends (run)' },
  'end-snapshot': {
    type: 'boolean',
    description:
      'attach: a heap snapshot when the capture ends (off by default: it left a ~60 MB service ~12 MB more RSS after the detach)',
  },
  'max-snapshot-memory': {
    type: 'string',
    valueName: 'SIZE',
    description:
      'the most memory a heap snapshot may take in the program (V8 builds it there: up to ~20× the heap used); default: what is free in its cgroup and on the machine. A snapshot estimated above it is not taken, and the notes say so',
  },
  holders: {
    type: 'string',
    valueName: 'DURATION',
    description:
      'when heap leaks are found and the program still runs: track allocations this long, then snapshot, for retainer paths (0: none)',
    default: '3s',
  },
  'no-handles': {
    type: 'boolean',
    description:
      'do not judge open handles (sockets, timers, descriptors…) by creation stack: saves the handle agent’s cost (async_hooks, a stack per handle)',
  },
  'no-workers': {
    type: 'boolean',
    description:
      "do not sample worker threads' heaps (each is measured like the main thread's by default; their growth then shows only in the process's RSS)",
  },
  threshold: { type: 'string', valueName: 'P', description: 'probability from which a suspect is a leak', default: '0.5' },
  html: { type: 'string', valueName: 'FILE', description: 'also write a self-contained HTML report' },
  'light-after': {
    type: 'string',
    valueName: 'DURATION',
    description:
      "after this long judged with nothing growing, watch lightly until something grows: a sample every 8× the interval, V8's inlining on again, measurements at a third of their budget, the memory series 5× less often while memory holds still (far cheaper for a busy service: README, bench 7); back to precise settings as soon as a site grows; a leak too slow to show by then is seen later ('never': stay precise)",
    default: '5m',
  },
  inlining: {
    type: 'boolean',
    description:
      "let V8 inline functions as it normally does: cheaper (the bench's HTTP server lost 7 % of its requests/s under run --inlining, 29 % under run), at the price of allocations recorded under the caller a function was inlined into (default: inlining off while leaktrace watches precisely, so each site is the function that allocated; on again while it watches lightly, see --light-after, and at attach's detach)",
  },
};

export interface LiveSettings {
  out?: string;
  durationMs?: number;
  warmupMs: number;
  /** Leak-finder measurements: paced by their measured cost unless --measure-every fixed the period. */
  measure: MeasureSchedule;
  seriesEveryMs: number;
  samplingInterval: number;
  /** Not given: the capture may make the interval finer; auto: finer or coarser; a size: fixed (capture/live/sampling-rate.ts). */
  adaptSampling: SamplingAdaptation | undefined;
  exact: boolean;
  rules: { everyMs?: number; growthBytes?: number; nearLimit?: number; atEnd: boolean };
  threshold: number;
  /** Judge open handles by creation stack (the handle agent in the target). */
  handles: boolean;
  /** Sample each worker thread's heap too (live/worker-sites.ts). */
  workers: boolean;
  holdersMs: number;
  /** --max-snapshot-memory, in bytes; null: what is free for the target. */
  maxSnapshotMemory: number | null;
  html?: string;
  /** `--inlining`: leave V8's inlining on in the program. */
  inlining: boolean;
  /** `--light-after`: judged quiet time before watching lightly; null: never. */
  lightAfterMs: number | null;
}

export async function parseLiveOptions(v: OptionValues): Promise<LiveSettings> {
  const threshold = Number(v.threshold);
  if (!(threshold > 0 && threshold <= 1)) {
    const { UsageError } = await import('../errors.js');
    throw new UsageError(`--threshold must be a probability in (0, 1], got '${v.threshold}'`);
  }
  const opt = (name: string): string | undefined => (v[name] === undefined ? undefined : String(v[name]));
  const budget = await parseBudget(opt('measure-budget')!);
  return {
    out: opt('out'),
    durationMs: opt('duration') !== undefined ? parseDuration('duration', opt('duration')!) : undefined,
    warmupMs: parseDuration('warmup', opt('warmup')!),
    measure:
      opt('measure-every') === undefined
        ? { baseMs: DEFAULT_MEASURE_MS, budget }
        : { baseMs: Math.max(200, parseDuration('measure-every', opt('measure-every')!)), budget: null },
    seriesEveryMs: Math.max(100, parseDuration('series-every', opt('series-every')!)),
    samplingInterval:
      opt('sampling-interval') === undefined || opt('sampling-interval') === 'auto'
        ? DEFAULT_SAMPLING_INTERVAL
        : Math.max(1, parseSize('sampling-interval', opt('sampling-interval')!)),
    adaptSampling: opt('sampling-interval') === undefined ? 'finer' : opt('sampling-interval') === 'auto' ? 'both' : undefined,
    exact: v.exact === true,
    rules: {
      everyMs: opt('snapshot-every') !== undefined ? parseDuration('snapshot-every', opt('snapshot-every')!) : undefined,
      growthBytes: opt('snapshot-on-growth') !== undefined ? parseSize('snapshot-on-growth', opt('snapshot-on-growth')!) : undefined,
      nearLimit: v['snapshot-near-limit'] === true ? 0.9 : undefined,
      atEnd: v['no-end-snapshot'] !== true,
    },
    threshold,
    handles: v['no-handles'] !== true,
    workers: v['no-workers'] !== true,
    holdersMs: opt('holders') === '0' ? 0 : parseDuration('holders', opt('holders')!),
    maxSnapshotMemory: opt('max-snapshot-memory') !== undefined ? parseSize('max-snapshot-memory', opt('max-snapshot-memory')!) : null,
    html: opt('html'),
    inlining: v.inlining === true,
    lightAfterMs: ['never', 'off'].includes(opt('light-after')!) ? null : parseDuration('light-after', opt('light-after')!),
  };
}

/** `3%` or `0.03`: a share in (0, 1]. */
async function parseBudget(text: string): Promise<number> {
  const percent = text.trim().endsWith('%');
  const value = Number(text.trim().replace(/%$/, '')) / (percent ? 100 : 1);
  if (!(value > 0 && value <= 1)) {
    const { UsageError } = await import('../errors.js');
    throw new UsageError(`--measure-budget expects a share of CPU time such as 3% or 0.03, got '${text}'`);
  }
  return value;
}
