import type { HandleGroup } from '../analysis/handles/group.js';
import type { HandleReport } from '../analysis/handles/report.js';
import { isRuntimeFrame } from '../analysis/attribution.js';
import { renderTable } from '../cli/output/table.js';
import { formatFrame, type Frame } from '../model/frame.js';

/**
 * Handles for people: a table of groups (type, count, how many keep the process alive, site),
 * then each group with its stack from the API call into the program's code, and a line for
 * what was set aside as noise.
 */
export interface RenderHandleOptions {
  title: string;
  width?: number;
  /** Groups shown in detail (default 10). */
  top?: number;
  /** Frames shown per group (default 6). */
  stackDepth?: number;
  /** Main thread is 0; names threads in the output. */
  showPids?: boolean;
}

export function renderHandleReport(report: HandleReport, options: RenderHandleOptions): string {
  const width = options.width ?? 120;
  const top = options.top ?? 10;
  const lines: string[] = [];
  const alive = report.keepingAlive;
  lines.push(
    `${options.title}: ${report.shown} handle${report.shown === 1 ? '' : 's'} in ${report.groups.length} group${report.groups.length === 1 ? '' : 's'}` +
      (alive > 0 ? `, ${alive} keeping the process alive` : ', none keeping the process alive'),
  );
  if (report.groups.length > 0) {
    lines.push('');
    lines.push(
      renderTable(
        [
          { header: '#', value: (g: HandleGroup & { n: number }) => String(g.n), align: 'right' },
          { header: 'type', value: (g) => g.type },
          { header: 'count', value: (g) => String(g.count), align: 'right' },
          { header: 'keep alive', value: (g) => String(g.keepingAlive), align: 'right' },
          { header: 'unref', value: (g) => String(g.unrefd), align: 'right' },
          { header: 'thread', value: (g) => g.threads.map(threadName).join(',') },
          { header: 'opened at (your code)', value: (g) => siteText(g), flexible: true },
        ],
        report.groups.map((g, i) => ({ ...g, n: i + 1 })),
        width,
      ),
    );
    for (const [i, g] of report.groups.slice(0, top).entries()) {
      lines.push('');
      lines.push(...renderGroup(g, i + 1, options));
    }
    if (report.groups.length > top) lines.push('', `(${report.groups.length - top} more group(s); --top shows more)`);
  }
  if (report.filtered.length > 0) {
    lines.push('');
    const n = report.filtered.reduce((a, f) => a + f.count, 0);
    lines.push(`not shown (${n}; --all shows them):`);
    for (const f of report.filtered) lines.push(`  ${f.count} ${f.types.join('/')}: ${f.reason}`);
  }
  return lines.join('\n');
}

function threadName(id: number): string {
  return id === 0 ? 'main' : `worker ${id}`;
}

function siteText(g: HandleGroup): string {
  const f = g.userFrame ?? g.site;
  if (!f) return '(only Node internals on the stack)';
  return `${formatFrame(f)}${g.userFrame ? '' : g.package && g.package !== 'node:' ? ` [${g.package}]` : ''}`;
}

function renderGroup(g: HandleGroup, n: number, options: RenderHandleOptions): string[] {
  const depth = options.stackDepth ?? 6;
  const facts: string[] = [];
  if (g.keepingAlive > 0) facts.push(`${g.keepingAlive} keep${g.keepingAlive === 1 ? 's' : ''} the process alive`);
  if (g.unrefd > 0) facts.push(`${g.unrefd} unref'd (open, not holding the process)`);
  const where = [g.threads.map(threadName).join(', '), options.showPids ? `pid ${g.pids.join(', ')}` : ''].filter(Boolean).join('; ');
  const out = [`#${n} ${g.type} ×${g.count}${facts.length ? ` — ${facts.join(', ')}` : ''}  [${where}]`];
  for (const d of g.details) out.push(`   ${d}`);
  for (const f of visibleFrames(g.stack, depth))
    out.push(`   ${f === null ? '…' : `at ${formatFrame(f)}${f === g.userFrame ? '   ← your code' : ''}`}`);
  out.push(`   (${g.evidence})`);
  return out;
}

/**
 * From the Node API the program called (the last runtime frame before its code) to the
 * program's outermost frame: Node's module loader and task queues below it say nothing.
 */
function visibleFrames(stack: readonly Frame[], depth: number): (Frame | null)[] {
  const first = stack.findIndex((f) => !isRuntimeFrame(f));
  if (first < 0) return stack.slice(0, depth);
  let last = first;
  for (let i = first; i < stack.length; i++) if (!isRuntimeFrame(stack[i])) last = i;
  const start = first === 0 ? 0 : first - 1;
  const end = Math.min(last + 1, start + depth);
  const shown: (Frame | null)[] = stack.slice(start, end);
  if (end < stack.length) shown.push(null);
  return shown;
}
