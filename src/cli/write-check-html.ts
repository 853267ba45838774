import type { CheckReport } from '../check/check-leaks.js';
import { writeHtmlReport } from '../report/html/write-html-report.js';

/** `check --html FILE`: the check's report as a self-contained HTML page. */
export async function writeCheckHtml(report: CheckReport & { module?: string }, file: string): Promise<void> {
  // The check's child runs on this same Node binary, so its version is ours.
  await writeHtmlReport({ kind: 'check', report, source: 'leaktrace check', nodeVersion: process.version }, file);
}
