import type { CommandSpec } from '../command.js';
import { parseChoice } from '../parse-values.js';

export const exportCommand: CommandSpec = {
  name: 'export',
  summary: 'write a heap profile as pprof (Pyroscope, Parca, go tool pprof) or Chrome .heapprofile',
  usage: 'export <capture-folder | file.heapprofile | file.heapsnapshot> --format pprof|heapprofile [-o FILE] [--anonymize]',
  details: [
    'A capture folder exports its last sampling heap profile; a .heapsnapshot taken with allocation',
    'tracking exports its live objects per allocation stack (and everything allocated while tracking',
    'was on, as alloc_*). pprof: gzipped profile.proto with inuse_objects/inuse_space (alloc_* when',
    "known). heapprofile: Chrome's format, which DevTools' Memory panel loads.",
    '--anonymize replaces the paths and function names of your own code (outside node_modules) and',
    'other strings with stable hashes; sizes, counts and stack shapes are kept.',
  ].join('\n'),
  options: {
    format: { type: 'string', valueName: 'pprof|heapprofile', description: 'output format', default: 'pprof' },
    output: { type: 'string', short: 'o', valueName: 'FILE', description: 'where to write (default: heap.pb.gz or heap.heapprofile)' },
    anonymize: { type: 'boolean', description: 'hash your paths, function names and strings (sizes and shapes kept)' },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const format = parseChoice('format', String(ctx.values.format), ['pprof', 'heapprofile'] as const);
    const file = (ctx.values.output as string | undefined) ?? (format === 'pprof' ? 'heap.pb.gz' : 'heap.heapprofile');
    const { exportHeapProfile } = await import('../../report/export/export-profile.js');
    const { formatBytes, formatCount } = await import('../output/format.js');
    const r = await exportHeapProfile(ctx.positionals[0], file, { format, anonymize: ctx.values.anonymize === true, signal: ctx.signal });
    if (ctx.json) ctx.out.json(r);
    else {
      ctx.out.print(
        `${r.file}: ${format === 'pprof' ? 'pprof profile.proto (gzipped)' : 'Chrome .heapprofile'}, ${formatCount(r.stacks)} stacks, ${formatBytes(r.inuse.bytes)} in ${formatCount(r.inuse.objects)} live objects${r.alloc ? `; ${formatBytes(r.alloc.bytes)} in ${formatCount(r.alloc.objects)} objects allocated in all` : ''}${r.anonymized ? '; anonymized' : ''} (${formatBytes(r.fileBytes)})`,
      );
      for (const n of r.notes) ctx.out.print(`note: ${n}`);
    }
    return 0;
  },
};
