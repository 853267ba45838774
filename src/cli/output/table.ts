/**
 * Plain-text tables for people: a header, a rule, right-aligned numbers, and cells cut to
 * fit the terminal width (the widest text column gives way first).
 */
export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  align?: 'left' | 'right';
  /** The column that shrinks when the table is too wide. */
  flexible?: boolean;
}

export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[], maxWidth = 160): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i].length)));
  const total = widths.reduce((a, b) => a + b, 0) + 2 * (columns.length - 1);
  if (total > maxWidth) {
    const flex = columns.findIndex((c) => c.flexible);
    if (flex >= 0) widths[flex] = Math.max(columns[flex].header.length, 12, widths[flex] - (total - maxWidth));
  }
  const fit = (text: string, i: number): string => {
    const w = widths[i];
    const t = text.length > w ? `${text.slice(0, Math.max(0, w - 1))}…` : text;
    return columns[i].align === 'right' ? t.padStart(w) : t.padEnd(w);
  };
  const lines = [
    columns
      .map((c, i) => fit(c.header, i))
      .join('  ')
      .trimEnd(),
    widths.map((w) => '─'.repeat(w)).join('  '),
    ...cells.map((row) =>
      row
        .map((t, i) => fit(t, i))
        .join('  ')
        .trimEnd(),
    ),
  ];
  return lines.join('\n');
}
