import type { LiveCaptureResult } from '../capture/live/live-capture.js';
import type { CommandContext } from './command.js';
import { formatDuration } from './output/format.js';

/** Prints the end of a live capture (JSON or the terminal report) and writes --html. */
export async function reportLive(
  ctx: CommandContext,
  what: string,
  dir: string,
  result: LiveCaptureResult,
  extra: { notes?: string[]; json?: Record<string, unknown>; html?: string },
): Promise<number> {
  const r = result.report;
  if (extra.html) {
    const { writeHtmlFromCapture } = await import('./write-live-html.js');
    await writeHtmlFromCapture(dir, extra.html);
  }
  if (ctx.json) {
    ctx.out.json({ capture: dir, ended: result.ended, ...extra.json, ...r, notes: [...r.notes, ...(extra.notes ?? [])] });
  } else {
    const { renderLeakReport } = await import('../report/leak-text.js');
    ctx.out.print(
      renderLeakReport(
        {
          headline: `${what}: ${formatDuration(r.durationMs)} captured, ${r.measurements} measurements after full GCs (sampling heap profiler, every ${r.samplingInterval} bytes), warm-up ${formatDuration(r.warmupMs)}`,
          leaks: r.leaks,
          belowThreshold: r.belowThreshold,
          memory: [
            { label: 'rss', values: result.series.map((s) => s.rss) },
            { label: 'heap used', values: result.series.map((s) => s.heapUsed) },
            { label: 'external', values: result.series.map((s) => s.external) },
          ],
          notes: [...r.notes, ...(extra.notes ?? [])],
        },
        ctx.out.width,
      ),
    );
    ctx.out.print(`\ncapture folder: ${dir}${extra.html ? `\nHTML report: ${extra.html}` : ''}`);
  }
  return r.leaks.length > 0 ? 1 : 0;
}
