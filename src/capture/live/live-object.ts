import { preview } from '../../analysis/snapshot/list.js';
import { CaptureError } from '../../errors.js';
import type { InspectorSession } from '../inspector/session.js';

/**
 * The `dc` of the classic toolbox for a live Node process: one object read through the
 * inspector by its heap snapshot id (`HeapProfiler.getObjectByHeapObjectId`), with its own
 * properties and, for ArrayBuffers, Buffers, typed arrays and DataViews, the bytes
 * themselves — which a snapshot file never holds.
 *
 * Heap object ids belong to the target's heap profiler: they stay valid while that profiler
 * keeps its id map, i.e. for snapshots the process wrote itself (v8.writeHeapSnapshot,
 * --heapsnapshot-signal) and for snapshots taken in the same inspector session. Closing an
 * inspector session that used the heap profiler clears the map, so ids from an earlier
 * `run`/`attach` snapshot are not valid later; such an id is reported as unknown.
 */
export interface LiveProperty {
  name: string;
  /** Protocol type: object, string, number, function, … (and the subtype when there is one). */
  type: string;
  /** A short rendering of the value (strings quoted and truncated). */
  value: string;
  /** For a Buffer, ArrayBuffer or typed array value: its first bytes. */
  bytes?: LiveBytes;
}

export interface LiveBytes {
  /** Length in bytes of the view (or buffer). */
  total: number;
  /** The first `shown` bytes. */
  shown: number[];
}

export interface LiveObject {
  id: number;
  type: string;
  subtype: string | null;
  className: string | null;
  description: string;
  properties: LiveProperty[];
  /** Properties left out (beyond the limit). */
  moreProperties: number;
  bytes: LiveBytes | null;
}

interface RemoteObject {
  type: string;
  subtype?: string;
  className?: string;
  value?: unknown;
  unserializableValue?: string;
  description?: string;
  objectId?: string;
}

const GROUP = 'leaktrace-show';

export async function readLiveObject(
  session: InspectorSession,
  id: number,
  options: { maxProperties?: number; maxBytes?: number; maxString?: number } = {},
): Promise<LiveObject> {
  const maxProperties = options.maxProperties ?? 50;
  const maxBytes = options.maxBytes ?? 256;
  const maxString = options.maxString ?? 120;
  let remote: RemoteObject;
  try {
    const r = await session.post<{ result: RemoteObject }>('HeapProfiler.getObjectByHeapObjectId', {
      objectId: String(id),
      objectGroup: GROUP,
    });
    remote = r.result;
  } catch {
    throw new CaptureError(
      `object @${id} is not known to the target's heap profiler: it was collected, or its id comes from a snapshot of an earlier inspector session (ids stay valid for snapshots the process wrote itself; or pick objects live with --constructor)`,
    );
  }
  const out: LiveObject = {
    id,
    type: remote.type,
    subtype: remote.subtype ?? null,
    className: remote.className ?? null,
    description: render(remote, maxString),
    properties: [],
    moreProperties: 0,
    bytes: null,
  };
  if (!remote.objectId) return out;
  try {
    const props = await session.post<{ result: { name: string; value?: RemoteObject; get?: RemoteObject }[] }>('Runtime.getProperties', {
      objectId: remote.objectId,
      ownProperties: true,
      generatePreview: false,
    });
    // Index properties of a big array or typed array would drown the rest: named ones first.
    const all = props.result.filter((p) => p.value !== undefined || p.get !== undefined);
    const named = all.filter((p) => !/^\d+$/.test(p.name));
    const indexed = all.filter((p) => /^\d+$/.test(p.name));
    const isBytes = isBinary(remote);
    const ordered = isBytes ? named : [...named, ...indexed];
    out.properties = ordered.slice(0, maxProperties).map((p) => ({
      name: p.name,
      type: p.value ? typeOf(p.value) : 'accessor',
      value: p.value ? render(p.value, maxString) : '(getter)',
    }));
    // Binary properties get a one-line preview of their bytes (a few of them: each is a call).
    let previews = 0;
    for (const [i, p] of ordered.slice(0, maxProperties).entries()) {
      if (previews >= 8 || !p.value?.objectId || !isBinary(p.value)) continue;
      out.properties[i].bytes = await readBytes(session, p.value.objectId, 16);
      previews++;
    }
    out.moreProperties = Math.max(0, ordered.length - maxProperties);
    if (isBytes) out.bytes = await readBytes(session, remote.objectId, maxBytes);
  } finally {
    await session.post('Runtime.releaseObjectGroup', { objectGroup: GROUP }).catch(() => undefined);
  }
  return out;
}

/** The first bytes of an ArrayBuffer or any view of one, read inside the target. */
async function readBytes(session: InspectorSession, objectId: string, max: number): Promise<LiveBytes> {
  const r = await session.post<{ result: { value?: LiveBytes }; exceptionDetails?: unknown }>('Runtime.callFunctionOn', {
    objectId,
    functionDeclaration: `function (max) {
      const u = ArrayBuffer.isView(this) ? new Uint8Array(this.buffer, this.byteOffset, this.byteLength) : new Uint8Array(this);
      return { total: u.length, shown: Array.from(u.subarray(0, max)) };
    }`,
    arguments: [{ value: max }],
    returnByValue: true,
    silent: true,
  });
  if (r.exceptionDetails || !r.result.value) return { total: 0, shown: [] }; // a detached buffer
  return r.result.value;
}

function isBinary(o: RemoteObject): boolean {
  return o.subtype === 'arraybuffer' || o.subtype === 'typedarray' || o.subtype === 'dataview';
}

function typeOf(o: RemoteObject): string {
  return o.subtype ? `${o.type}/${o.subtype}` : o.type;
}

function render(o: RemoteObject, maxString: number): string {
  if (o.type === 'string') {
    const s = String(o.value ?? '');
    return JSON.stringify(s.length > maxString ? `${s.slice(0, maxString)}…` : s) + (s.length > maxString ? ` (${s.length} chars)` : '');
  }
  if (o.unserializableValue !== undefined) return o.unserializableValue;
  if (o.type === 'undefined') return 'undefined';
  if (o.value !== undefined && o.type !== 'object') return String(o.value);
  if (o.subtype === 'null') return 'null';
  return preview(o.description ?? o.className ?? o.type, maxString);
}

/** `dc`-style lines: offset, 16 bytes in hex, and the printable ASCII beside them. */
export function hexDump(bytes: readonly number[]): string[] {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = bytes.slice(off, off + 16);
    const hex = row.map((b) => b.toString(16).padStart(2, '0'));
    const left = hex.slice(0, 8).join(' ');
    const right = hex.slice(8).join(' ');
    const ascii = row.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|`);
  }
  return lines;
}
