import { type CommandSpec, GLOBAL_OPTIONS, type OptionSpec } from './command.js';

export function mainHelp(commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'leaktrace — find memory and handle leaks in Node.js programs',
    '',
    'usage: leaktrace <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Every command takes --json. 'leaktrace <command> --help' for details.",
    'Exit codes: 0 all well, 1 a leak was found, 2 a usage or input error.',
  ].join('\n');
}

export function commandHelp(spec: CommandSpec): string {
  const all: [string, OptionSpec][] = [...Object.entries(spec.options), ...Object.entries(GLOBAL_OPTIONS)];
  const flags = all.map(([name, o]) => {
    const short = o.short ? `-${o.short}, ` : '    ';
    const value = o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : '';
    return [
      `  ${short}--${name}${value}`,
      o.description + (o.default !== undefined && o.default !== false ? ` (default: ${o.default})` : ''),
    ];
  });
  const width = Math.max(...flags.map(([f]) => f.length));
  return [
    `usage: leaktrace ${spec.usage}`,
    '',
    spec.summary,
    ...(spec.details ? ['', spec.details.trimEnd()] : []),
    '',
    'options:',
    ...flags.map(([f, d]) => `${f.padEnd(width)}  ${d}`),
  ].join('\n');
}
