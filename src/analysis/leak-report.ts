import type { Frame } from '../model/frame.js';

/**
 * The leak finder's result: what `leaktrace check --json` prints, what `checkLeaks` returns,
 * what `leaks.json` in a capture folder holds and what the HTML report renders.
 * Lines and columns are 1-based.
 */
export type LeakKind = 'heap' | 'external' | 'handle' | 'native';

export interface Leak {
  kind: LeakKind;
  /** The allocation (or creation) site: the first frame that is not runtime code. */
  site: Frame | null;
  /** The first frame in the user's own code: the line the user can change. */
  userFrame: Frame | null;
  /** The responsible package: a name, `node:` for Node internals, null for the user's code. */
  package: string | null;
  /** Native leaks: the module (.so, executable, .node addon) of the site. */
  module?: string | null;
  /** Native leaks: what was still allocated (or open) at the end. */
  outstanding?: { count: number; bytes: number };
  /** Handle type (TCPWRAP, Timeout, fd, ...) for handle leaks; null otherwise. */
  resource: string | null;
  /** 0..1: how likely this is a real leak, from the evidence below. */
  probability: number;
  /** Growth per iteration of the operation (check), null where there are no iterations. */
  perIteration: { bytes: number; count: number } | null;
  /** Growth per minute of wall time (run/attach), null where not measured. */
  perMinute?: { bytes: number; count: number } | null;
  /** The stack, innermost first. */
  stack: Frame[];
  /** Plain words: what was measured and why this probability. */
  evidence: string;
  /** The measurements behind the probability: x is iterations (check) or ms since start (run). */
  series?: { x: number[]; bytes: number[]; count: number[] };
  /** Retainer paths of a few sample objects, root first, as edge/node descriptions. */
  retainerPaths?: string[][];
  /**
   * What the leak is made of, from the holders snapshot: the commonest shape among the site's
   * outermost live objects — a constructor, a plain object's keys, a closure's function.
   */
  shape?: ObjectShape;
  /**
   * The last variable of the user's own code on the first holders path (kept-in.ts): what
   * keeps the leak, in the user's code, even where no frame of it is on the allocation stacks.
   */
  keptIn?: KeptIn;
  /** Leaks in a worker thread's heap (run/attach): the worker, as Node's inspector names it, and its script. */
  worker?: { id: string; url: string };
}

/** A variable of the user's code, and where it is declared (1-based; null when not found in the source). */
export interface KeptIn {
  variable: string;
  /** The variable and the properties the holders path follows from it: `registry.items`. */
  expression: string;
  file: string;
  line: number | null;
  column: number | null;
  /** A bound its declaration passes (`max: 20000`, declarations.ts declaredBound), when there is one. */
  bound?: string;
  /**
   * A variable of a scope made once per call that the holders path runs through link after
   * link (PathVariable.chain): each call's value keeps the one before it. Absent when none.
   */
  chain?: { variable: string; file: string; line: number | null; column: number | null };
  /**
   * The holders path does not run through the variable but through an object it holds (a
   * framework's own closure over the application object the program's `app` is): the
   * expression starts from that object (PathVariable.holdsObjectOnPath).
   */
  holdsObjectOnPath?: true;
}

export interface ObjectShape {
  /** The constructor's name (`Object` for a literal, `Array`, `Map`, a class; `Function` for closures). */
  className: string;
  /**
   * Plain objects: the keys they certainly have, in the order they were added; `moreProperties`,
   * keys after those that they perhaps have (the snapshot shows a key for certain only where its
   * value is an object, not a small number). Both [] for other objects.
   */
  properties: string[];
  moreProperties: string[];
  /** Closures: their function's name ('' if anonymous) and where it is defined (1-based). */
  functionName?: string;
  defined?: { line: number; column: number };
  /** How many of the site's outermost live objects (`tops`: not held inside another of its objects) have this shape. */
  objects: number;
  tops: number;
  /**
   * Set when the tracker attributed too few objects to read a shape, and the kind that voted
   * on the holders was read in the site's source (the one object literal its function makes,
   * or the one class it news): `objects` and `tops` are then the snapshot's objects of that kind.
   */
  votedBy?: 'source';
}

export interface LeakReport {
  iterations: number;
  warmup: number;
  leaks: Leak[];
  [key: string]: unknown;
}

/**
 * Most likely first; between equally likely leaks, the one growing faster (bytes, then count,
 * per run or per minute) — not the order they were judged in (the README's example showed
 * Node's "(V8 API)" data first and the program's own audit line second, both at p 0.995).
 */
export function mostLikelyFirst(a: Leak, b: Leak): number {
  const rate = (l: Leak): { bytes: number; count: number } => l.perIteration ?? l.perMinute ?? { bytes: 0, count: 0 };
  return b.probability - a.probability || rate(b).bytes - rate(a).bytes || rate(b).count - rate(a).count;
}
