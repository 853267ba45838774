import type { CommandSpec } from '../command.js';

export const reportCommand: CommandSpec = {
  name: 'report',
  summary: 'write a self-contained HTML report of a capture folder, a check report or 1-3 snapshots',
  usage: 'report <capture-folder | check-report.json | snapshot...> [-o report.html]',
  details: [
    'One HTML file with everything inlined (scripts, styles, data): it opens offline, loads nothing',
    'from the network, and prints. It shows a verdict, memory over time with snapshot moments, the',
    'leak suspects with their evidence, growth series, stacks and retainer paths, bytes by package',
    'and by site, an icicle of allocation stacks, open handles, events and the capture facts.',
    'Inputs: a capture folder (also one cut short: the report says what is missing), the output of',
    '`leaktrace check --json`, or .heapsnapshot files (1: summary, 2: diff, 3: leak candidates).',
    'Exit code 1 when the report shows a leak.',
  ].join('\n'),
  options: {
    output: { type: 'string', short: 'o', valueName: 'FILE', description: 'where to write the report', default: 'leaktrace-report.html' },
  },
  positionals: { min: 1, max: 3 },
  async run(ctx) {
    const { resolveReportInput } = await import('../../report/html/report-input.js');
    const { writeHtmlReport } = await import('../../report/html/write-html-report.js');
    const { formatBytes } = await import('../output/format.js');
    const input = resolveReportInput(ctx.positionals);
    const bar = ctx.out.progress('report');
    const file = String(ctx.values.output);
    const result = await writeHtmlReport(input, file, { onProgress: bar.update, signal: ctx.signal }).finally(() => bar.done());
    if (ctx.json) ctx.out.json(result);
    else {
      ctx.out.print(result.verdict.text);
      for (const p of result.problems) ctx.out.print(`missing: ${p}`);
      ctx.out.print(`HTML report: ${result.file} (${formatBytes(result.bytes)})`);
    }
    return result.verdict.level === 'leak' ? 1 : 0;
  },
};
