import type { OutstandingHandle } from '../../capture/agent/agent-types.js';

/**
 * Outstanding handles counted per (type, creation stack): the series the leak finder scores
 * for growth, one count per measurement. Stack ids are one agent's (a process's) numbering,
 * stable for its life, so the same key means the same site across measurements.
 */
export interface HandleSiteCount {
  /** `${type}:${stackId}` */
  key: string;
  type: string;
  stackId: number;
  count: number;
  /** Of `count`, how many hold the event loop open. */
  keepingAlive: number;
}

export function countHandleSites(handles: readonly OutstandingHandle[]): Map<string, HandleSiteCount> {
  const out = new Map<string, HandleSiteCount>();
  for (const h of handles) {
    const key = `${h.type}:${h.stackId}`;
    let c = out.get(key);
    if (c === undefined) {
      c = { key, type: h.type, stackId: h.stackId, count: 0, keepingAlive: 0 };
      out.set(key, c);
    }
    c.count++;
    if (h.keepsAlive) c.keepingAlive++;
  }
  return out;
}
