import type { OutstandingHandle } from '../../capture/agent/agent-types.js';
import { isRuntimeFrame } from '../attribution.js';
import type { Frame } from '../../model/frame.js';

/**
 * What other handle tools report and nobody can act on, recognised from the handle itself
 * and its stack — never dropped silently: each filtered handle is counted under its reason,
 * and `--all` shows them.
 */
export interface FilteredGroup {
  reason: string;
  count: number;
  types: string[];
}

export interface NoiseResult {
  kept: OutstandingHandle[];
  filtered: FilteredGroup[];
}

type StackLookup = (handle: OutstandingHandle, which: 'stack' | 'own') => readonly Frame[];

const REASONS = {
  dnsDefault: "Node's default DNS resolver (one per thread, made when node:dns first loads)",
  tlsLayer: 'TLS layer of a TCP socket listed under the same stack',
  internalFileHandle: "FileHandles opened by Node's own code with no frame of the program (e.g. fs.promises.readFile in flight)",
  workerPorts: "a Worker's internal message ports (the WORKER is listed)",
  stdio: 'standard streams (fd 0, 1, 2)',
} as const;

function hasFrame(frames: readonly Frame[], test: (f: Frame) => boolean): boolean {
  for (const f of frames) if (test(f)) return true;
  return false;
}

/** Sorts handles into those worth showing and the known noise, with a reason per group. */
export function filterNoise(handles: readonly OutstandingHandle[], stackOf: StackLookup): NoiseResult {
  const tcpStacks = new Set<string>();
  for (const h of handles) if (h.type === 'TCPWRAP') tcpStacks.add(`${h.pid}:${h.threadId}:${h.stackId}`);
  const kept: OutstandingHandle[] = [];
  const byReason = new Map<string, FilteredGroup>();
  for (const h of handles) {
    const reason = noiseReason(h, stackOf, tcpStacks);
    if (reason === null) {
      kept.push(h);
      continue;
    }
    let group = byReason.get(reason);
    if (!group) {
      group = { reason, count: 0, types: [] };
      byReason.set(reason, group);
    }
    group.count++;
    if (!group.types.includes(h.type)) group.types.push(h.type);
  }
  return { kept, filtered: [...byReason.values()].sort((a, b) => b.count - a.count) };
}

function noiseReason(h: OutstandingHandle, stackOf: StackLookup, tcpStacks: Set<string>): string | null {
  switch (h.type) {
    case 'DNSCHANNEL':
      return hasFrame(stackOf(h, 'own'), (f) => f.functionName.includes('getDefaultResolver')) ? REASONS.dnsDefault : null;
    case 'TLSWRAP':
      return tcpStacks.has(`${h.pid}:${h.threadId}:${h.stackId}`) ? REASONS.tlsLayer : null;
    case 'FILEHANDLE':
      return hasFrame(stackOf(h, 'stack'), (f) => !isRuntimeFrame(f)) ? null : REASONS.internalFileHandle;
    case 'MESSAGEPORT':
      return hasFrame(stackOf(h, 'own'), (f) => f.functionName === 'new Worker' && f.file.startsWith('node:')) ? REASONS.workerPorts : null;
    case 'TTYWRAP':
    case 'PIPEWRAP':
    case 'TCPWRAP':
      if (h.fd !== null && h.fd <= 2 && h.fd >= 0) return REASONS.stdio;
      // A TTY handle has no fd property; Node's lazy process.stdout/stderr/stdin getters made it.
      return hasFrame(stackOf(h, 'own'), (f) => /^process\.get(Stdout|Stderr|Stdin)$/.test(f.functionName) && f.file.startsWith('node:'))
        ? REASONS.stdio
        : null;
    default:
      return null;
  }
}
