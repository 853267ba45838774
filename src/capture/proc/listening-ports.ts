import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The TCP ports a process listens on, from /proc: its socket inodes (/proc/PID/fd) matched
 * against the listening sockets of /proc/PID/net/tcp and tcp6 (state 0A). Used to find the
 * inspector port that SIGUSR1 opened in *that* process, not whatever else listens on 9229.
 */
export function listeningPorts(pid: number): { address: string; port: number }[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {}
  }
  const out: { address: string; port: number }[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9])) continue;
      const [hexAddr, hexPort] = f[1].split(':');
      out.push({ address: decodeAddress(hexAddr), port: parseInt(hexPort, 16) });
    }
  }
  return out;
}

/** /proc/net/tcp writes IPv4 addresses as one little-endian 32-bit hex word. */
function decodeAddress(hex: string): string {
  if (hex.length === 8) {
    const n = parseInt(hex, 16);
    return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
  }
  return hex === '00000000000000000000000001000000' ? '::1' : hex === '00000000000000000000000000000000' ? '::' : `[${hex}]`;
}
