import { linearFit, mannKendall } from './statistics.js';

/**
 * Is this series growing, and does it keep growing? The leak finder's judgement for one
 * allocation site, handle stack or native stack — generic over what is measured and over x
 * (iterations of an operation, or milliseconds of wall time).
 *
 * A leak is growth that goes on: many steps up, a significant monotonic trend, and a rate
 * in the later part of the run close to the rate over the whole run. A cache, a pool or a
 * lazily built table grows and then stops: its late rate falls towards zero, and however
 * strong its early trend, it is not called a leak. Each ingredient is kept as evidence.
 */
export interface GrowthEvidence {
  /** Measurements used (after warm-up). */
  points: number;
  /** Steps between consecutive measurements, and how many went up. */
  steps: number;
  stepsUp: number;
  /** Mann–Kendall one-sided p-value of "no upward trend". */
  trendP: number;
  /** Growth per unit of x over the whole run (least squares) and the fit's R². */
  slope: number;
  r2: number;
  /** Growth per unit of x over the later half of the run. */
  lateSlope: number;
  /** lateSlope / slope, clamped to [0, 1.5]: ~1 for steady growth, ~0 once growth stopped. */
  persistence: number;
  /** Last value minus first. */
  totalGrowth: number;
  first: number;
  last: number;
}

export function measureGrowth(x: readonly number[], y: readonly number[]): GrowthEvidence {
  const n = y.length;
  let stepsUp = 0;
  for (let i = 1; i < n; i++) if (y[i] > y[i - 1]) stepsUp++;
  const fit = linearFit(x, y);
  const half = Math.floor(n / 2);
  // The later half, sharing its first point with the earlier one, needs at least 3 points.
  const lateFrom = Math.min(half, Math.max(0, n - 3));
  const late = linearFit(x.slice(lateFrom), y.slice(lateFrom));
  const persistence = fit.slope > 0 ? Math.max(0, Math.min(1.5, late.slope / fit.slope)) : 0;
  return {
    points: n,
    steps: Math.max(0, n - 1),
    stepsUp,
    trendP: mannKendall(y).p,
    slope: fit.slope,
    r2: fit.r2,
    lateSlope: late.slope,
    persistence,
    totalGrowth: n > 0 ? y[n - 1] - y[0] : 0,
    first: y[0] ?? 0,
    last: y[n - 1] ?? 0,
  };
}

export interface LeakJudgement {
  /** 0..1. */
  probability: number;
  /** Why, in words. */
  reasons: string[];
}

/**
 * Turns growth evidence into a probability. Multiplicative, so any one missing ingredient
 * pulls it down: no significant trend, growth that stopped (a cache), or too few steps up.
 *   trend        1 − p of Mann–Kendall
 *   persistence  late rate ≥ 80 % of the overall rate → 1, ≤ 20 % → 0, linear between
 *   steadiness   0.5 + 0.5 × (steps up / steps)
 *   linearity    0.5 + 0.5 × R²
 * `minGrowth` is the least total growth that can matter (e.g. one object per step);
 * below it the probability is 0 whatever the shape.
 */
export function judgeGrowth(e: GrowthEvidence, options: { minGrowth: number }): LeakJudgement {
  const reasons: string[] = [];
  if (e.points < 4) return { probability: 0, reasons: ['fewer than 4 measurements: no judgement possible'] };
  if (e.totalGrowth < options.minGrowth || e.slope <= 0) {
    return { probability: 0, reasons: [`no net growth above the noise floor (${round(e.totalGrowth)} < ${round(options.minGrowth)})`] };
  }
  const trend = 1 - e.trendP;
  const persistence = Math.max(0, Math.min(1, (e.persistence - 0.2) / 0.6));
  const steadiness = 0.5 + 0.5 * (e.steps > 0 ? e.stepsUp / e.steps : 0);
  const linearity = 0.5 + 0.5 * e.r2;
  const probability = trend * persistence * steadiness * linearity;
  reasons.push(`grew in ${e.stepsUp} of ${e.steps} steps`);
  reasons.push(`Mann–Kendall trend p = ${formatP(e.trendP)}`);
  reasons.push(`linear fit R² = ${e.r2.toFixed(2)}`);
  if (e.persistence >= 0.8) reasons.push(`the later half grew at ${pct(e.persistence)} of the overall rate (still growing)`);
  else if (e.persistence <= 0.2)
    reasons.push(`the later half grew at only ${pct(e.persistence)} of the overall rate: growth stopped, as a filling cache or pool does`);
  else reasons.push(`the later half grew at ${pct(e.persistence)} of the overall rate: growth is slowing`);
  return { probability, reasons };
}

function formatP(p: number): string {
  return p < 0.0001 ? '< 0.0001' : p.toFixed(p < 0.01 ? 4 : 2);
}

function pct(r: number): string {
  return `${Math.round(r * 100)}%`;
}

function round(v: number): string {
  return Math.abs(v) >= 100 ? Math.round(v).toString() : v.toFixed(1);
}
