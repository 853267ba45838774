import { parseArgs } from 'node:util';
import { isUserError } from '../errors.js';
import { LEAKTRACE_VERSION } from '../version.js';
import { type CommandSpec, GLOBAL_OPTIONS, type OptionSpec } from './command.js';
import { commands } from './commands/index.js';
import { commandHelp, mainHelp } from './help.js';
import { Output } from './output/output.js';

/**
 * The command line: find the command, parse its flags, run it, and turn what happens into an
 * exit code — 0 all well, 1 a leak was found, 2 a usage or input error. Errors a user can
 * cause print as one line; anything else is a bug and prints with its stack.
 */
export async function main(argv: string[]): Promise<number> {
  const out = new Output({ quiet: argv.includes('--quiet') || argv.includes('-q') });
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? argv[1] : undefined;
    const spec = topic ? commands.find((c) => c.name === topic) : undefined;
    out.print(spec ? commandHelp(spec) : mainHelp(commands));
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-v') {
    out.print(LEAKTRACE_VERSION);
    return 0;
  }
  const spec = commands.find((c) => c.name === first);
  if (!spec) {
    process.stderr.write(`leaktrace: unknown command '${first}' (try 'leaktrace --help')\n`);
    return 2;
  }
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // With --json, a command that fails before its result still puts one JSON document on stdout:
  // a machine reading it gets the error, not an empty stream.
  const dashDash = argv.indexOf('--');
  const json = (dashDash >= 0 ? argv.slice(0, dashDash) : argv).includes('--json');
  const fail = (message: string, exitCode: number, kind: 'usage' | 'input' | 'internal'): number => {
    if (json && !out.wrote) out.json({ error: { command: spec.name, kind, message, exitCode } });
    return exitCode;
  };
  try {
    return await runCommand(spec, argv.slice(1), out, controller.signal, (message) => fail(message, 2, 'usage'));
  } catch (err) {
    if (isUserError(err)) {
      process.stderr.write(`leaktrace ${spec.name}: ${err.message}\n`);
      return fail(err.message, err.exitCode, 'input');
    }
    process.stderr.write(`leaktrace ${spec.name}: internal error (this is a bug in leaktrace, please report it)\n`);
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return fail(`internal error: ${err instanceof Error ? err.message : String(err)}`, 2, 'internal');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function runCommand(
  spec: CommandSpec,
  args: string[],
  out: Output,
  signal: AbortSignal,
  usageFailed: (message: string) => number,
): Promise<number> {
  const usage = (s: CommandSpec, message: string): number => {
    printUsage(s, message);
    return usageFailed(message);
  };
  let own = args;
  let rest: string[] = [];
  const dashDash = args.indexOf('--');
  if (dashDash >= 0) {
    own = args.slice(0, dashDash);
    rest = args.slice(dashDash + 1);
    if (!spec.takesCommand) return usage(spec, `'--' is not used by 'leaktrace ${spec.name}'`);
  }
  const options: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS, ...spec.options };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: own,
      options: Object.fromEntries(
        Object.entries(options).map(([name, o]) => [
          name,
          {
            type: o.type,
            ...(o.short !== undefined ? { short: o.short } : {}),
            ...(o.multiple !== undefined ? { multiple: o.multiple } : {}),
            ...(o.default !== undefined ? { default: o.default as never } : {}),
          },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return usage(spec, (err as Error).message.split('\n')[0]);
  }
  if (parsed.values.help) {
    out.print(commandHelp(spec));
    return 0;
  }
  const positionals = parsed.positionals;
  if (positionals.length < spec.positionals.min) return usage(spec, 'missing argument');
  if (positionals.length > spec.positionals.max) return usage(spec, `unexpected argument '${positionals[spec.positionals.max]}'`);
  if (spec.takesCommand && rest.length === 0 && spec.positionals.min === 0 && positionals.length === 0) {
    return usage(spec, 'missing the program to run after --');
  }
  return spec.run({
    positionals,
    rest,
    values: parsed.values as Record<string, string | boolean | string[] | boolean[] | undefined>,
    json: parsed.values.json === true,
    out,
    signal,
  });
}

function printUsage(spec: CommandSpec, message: string): void {
  process.stderr.write(`leaktrace ${spec.name}: ${message}\nusage: leaktrace ${spec.usage} (see 'leaktrace ${spec.name} --help')\n`);
}

// Writing to a closed pipe (`leaktrace ... | head`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});
