import type { CommandSpec } from '../command.js';
import { attachCommand } from './attach.js';
import { checkCommand } from './check.js';
import { runCommand } from './run.js';
import { diffCommand } from './diff.js';
import { exportCommand } from './export.js';
import { fdsCommand } from './fds.js';
import { handlesCommand } from './handles.js';
import { listCommand } from './list.js';
import { nativeCommand } from './native.js';
import { reportCommand } from './report.js';
import { showCommand } from './show.js';
import { statCommand } from './stat.js';
import { summaryCommand } from './summary.js';

/** Every command, in the order `leaktrace --help` lists them. */
export const commands: CommandSpec[] = [
  runCommand,
  attachCommand,
  checkCommand,
  summaryCommand,
  statCommand,
  listCommand,
  showCommand,
  diffCommand,
  handlesCommand,
  fdsCommand,
  nativeCommand,
  reportCommand,
  exportCommand,
];
