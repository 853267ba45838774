import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError, OperationError } from '../errors.js';

/** One run of the operation under test, and its optional one-time setup and teardown. */
export interface Operation {
  file: string;
  run: () => unknown;
  setup?: () => unknown;
  teardown?: () => unknown;
}

/**
 * Loads a module whose default export is one run of the operation (ESM or CommonJS; a
 * CommonJS `module.exports = fn` counts as the default export), with optional `setup` and
 * `teardown` exports.
 */
export async function loadOperation(path: string): Promise<Operation> {
  const file = resolve(path);
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError(`${path}: no such file`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code === 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw new InputError(`${path}: cannot load this kind of file (for TypeScript, install tsx in the project or use Node >= 22.6)`);
    }
    throw new OperationError(`${path}: loading the module failed: ${firstLine(e)}`, { cause: err });
  }
  // CommonJS `module.exports = { default, setup }` arrives as mod.default = that object.
  const inner = mod.default && typeof mod.default === 'object' ? (mod.default as Record<string, unknown>) : null;
  const pick = (name: string): unknown => mod[name] ?? inner?.[name];
  const run = typeof mod.default === 'function' ? mod.default : inner?.default;
  if (typeof run !== 'function') {
    throw new InputError(
      `${path}: the default export must be a function (one run of the operation to check), found ${describe(run ?? mod.default)}`,
    );
  }
  const setup = pick('setup');
  const teardown = pick('teardown');
  for (const [name, value] of [
    ['setup', setup],
    ['teardown', teardown],
  ] as const) {
    if (value !== undefined && typeof value !== 'function')
      throw new InputError(`${path}: the ${name} export must be a function, found ${describe(value)}`);
  }
  return {
    file,
    run: run as () => unknown,
    setup: setup as (() => unknown) | undefined,
    teardown: teardown as (() => unknown) | undefined,
  };
}

function describe(v: unknown): string {
  return v === undefined ? 'no default export' : v === null ? 'null' : typeof v;
}

export function firstLine(err: unknown): string {
  const e = err as Error;
  return String(e?.message ?? err).split('\n')[0];
}
