import { SnapshotAnalysis } from '../analysis/snapshot/analysis.js';
import { listObjects } from '../analysis/snapshot/list.js';
import { type AttachTarget, attachToInspector, attachToPid, detachFrom } from '../capture/live/attach.js';
import { hexDump, type LiveObject, readLiveObject } from '../capture/live/live-object.js';
import { streamSnapshot } from '../capture/heap/snapshot-stream.js';
import { describeSkippedSnapshot, judgeSnapshotRoom } from '../capture/live/snapshot-room.js';
import { CaptureError } from '../errors.js';
import type { CommandContext } from './command.js';
import { formatBytes } from './output/format.js';

export interface LiveShowRequest {
  /** A local pid (SIGUSR1), or an inspector already open. */
  target: AttachTarget;
  /** Objects by heap snapshot id… */
  ids: number[];
  /** …or the largest live objects of one class, picked from a snapshot taken in this session. */
  constructorName?: string;
  limit: number;
  maxBytes: number;
  maxProperties: number;
  /** --max-snapshot-memory (bytes), or null: what is free for the process (snapshot-room.ts). */
  maxSnapshotMemory: number | null;
}

/**
 * `leaktrace show --pid PID @ID | --constructor C`: reads objects in a running Node process
 * through its inspector (opened with SIGUSR1 and closed again after, or one already open,
 * given as HOST:PORT or ws://…, left open), with their properties and, for binary data, a
 * hex dump of the bytes.
 */
export async function liveShow(ctx: CommandContext, req: LiveShowRequest): Promise<number> {
  const attached =
    'pid' in req.target
      ? { ...(await attachToPid(req.target.pid)), pid: req.target.pid, local: true }
      : await attachToInspector(req.target);
  const pid = attached.pid;
  const objects: LiveObject[] = [];
  let picked: { matched: number; className: string } | null = null;
  try {
    let ids = req.ids;
    if (req.constructorName !== undefined) {
      // Not one that would not fit in the program's memory (snapshot-room.ts): a tool that
      // reads a production process must not get it killed.
      const heap = await attached.session.post<{ result: { value?: unknown } }>('Runtime.evaluate', {
        expression: 'process.memoryUsage().heapUsed',
        returnByValue: true,
      });
      if (typeof heap.result.value === 'number') {
        const verdict = judgeSnapshotRoom(heap.result.value, attached.local ? pid : null, req.maxSnapshotMemory);
        if (!verdict.fits)
          throw new CaptureError(describeSkippedSnapshot(`snapshot for --constructor ${req.constructorName}`, heap.result.value, verdict));
      }
      // A snapshot taken in this session, so its ids are valid for the reads that follow.
      const bar = ctx.out.progress(`heap snapshot of process ${pid}`);
      try {
        const snapshot = await streamSnapshot(attached.session, { parse: true, onProgress: bar.update });
        const list = listObjects(
          new SnapshotAnalysis(snapshot!, { onProgress: bar.update }),
          { constructorName: req.constructorName },
          { limit: req.limit },
        );
        ids = list.rows.map((r) => r.id);
        picked = { matched: list.matched, className: req.constructorName };
      } finally {
        bar.done();
      }
    }
    for (const id of ids)
      objects.push(await readLiveObject(attached.session, id, { maxBytes: req.maxBytes, maxProperties: req.maxProperties }));
  } finally {
    await detachFrom(attached);
  }
  if (ctx.json) {
    ctx.out.json({ pid: pid, picked, objects });
    return 0;
  }
  const lines: string[] = [];
  if (picked) {
    lines.push(
      picked.matched === 0
        ? `no live ${picked.className} objects in process ${pid}`
        : `${picked.matched} live ${picked.className} objects in process ${pid}; the ${objects.length} largest by retained size:`,
    );
  }
  for (const o of objects) lines.push('', ...renderLiveObject(o));
  lines.push(
    '',
    attached.openedByUs
      ? 'detached; the inspector leaktrace opened was closed again'
      : 'detached; the inspector was already open and stays open',
  );
  ctx.out.print(lines.join('\n'));
  return 0;
}

function renderLiveObject(o: LiveObject): string[] {
  const kind = o.subtype ? `${o.type}/${o.subtype}` : o.type;
  const name = o.className ?? kind;
  const lines = [`@${o.id}  ${name}${o.description !== name ? `  ${o.description}` : ''}`];
  if (o.properties.length > 0) {
    const width = Math.min(30, Math.max(...o.properties.map((p) => p.name.length)));
    for (const p of o.properties) {
      const bytes = p.bytes
        ? `  ${p.bytes.shown.map((b) => b.toString(16).padStart(2, '0')).join(' ')}${p.bytes.total > p.bytes.shown.length ? ' …' : ''}`
        : '';
      lines.push(`  ${p.name.padEnd(width)}  ${p.value}${bytes}`);
    }
    if (o.moreProperties > 0) lines.push(`  … ${o.moreProperties} more properties (--edges to show more)`);
  }
  if (o.bytes) {
    lines.push(
      `  bytes: ${formatBytes(o.bytes.total)}${o.bytes.shown.length < o.bytes.total ? `, the first ${o.bytes.shown.length} shown (--bytes for more)` : ''}`,
    );
    for (const l of hexDump(o.bytes.shown)) lines.push(`  ${l}`);
  }
  return lines;
}
