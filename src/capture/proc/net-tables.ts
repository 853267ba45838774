import { readFileSync } from 'node:fs';

/**
 * The kernel's socket tables for a process's network namespace (/proc/<pid>/net/tcp, tcp6,
 * udp, udp6, unix), keyed by socket inode — the number `socket:[N]` links in /proc/<pid>/fd
 * point to. Addresses are decoded from the kernel's hex (each 32-bit word in host order,
 * little-endian on the machines this runs on).
 */
export interface SocketInfo {
  protocol: 'tcp' | 'tcp6' | 'udp' | 'udp6' | 'unix';
  /** `127.0.0.1:8080`, `[::1]:443`, or a Unix socket path ('' when unnamed). */
  local: string;
  /** Peer address; null for listening, unconnected and Unix sockets. */
  remote: string | null;
  /** LISTEN, ESTABLISHED, TIME_WAIT, ... (Unix: UNCONNECTED, CONNECTED, ...). */
  state: string;
}

const TCP_STATES: Record<number, string> = {
  1: 'ESTABLISHED',
  2: 'SYN_SENT',
  3: 'SYN_RECV',
  4: 'FIN_WAIT1',
  5: 'FIN_WAIT2',
  6: 'TIME_WAIT',
  7: 'CLOSE',
  8: 'CLOSE_WAIT',
  9: 'LAST_ACK',
  10: 'LISTEN',
  11: 'CLOSING',
};
const UNIX_STATES: Record<number, string> = { 1: 'UNCONNECTED', 2: 'CONNECTING', 3: 'CONNECTED', 4: 'DISCONNECTING' };

/** `0100007F:1F90` → `127.0.0.1:8080`; 32 hex digits → `[v6]:port`. */
export function decodeAddress(hex: string): string {
  const [host, portHex] = hex.split(':');
  const port = parseInt(portHex, 16);
  if (host.length === 8) {
    const n = parseInt(host, 16);
    return `${n & 0xff}.${(n >>> 8) & 0xff}.${(n >>> 16) & 0xff}.${n >>> 24}:${port}`;
  }
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = parseInt(host.slice(w * 8, w * 8 + 8), 16);
    bytes.push(word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24);
  }
  // IPv4-mapped (::ffff:a.b.c.d) prints as such.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `[::ffff:${bytes.slice(12).join('.')}]:${port}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return `[${compressV6(groups)}]:${port}`;
}

function compressV6(groups: string[]): string {
  let bestAt = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestAt < 0) return groups.join(':');
  return `${groups.slice(0, bestAt).join(':')}::${groups.slice(bestAt + bestLen).join(':')}`;
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(1);
  } catch {
    return [];
  }
}

function parseInet(protocol: SocketInfo['protocol'], text: string[], out: Map<number, SocketInfo>): void {
  for (const line of text) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const inode = Number(f[9]);
    if (!inode) continue;
    const state = parseInt(f[3], 16);
    const udp = protocol.startsWith('udp');
    const remote = decodeAddress(f[2]);
    const unconnected = /:0$/.test(remote) && /^(0\.0\.0\.0|\[::\])/.test(remote);
    out.set(inode, {
      protocol,
      local: decodeAddress(f[1]),
      remote: state === 10 || unconnected ? null : remote,
      state: udp ? (unconnected ? 'UNCONNECTED' : 'CONNECTED') : (TCP_STATES[state] ?? String(state)),
    });
  }
}

/** Every socket of the process's network namespace by inode. Missing tables are skipped. */
export function readSocketTable(pid: number | 'self'): Map<number, SocketInfo> {
  const out = new Map<number, SocketInfo>();
  for (const protocol of ['tcp', 'tcp6', 'udp', 'udp6'] as const) parseInet(protocol, readLines(`/proc/${pid}/net/${protocol}`), out);
  for (const line of readLines(`/proc/${pid}/net/unix`)) {
    // Num RefCount Protocol Flags Type St Inode [Path]
    const f = line.trim().split(/\s+/);
    if (f.length < 7) continue;
    const inode = Number(f[6]);
    if (!inode) continue;
    const flags = parseInt(f[3], 16);
    out.set(inode, {
      protocol: 'unix',
      local: f.slice(7).join(' '),
      remote: null,
      state: flags & 0x10000 ? 'LISTEN' : (UNIX_STATES[parseInt(f[5], 16)] ?? f[5]),
    });
  }
  return out;
}
