import { readFileSync } from 'node:fs';
import type { SamplingProfile, SamplingProfileNode } from '../../capture/heap/sampling-sampler.js';
import { frameOfCallFrame } from '../../capture/heap/sampling-sampler.js';
import { InputError } from '../../errors.js';
import { StackTable } from '../../model/stack-table.js';

/**
 * A V8 sampling heap profile (CDP `HeapProfiler.getSamplingProfile`, Chrome's `.heapprofile`)
 * as stacks with live bytes and objects per stack, for the report's breakdowns and icicle and
 * for pprof export.
 *
 * V8 already scales each node's `selfSize` to an estimate of all bytes allocated there (every
 * sampled object of size s stands for 1 / (1 − e^(−s/interval)) objects). The object count is
 * estimated the same way from the raw `samples`, which needs the sampling interval; without
 * it, counts are the number of sampled objects and say so.
 */
export interface ProfileStacks {
  /** Stacks with `bytesOf` = estimated live bytes and `countOf` = objects, self (not children). */
  stacks: StackTable;
  totalBytes: number;
  totalCount: number;
  /** True when counts are estimates of all objects; false when they count samples only. */
  countsScaled: boolean;
  sampleCount: number;
}

/** Reads a `.heapprofile` file; a one-line InputError when it is not one. */
export function readHeapProfile(file: string): SamplingProfile {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputError(`${file}: not a readable heap profile (${(err as Error).message})`);
  }
  const p = value as Partial<SamplingProfile> | null;
  if (!p || typeof p !== 'object' || !p.head || typeof p.head !== 'object' || !Array.isArray(p.head.children) || !p.head.callFrame) {
    throw new InputError(`${file}: not a V8 sampling heap profile (no head node with call frames)`);
  }
  return p as SamplingProfile;
}

export function profileStacks(profile: SamplingProfile, interval: number | null): ProfileStacks {
  const stacks = new StackTable();
  const stackOfNode = new Map<number, number>();
  let totalBytes = 0;
  const work: [SamplingProfileNode, number][] = (profile.head.children ?? []).map((c) => [c, StackTable.EMPTY]);
  while (work.length > 0) {
    const [node, parent] = work.pop()!;
    const stack = stacks.child(parent, stacks.internFrame(frameOfCallFrame(node.callFrame)));
    stackOfNode.set(node.id, stack);
    const self = Number(node.selfSize) || 0;
    if (self > 0) {
      stacks.record(stack, 0, self);
      totalBytes += self;
    }
    for (const c of node.children ?? []) work.push([c, stack]);
  }
  let totalCount = 0;
  const samples = profile.samples ?? [];
  const scaled = interval !== null && interval > 0;
  for (const s of samples) {
    const stack = stackOfNode.get(s.nodeId);
    if (stack === undefined) continue;
    const n = scaled ? 1 / (1 - Math.exp(-s.size / interval)) : 1;
    stacks.record(stack, n, 0);
    totalCount += n;
  }
  return { stacks, totalBytes, totalCount, countsScaled: scaled, sampleCount: samples.length };
}
