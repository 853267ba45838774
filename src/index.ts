/**
 * leaktrace's library API. The CLI is a thin layer over these functions; everything here is
 * typed, never writes to the console, never exits the process, and reports progress through
 * callbacks.
 */

export { type Attribution, attribute, isRuntimeFrame, packageFromPath } from './analysis/attribution.js';
export type { Leak, LeakKind, LeakReport } from './analysis/leak-report.js';
export type { CaptureEvent, CaptureManifest, MemorySample } from './capture-folder/layout.js';
export { CaptureReader } from './capture-folder/reader.js';
export { CaptureWriter } from './capture-folder/writer.js';
export * from './errors.js';
export type { Frame } from './model/frame.js';
export { formatFrame } from './model/frame.js';
export { StackTable } from './model/stack-table.js';
export { LEAKTRACE_VERSION } from './version.js';
export type { ReportData } from './report/html/report-data.js';
export { type ReportInput, resolveReportInput } from './report/html/report-input.js';
export { buildReportData, type HtmlReportOptions, type HtmlReportResult, writeHtmlReport } from './report/html/write-html-report.js';
