/**
 * The few statistics the leak finder needs, written out so their behaviour on tiny series
 * (8 to 20 points) is known exactly. No dependencies.
 */

/** Least-squares line y = intercept + slope·x, with R² (1 for a perfect fit; 0 when flat). */
export function linearFit(x: readonly number[], y: readonly number[]): { slope: number; intercept: number; r2: number } {
  const n = x.length;
  if (n < 2) return { slope: 0, intercept: y[0] ?? 0, r2: 0 };
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return { slope: 0, intercept: my, r2: 0 };
  const slope = sxy / sxx;
  const r2 = syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept: my - slope * mx, r2 };
}

/**
 * Mann–Kendall trend test, one-sided for an increasing trend: S counts ordered pairs that go
 * up minus those that go down; with tie-corrected variance and continuity correction, the
 * p-value of "no trend" from the normal approximation (adequate from n ≈ 8; for n < 4 the
 * test cannot show anything and p = 1).
 */
export function mannKendall(y: readonly number[]): { s: number; z: number; p: number } {
  const n = y.length;
  if (n < 4) return { s: 0, z: 0, p: 1 };
  let s = 0;
  for (let i = 0; i < n - 1; i++) for (let j = i + 1; j < n; j++) s += Math.sign(y[j] - y[i]);
  const ties = new Map<number, number>();
  for (const v of y) ties.set(v, (ties.get(v) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of ties.values()) if (t > 1) tieTerm += t * (t - 1) * (2 * t + 5);
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  if (variance <= 0) return { s, z: 0, p: 1 };
  const z = s > 0 ? (s - 1) / Math.sqrt(variance) : s < 0 ? (s + 1) / Math.sqrt(variance) : 0;
  return { s, z, p: 1 - normalCdf(z) };
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 via erf; error < 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(z)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** P(X ≤ k) for X ~ Poisson(λ): how likely at most k events are when λ are expected. */
export function poissonCdf(k: number, lambda: number): number {
  if (k < 0) return 0;
  if (lambda <= 0) return 1;
  let term = Math.exp(-lambda);
  let sum = term;
  for (let i = 1; i <= Math.floor(k); i++) {
    term *= lambda / i;
    sum += term;
    if (term < 1e-12 && i > lambda) break;
  }
  return Math.min(1, sum);
}

/**
 * P(X ≤ k) for X ~ Binomial(n, p), summed in log space (exact for the sample counts it is
 * used on: tens to a few thousand).
 */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n || p <= 0) return 1;
  if (p >= 1) return 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  // log C(n, 0) p^0 q^n, then each next term by the ratio (n − i)/(i + 1) · p/q.
  let logTerm = n * lq;
  let sum = Math.exp(logTerm);
  for (let i = 0; i < Math.floor(k); i++) {
    logTerm += Math.log((n - i) / (i + 1)) + lp - lq;
    sum += Math.exp(logTerm);
  }
  return Math.min(1, sum);
}
