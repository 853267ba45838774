import type { OutstandingHandle } from '../../capture/agent/agent-types.js';
import type { Frame } from '../../model/frame.js';
import type { AttributionOptions } from '../attribution.js';
import { SourceMaps, mapFrames } from '../source-maps.js';
import { groupHandles, type HandleGroup } from './group.js';
import { type FilteredGroup, filterNoise } from './noise.js';

/** Outstanding handles as a report: noise set aside (and counted), the rest grouped by stack. */
export interface HandleReport {
  /** Handles outstanding, noise included. */
  total: number;
  /** Handles in `groups`. */
  shown: number;
  /** Handles (in groups) that hold the event loop open. */
  keepingAlive: number;
  groups: HandleGroup[];
  /** What was set aside and why (empty with `all`). */
  filtered: FilteredGroup[];
}

/**
 * Frames of one of a handle's stack ids (its `stackId` or `ownStackId`), innermost first.
 * Ids are numbered per agent, so the handle says whose (pid, and thread for records read
 * from a capture folder).
 */
export type StackFrames = (handle: OutstandingHandle, stackId: number) => readonly Frame[];

export function buildHandleReport(
  handles: readonly OutstandingHandle[],
  frames: StackFrames,
  options: { all?: boolean; attribution?: AttributionOptions; withMembers?: boolean; sourceMaps?: SourceMaps } = {},
): HandleReport {
  const { kept, filtered } = options.all
    ? { kept: handles.slice(), filtered: [] }
    : filterNoise(handles, (h, which) => frames(h, which === 'own' ? h.ownStackId : h.stackId));
  const groups = groupHandles(kept, (h) => frames(h, h.stackId), options.attribution, options.withMembers);
  // Creation stacks are V8's positions in the code that ran: moved to the original source
  // where a script on disk has a source map (compiled TypeScript, a bundle).
  mapGroupFrames(groups, options.sourceMaps ?? new SourceMaps());
  return {
    total: handles.length,
    shown: kept.length,
    keepingAlive: groups.reduce((n, g) => n + g.keepingAlive, 0),
    groups,
    filtered,
  };
}

function mapGroupFrames(groups: HandleGroup[], maps: SourceMaps): void {
  for (const g of groups) {
    const note = mapFrames(g, maps);
    if (note) g.evidence += `; ${note}`;
  }
}
