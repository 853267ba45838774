import type { CommandSpec } from '../command.js';

/** Every command, in the order `leaktrace --help` lists them. */
export const commands: CommandSpec[] = [];
