import type { LiveCaptureResult } from '../capture/live/live-capture.js';
import { CaptureError } from '../errors.js';
import type { CommandContext } from './command.js';
import { formatDuration } from './output/format.js';

/**
 * Prints the end of a live capture (JSON or the terminal report) and writes --html. Exit 1
 * when it found a leak, 0 when it judged and found none; a capture too short to judge (and
 * with no leak found otherwise) is not "all well": after the report, a one-line error and
 * exit 2, so that a CI job cannot take it for a clean verdict. `notJudgedIsError: false` for a
 * caller that raises its own error.
 */
export async function reportLive(
  ctx: CommandContext,
  what: string,
  dir: string,
  result: LiveCaptureResult,
  extra: { notes?: string[]; json?: Record<string, unknown>; html?: string; notJudgedIsError?: boolean },
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
          headline: `${what}: ${capturedText(r.capturedMs, r.durationMs)}, ${r.measurements} measurements after full GCs (sampling heap profiler, every ${r.samplingInterval} bytes), warm-up ${formatDuration(r.warmupMs)}`,
          leaks: r.leaks,
          belowThreshold: r.belowThreshold,
          memory: [
            { label: 'rss', values: result.series.map((s) => s.rss) },
            { label: 'heap used', values: result.series.map((s) => s.heapUsed) },
            { label: 'external', values: result.series.map((s) => s.external) },
          ],
          notes: [...r.notes, ...(extra.notes ?? [])],
          notJudged: r.notJudged,
          judged: r.judged,
        },
        ctx.out.width,
      ),
    );
    ctx.out.print(`\ncapture folder: ${dir}${extra.html ? `\nHTML report: ${extra.html}` : ''}`);
  }
  if (r.leaks.length > 0) return 1;
  if (r.notJudged && extra.notJudgedIsError !== false) throw new CaptureError(`not judged: ${r.notJudged}; what was captured is in ${dir}`);
  return 0;
}

/** "2m0s captured", and what the end took after it when that is more than a few seconds (snapshots of a large heap). */
function capturedText(capturedMs: number | undefined, durationMs: number): string {
  if (capturedMs === undefined) return `${formatDuration(durationMs)} captured`;
  const after = durationMs - capturedMs;
  return after < 5000
    ? `${formatDuration(capturedMs)} captured`
    : `${formatDuration(capturedMs)} captured (then ${formatDuration(after)} for the last measurement, snapshots and analysis)`;
}
