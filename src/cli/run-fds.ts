import { countByKind, diffFdTables } from '../analysis/fds/fd-changes.js';
import { type FdEntry, processCommand, readFdTable } from '../capture/proc/fd-table.js';
import { CaptureError } from '../errors.js';
import { renderFdChangeLines, renderFdTable } from '../report/fds-text.js';
import type { CommandContext } from './command.js';

/**
 * `leaktrace fds <pid>`: one reading, or with --watch a reading every interval. On a terminal
 * the table is redrawn with the changes marked; otherwise only the changes are printed, one
 * line each. Ends on Ctrl-C, after --count refreshes, or when the process exits.
 */
export async function runFds(
  ctx: CommandContext,
  pid: number,
  options: { watch: boolean; intervalMs: number; count?: number },
): Promise<number> {
  const command = processCommand(pid);
  let entries = readFdTable(pid);
  if (!options.watch) {
    if (ctx.json) ctx.out.json({ pid, command, count: entries.length, byKind: countByKind(entries), fds: entries });
    else ctx.out.print(renderFdTable(pid, command, entries, { width: ctx.out.width }));
    return 0;
  }
  const redraw = ctx.out.interactive && !ctx.json;
  let totalOpened = 0;
  let totalClosed = 0;
  const started = entries.length;
  const show = (refresh: number, opened: readonly FdEntry[], closed: readonly FdEntry[]): void => {
    const t = new Date().toISOString();
    const summary = `refresh ${refresh} · ${entries.length} open (${started} at start) · +${opened.length} -${closed.length} since last · ${totalOpened} opened, ${totalClosed} closed since start`;
    if (ctx.json) {
      process.stdout.write(
        `${JSON.stringify({ t, pid, refresh, count: entries.length, byKind: countByKind(entries), opened, closed, totalOpened, totalClosed })}\n`,
      );
    } else if (redraw) {
      const marks = new Map<number, '+' | '-'>(opened.map((e) => [e.fd, '+']));
      const heading = `pid ${pid}${command ? `: ${command}` : ''} — ${summary}`;
      ctx.out.stdout.write('\x1b[H\x1b[2J');
      ctx.out.print(renderFdTable(pid, command, entries, { width: ctx.out.width, marks, closed, heading }));
      ctx.out.note('(Ctrl-C to stop)');
    } else {
      if (refresh === 0) ctx.out.print(renderFdTable(pid, command, entries, { width: ctx.out.width }));
      for (const line of renderFdChangeLines(t, opened, closed)) ctx.out.print(line);
      if (refresh > 0) ctx.out.print(`${t} ${summary}`);
    }
  };
  show(0, [], []);
  for (let refresh = 1; options.count === undefined || refresh <= options.count; refresh++) {
    const stopped = await sleep(options.intervalMs, ctx.signal);
    if (stopped) break;
    let next: FdEntry[];
    try {
      next = readFdTable(pid);
    } catch (err) {
      if (err instanceof CaptureError && err.message.startsWith('no process')) {
        ctx.out.note(`process ${pid} exited`);
        break;
      }
      throw err;
    }
    const { opened, closed } = diffFdTables(entries, next);
    totalOpened += opened.length;
    totalClosed += closed.length;
    entries = next;
    show(refresh, opened, closed);
  }
  return 0;
}

/** Resolves true if the signal aborted the wait. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
