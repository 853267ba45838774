/**
 * Capture rules: when `run`/`attach` take a heap snapshot (the classic "Memory and Handle
 * Leak" rule that dumps at intervals, on growth, near the limit). Pure logic over the memory
 * series; the capture loop asks after each series point.
 */
export interface CaptureRules {
  /** Every N ms. */
  everyMs?: number;
  /** When RSS or heap used has grown by this many bytes since the last snapshot (or start). */
  growthBytes?: number;
  /** Once, when heap used passes this fraction of V8's heap limit (e.g. 0.9). */
  nearLimit?: number;
  /** When the capture ends (target still alive, or at its exit). */
  atEnd: boolean;
}

export interface RuleState {
  lastSnapshotAt: number;
  baseline: { rss: number; heapUsed: number } | null;
  nearLimitFired: boolean;
}

export function newRuleState(now: number): RuleState {
  return { lastSnapshotAt: now, baseline: null, nearLimitFired: false };
}

/** The reason to snapshot now, or null. Updates `state` when a rule fires. */
export function ruleToFire(
  rules: CaptureRules,
  state: RuleState,
  sample: { t: number; rss: number; heapUsed: number; heapLimit: number },
): { reason: string; message: string } | null {
  if (!state.baseline) state.baseline = { rss: sample.rss, heapUsed: sample.heapUsed };
  if (
    rules.nearLimit !== undefined &&
    !state.nearLimitFired &&
    sample.heapLimit > 0 &&
    sample.heapUsed >= rules.nearLimit * sample.heapLimit
  ) {
    state.nearLimitFired = true;
    return fired(
      state,
      sample,
      'near-limit',
      `heap used reached ${Math.round((100 * sample.heapUsed) / sample.heapLimit)}% of V8's heap limit`,
    );
  }
  if (rules.growthBytes !== undefined) {
    const rssGrowth = sample.rss - state.baseline.rss;
    const heapGrowth = sample.heapUsed - state.baseline.heapUsed;
    if (rssGrowth >= rules.growthBytes || heapGrowth >= rules.growthBytes) {
      const which = rssGrowth >= rules.growthBytes ? `RSS grew ${mib(rssGrowth)}` : `heap used grew ${mib(heapGrowth)}`;
      return fired(state, sample, 'growth', `${which} since the last snapshot`);
    }
  }
  if (rules.everyMs !== undefined && sample.t - state.lastSnapshotAt >= rules.everyMs) {
    return fired(state, sample, 'interval', `${Math.round(rules.everyMs / 1000)} s since the last snapshot`);
  }
  return null;
}

function fired(state: RuleState, sample: { t: number; rss: number; heapUsed: number }, reason: string, message: string) {
  state.lastSnapshotAt = sample.t;
  state.baseline = { rss: sample.rss, heapUsed: sample.heapUsed };
  return { reason, message };
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
