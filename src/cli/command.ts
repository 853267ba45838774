import type { Output } from './output/output.js';

/**
 * A command is declared as data (its options, positionals and help) plus a `run` function.
 * The declaration is cheap to import: command files import library code only inside `run`
 * (with `await import(...)`), so `leaktrace --help` does not load the snapshot parser.
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** May be given several times; the value is then an array. */
  multiple?: boolean;
  /** Shown in help, e.g. `N`, `FILE`, `type|constructor`. */
  valueName?: string;
  description: string;
  default?: string | boolean;
}

export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface CommandContext {
  /** Positional arguments before `--`. */
  positionals: string[];
  /** Everything after `--` (for commands that run a program). */
  rest: string[];
  values: OptionValues;
  /** True when `--json` was given: print one JSON document on stdout and nothing else there. */
  json: boolean;
  out: Output;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly and keep what they captured. */
  signal: AbortSignal;
}

export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage after `leaktrace `, e.g. `summary <snapshot>`. */
  usage: string;
  /** More help: what it prints, examples. */
  details?: string;
  options: Record<string, OptionSpec>;
  positionals: { min: number; max: number };
  /** Accepts `-- <command...>` after its own arguments. */
  takesCommand?: boolean;
  /** Subcommands (e.g. `handles snapshot <pid>`) are dispatched by the command itself. */
  run(ctx: CommandContext): Promise<number>;
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'print one JSON document on stdout instead of tables' },
  help: { type: 'boolean', short: 'h', description: 'show help for this command' },
  quiet: { type: 'boolean', short: 'q', description: 'no progress output on stderr' },
};

/**
 * `--constructor` is every object's inherited key, so it cannot be written in an options
 * literal: this adds it by name, and `constructorOption` reads it as an own value only.
 */
export function addConstructorOption(spec: CommandSpec, option: Omit<OptionSpec, 'type'>): void {
  Object.defineProperty(spec.options, 'constructor', { value: { type: 'string', ...option } satisfies OptionSpec, enumerable: true });
}

export function constructorOption(values: OptionValues): string | undefined {
  const v = Object.hasOwn(values, 'constructor') ? values['constructor'] : undefined;
  return typeof v === 'string' ? v : undefined;
}
