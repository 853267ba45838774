import { countByKind } from '../analysis/fds/fd-changes.js';
import type { FdEntry } from '../capture/proc/fd-table.js';
import { renderTable } from '../cli/output/table.js';

/** The descriptor view: a heading, counts per kind, then every descriptor (marked in watch mode). */
export function renderFdTable(
  pid: number,
  command: string,
  entries: readonly FdEntry[],
  options: { width?: number; marks?: Map<number, '+' | '-'>; closed?: readonly FdEntry[]; heading?: string } = {},
): string {
  const width = options.width ?? 120;
  const lines = [
    options.heading ?? `pid ${pid}${command ? `: ${command}` : ''} — ${entries.length} open descriptor${entries.length === 1 ? '' : 's'}`,
    '',
  ];
  lines.push(
    renderTable(
      [
        { header: 'kind', value: (r: { kind: string }) => r.kind },
        { header: 'count', value: (r: { count: number }) => String(r.count), align: 'right' },
      ],
      countByKind(entries),
      width,
    ),
  );
  lines.push('');
  const rows: { mark: string; entry: FdEntry }[] = entries.map((entry) => ({ mark: options.marks?.get(entry.fd) ?? ' ', entry }));
  for (const entry of options.closed ?? []) rows.push({ mark: '-', entry });
  rows.sort((a, b) => a.entry.fd - b.entry.fd || (a.mark === '-' ? -1 : 1));
  const marked = options.marks !== undefined || (options.closed?.length ?? 0) > 0;
  lines.push(
    renderTable(
      [
        ...(marked ? [{ header: ' ', value: (r: (typeof rows)[number]) => r.mark }] : []),
        { header: 'fd', value: (r: (typeof rows)[number]) => String(r.entry.fd), align: 'right' as const },
        { header: 'kind', value: (r: (typeof rows)[number]) => r.entry.kind },
        { header: 'mode', value: (r: (typeof rows)[number]) => r.entry.mode ?? '' },
        { header: 'description', value: (r: (typeof rows)[number]) => r.entry.description, flexible: true },
      ],
      rows,
      width,
    ),
  );
  return lines.join('\n');
}

/** One line per change, for watch mode when stdout is not a terminal. */
export function renderFdChangeLines(time: string, opened: readonly FdEntry[], closed: readonly FdEntry[]): string[] {
  return [
    ...closed.map((e) => `${time} - fd ${e.fd} ${e.kind} ${e.description}`),
    ...opened.map((e) => `${time} + fd ${e.fd} ${e.kind} ${e.description}`),
  ];
}
