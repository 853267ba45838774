import { renameSync, writeFileSync } from 'node:fs';
import type { Progress } from '../../cli/output/progress.js';
import { InputError } from '../../errors.js';
import { fromCheckReport } from './from-check.js';
import { renderHtmlPage } from './render-page.js';
import type { ReportData, Verdict } from './report-data.js';
import { type ReportInput, resolveReportInput } from './report-input.js';

export interface HtmlReportOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

export interface HtmlReportResult {
  file: string;
  /** Size of the HTML file written. */
  bytes: number;
  verdict: Verdict;
  /** What was missing or damaged in the input. */
  problems: string[];
  /** What was left out to keep the page small. */
  omitted: string[];
}

/** The report's data for any input (see report-data.ts); no file is written. */
export async function buildReportData(input: ReportInput, options: HtmlReportOptions = {}): Promise<ReportData> {
  switch (input.kind) {
    case 'check':
      return fromCheckReport(input.report, { source: input.source, nodeVersion: input.nodeVersion });
    case 'capture': {
      const { fromCaptureFolder } = await import('./from-capture.js');
      return fromCaptureFolder(input.dir, options);
    }
    case 'snapshots': {
      const { fromSnapshots } = await import('./from-snapshots.js');
      return fromSnapshots(input.files, options);
    }
  }
}

/**
 * Writes one self-contained HTML report — what `leaktrace report` does, and what `check`,
 * `run` and `attach` call for `--html FILE`. `input` is a ReportInput, or paths as given on
 * the command line (a capture folder, a check report .json, 1-3 .heapsnapshot files).
 * The file is written under a temporary name and renamed, so it is never seen half-written.
 */
export async function writeHtmlReport(
  input: ReportInput | string | readonly string[],
  file: string,
  options: HtmlReportOptions = {},
): Promise<HtmlReportResult> {
  const resolved =
    typeof input === 'string' ? resolveReportInput([input]) : Array.isArray(input) ? resolveReportInput(input) : (input as ReportInput);
  const data = await buildReportData(resolved, options);
  options.onProgress?.({ phase: 'writing the HTML report', done: 0, total: 0 });
  const html = renderHtmlPage(data);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, html);
    renameSync(tmp, file);
  } catch (err) {
    throw new InputError(`${file}: cannot write the report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return { file, bytes: Buffer.byteLength(html), verdict: data.verdict, problems: data.problems, omitted: data.omitted };
}
