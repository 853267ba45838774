/**
 * When to start capturing handle creation stacks. The handle agent's async hook costs a busy
 * program a few percent (Node then runs a JavaScript hook for every promise it creates), so
 * by default it stays dormant and the leak finder only counts what is open, by type, at each
 * measurement (process.getActiveResourcesInfo() in the target, /proc/<pid>/fd for
 * descriptors; both cost nothing between measurements). A count that rose at RISES
 * measurements in a row wakes the agent: a leak keeps going, so what it opens from then on
 * carries its stack and the leak is judged by stack as usual. A busy server whose connection
 * count happens to rise four times running wakes it needlessly; that costs only overhead,
 * never a false report.
 */

/** Consecutive rises of one count that start stack capture. */
export const RISES = 3;

export class HandleGrowthWatch {
  private readonly history = new Map<string, number[]>();

  /**
   * Feeds the counts of one measurement (by resource type; 'fd' for open descriptors).
   * Returns why stack capture should start, or null.
   */
  observe(counts: Readonly<Record<string, number>>): string | null {
    const types = new Set([...this.history.keys(), ...Object.keys(counts)]);
    for (const type of types) {
      let h = this.history.get(type);
      if (!h) this.history.set(type, (h = []));
      h.push(counts[type] ?? 0);
      if (h.length > RISES + 1) h.shift();
    }
    for (const [type, h] of this.history) {
      if (h.length === RISES + 1 && h.every((n, i) => i === 0 || n > h[i - 1])) {
        return `the number of open ${type === 'fd' ? 'descriptors' : `${type} resources`} rose at ${RISES} measurements in a row (${h.join(' → ')})`;
      }
    }
    return null;
  }
}
