import { readProcFile } from './proc-file.js';

/** Clock ticks per second in /proc/PID/stat: USER_HZ, 100 on every Linux architecture Node runs on. */
export const CLOCK_TICKS_PER_SECOND = 100;

/**
 * The fields of /proc/PID/stat after the command name — index 0 is field 3 (state), so field
 * N is at N − 3 — or null where /proc cannot tell (not Linux, the process gone). The name
 * (field 2) is in parentheses and may hold spaces: the fields are counted from after it.
 */
export function procStatFields(pid: number): string[] | null {
  const stat = readProcFile(`/proc/${pid}/stat`);
  return stat === null ? null : stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
