import type { HandleGroup } from '../../src/analysis/handles/group.js';
import type { Frame } from '../../src/model/frame.js';

/** A handle group as the agent's report makes it: `count` open handles made at `site`, overridable field by field. */
export function handleGroup(site: Frame, count: number, fields: Partial<HandleGroup> = {}): HandleGroup {
  return {
    type: 'TCPWRAP',
    count,
    keepingAlive: count,
    unrefd: 0,
    site,
    userFrame: site,
    package: null,
    stack: [site],
    origin: 'created',
    evidence: '',
    threads: [0],
    pids: [1],
    details: [],
    oldestCreatedAt: 0,
    asyncIds: [],
    ...fields,
  };
}
