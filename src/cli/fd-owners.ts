import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { attribute } from '../analysis/attribution.js';
import { controlSocketPath, requestAgent } from '../capture/agent/control-client.js';
import { formatFrame } from '../model/frame.js';
import { ATTRIBUTION, type OutstandingReply } from './handles-view.js';

/**
 * When the process runs leaktrace's agent, each descriptor can be named by the handle that
 * holds it and the line that opened it: the agent knows every handle's fd (from the handle
 * itself, and from the libuv list of the diagnostic report). Empty when there is no agent
 * or it does not answer quickly: /proc alone still tells what the descriptor is.
 */
export async function fdOwners(pid: number): Promise<Map<number, string>> {
  const owners = new Map<number, string>();
  if (!existsSync(controlSocketPath(pid))) return owners;
  owners.set(-1, controlSocketPath(pid)); // the agent's own socket, recognised by its path
  try {
    const reply = await requestAgent<OutstandingReply>(pid, 'outstanding', { libuv: true }, { timeoutMs: 2000 });
    for (const h of reply.handles) {
      if (h.fd === null || h.fd < 0 || h.pid !== pid) continue;
      const a = attribute(reply.stacks[h.stackId] ?? [], ATTRIBUTION);
      const where = a.userFrame ?? a.site;
      // The file's base name keeps the table readable; --json has the same with full paths.
      owners.set(h.fd, `${h.type}${where ? ` at ${formatFrame({ ...where, file: basename(where.file) })}` : ''}`);
    }
  } catch {}
  return owners;
}
