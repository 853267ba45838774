import type { Frame } from '../../model/frame.js';

/**
 * What the HTML report shows, as plain data: built from a check report, a capture folder or
 * heap snapshots (the `from-*.ts` collectors), rendered by `render-page.ts`. Keeping this
 * apart from both ends means every input gets the same page, and the page is tested on data
 * that real leaktrace commands produced.
 */
export interface ReportData {
  /** The page title, e.g. `leaktrace check app/op.js`. */
  title: string;
  /** What the report was made from, in words. */
  source: string;
  generatedAt: string;
  leaktraceVersion: string;
  verdict: Verdict;
  memory: MemoryChart | null;
  /** True when a leak finder judged growth (check, leaks.json): the suspects section is shown even when empty. */
  leakFinder: boolean;
  /** Suspects ranked by probability, most likely first. */
  suspects: SuspectView[];
  /** Sites that grew without convincing evidence. */
  belowThreshold: SuspectView[];
  /** Bar charts: outstanding (or grown) bytes by package and by site. */
  breakdowns: Breakdown[];
  /** Allocation stacks as an icicle, when a profile or allocation stacks exist. */
  flame: FlameGraph | null;
  /** Handles still open, grouped by type and creation stack. */
  handles: HandleTable | null;
  /** Extra tables (snapshot statistics, diffs, candidate clusters). */
  tables: TableSection[];
  events: EventRow[];
  /** The capture's facts: target, Node version, when tracking began, duration, version. */
  facts: Fact[];
  /** What tracking could not see (e.g. anything before it began). Shown near the top. */
  notes: string[];
  /** What is missing or damaged in the input. */
  problems: string[];
  /** What was left out to keep the page small (caps), in words. */
  omitted: string[];
}

export interface Verdict {
  level: 'leak' | 'clean' | 'unknown';
  /** One line: how many suspects, total growth rate, the most likely one. */
  text: string;
}

export interface Fact {
  label: string;
  value: string;
}

export interface MemoryChart {
  /** `time`: xs are seconds since tracking began; `iteration`: runs of the operation. */
  xKind: 'time' | 'iteration';
  xs: number[];
  series: { name: string; unit: 'bytes' | 'count'; values: (number | null)[] }[];
  /** Moments to mark on the chart: snapshots taken, rules fired. */
  marks: { x: number; label: string; kind: 'snapshot' | 'rule' | 'other' }[];
  /** Set when the series was thinned to fit the page. */
  note?: string;
}

export type FrameRole = 'user' | 'package' | 'internal';

export interface FrameView extends Frame {
  role: FrameRole;
  /** The package name for `package` frames. */
  pkg: string | null;
}

export interface SuspectView {
  rank: number;
  kind: string;
  /** Handle type for handle leaks. */
  resource: string | null;
  probability: number;
  site: Frame | null;
  userFrame: Frame | null;
  package: string | null;
  /** The variable of the user's code that keeps it (Leak.keptIn, as `clients (/app/a.js:3)`), when known. */
  keptIn: string | null;
  /** What the kept objects are (Leak.shape, in words), when the holders snapshot showed it. */
  madeOf: string | null;
  rate: { unit: 'iteration' | 'minute'; bytes: number; count: number } | null;
  /** The evidence, one clause per entry. */
  evidence: string[];
  series: { x: number[]; bytes: number[]; count: number[]; xKind: 'time' | 'iteration' } | null;
  stack: FrameView[];
  /** Frames cut from a very deep stack. */
  stackOmitted: number;
  retainerPaths: string[][];
}

export interface Breakdown {
  id: string;
  title: string;
  /** What the numbers are, in words. */
  note: string;
  rows: { label: string; detail?: string; bytes: number; count?: number }[];
  total: number;
  /** Column headings where they are not the default (package or site; objects). */
  columns?: { key: string; count: string };
}

export interface FlameNode {
  name: string;
  /** `file:line` when known. */
  where: string;
  role: FrameRole;
  /** Bytes at this node and below. */
  total: number;
  self: number;
  children: FlameNode[];
}

export interface FlameGraph {
  title: string;
  note: string;
  root: FlameNode;
}

export interface HandleTable {
  note: string;
  rows: HandleRow[];
}

/** Open handles of one type opened by one stack (analysis/handles/group.ts). */
export interface HandleRow {
  type: string;
  count: number;
  /** How many hold the event loop open (what keeps the process from exiting). */
  keepingAlive: number;
  /** Open but unref'd: alive, not keeping the process running. */
  unrefd: number;
  site: Frame | null;
  userFrame: Frame | null;
  package: string | null;
  /** Addresses, paths, delays: what a few of them are about. */
  details: string[];
  evidence: string;
  stack: FrameView[];
  stackOmitted: number;
}

export interface TableSection {
  id: string;
  title: string;
  note?: string;
  columns: { header: string; numeric?: boolean }[];
  rows: string[][];
  /** Retainer paths or stacks shown under the table, one block per entry. */
  details?: { title: string; lines: string[] }[];
}

export interface EventRow {
  /** Seconds since tracking began (or since the first event). */
  at: number | null;
  type: string;
  message: string;
}

/** Caps that keep a report of a big capture quick to open; what they cut is listed in `omitted`. */
export const REPORT_LIMITS = {
  seriesPoints: 2000,
  suspects: 50,
  belowThreshold: 20,
  stackFrames: 60,
  retainerPaths: 3,
  retainerPathSteps: 40,
  breakdownRows: 15,
  flameNodes: 4000,
  handleRows: 200,
  events: 300,
  tableRows: 100,
} as const;
