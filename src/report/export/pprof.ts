import { gzipSync } from 'node:zlib';
import { Profile, StringTable } from 'pprof-format';
import type { Anonymizer } from './anonymize.js';
import type { ExportSource } from './export-source.js';

/**
 * A heap profile as pprof's `profile.proto`, gzipped — what continuous-profiling backends
 * (Pyroscope, Parca) and `go tool pprof` read. Encoded with `pprof-format` (Datadog's
 * maintained pure-JS encoder). Sample types: inuse_objects, inuse_space, and alloc_objects,
 * alloc_space when the input knows what was ever allocated. One location per frame, one
 * sample per stack, leaf first as pprof expects. Values are integers: estimates are rounded.
 */
export function encodePprof(src: ExportSource, anonymizer?: Anonymizer): Buffer {
  const strings = new StringTable();
  const str = (s: string): number => strings.dedup(s);
  const functions: { id: number; name: number; systemName: number; filename: number; startLine: number }[] = [];
  const locations: { id: number; line: { functionId: number; line: number; column: number }[] }[] = [];
  const locationOfFrame = new Map<number, number>();
  const locationFor = (frameId: number): number => {
    let id = locationOfFrame.get(frameId);
    if (id === undefined) {
      const raw = src.stacks.frame(frameId);
      const f = anonymizer ? anonymizer.frame(raw) : raw;
      id = locations.length + 1;
      const name = str(f.functionName || '(anonymous)');
      functions.push({ id, name, systemName: name, filename: str(f.file), startLine: f.line });
      locations.push({ id, line: [{ functionId: id, line: f.line, column: f.column }] });
      locationOfFrame.set(frameId, id);
    }
    return id;
  };
  const sampleType = [
    { type: str('inuse_objects'), unit: str('count') },
    { type: str('inuse_space'), unit: str('bytes') },
  ];
  if (src.alloc) sampleType.push({ type: str('alloc_objects'), unit: str('count') }, { type: str('alloc_space'), unit: str('bytes') });
  const samples: { locationId: number[]; value: number[] }[] = [];
  for (const id of src.ids) {
    const value = [Math.round(src.inuse.count(id)), Math.round(src.inuse.bytes(id))];
    if (src.alloc) value.push(Math.round(src.alloc.count(id)), Math.round(src.alloc.bytes(id)));
    if (value.every((v) => v === 0)) continue;
    samples.push({ locationId: src.stacks.frameIdsOf(id).map(locationFor), value });
  }
  const comment = [
    str(`leaktrace export of ${anonymizer ? anonymizer.text(src.description) : src.description}`),
    ...src.notes.map((n) => str(n)),
  ];
  const profile = new Profile({
    sampleType,
    sample: samples,
    location: locations,
    function: functions,
    stringTable: strings,
    timeNanos: src.timeMs !== null ? BigInt(Math.round(src.timeMs)) * 1_000_000n : 0,
    durationNanos: src.durationMs !== null ? BigInt(Math.round(src.durationMs)) * 1_000_000n : 0,
    periodType: { type: str('space'), unit: str('bytes') },
    period: src.samplingInterval ?? 0,
    comment,
    defaultSampleType: str('inuse_space'),
  });
  return gzipSync(profile.encode());
}
