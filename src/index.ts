/**
 * leaktrace's library API. The CLI is a thin layer over these functions; everything here is
 * typed, never writes to the console, never exits the process, and reports progress through
 * callbacks.
 */

export { type Attribution, attribute, isRuntimeFrame, packageFromPath } from './analysis/attribution.js';
export { groupHandles, type HandleGroup } from './analysis/handles/group.js';
export { type FilteredGroup, filterNoise } from './analysis/handles/noise.js';
export { buildHandleReport, type HandleReport } from './analysis/handles/report.js';
export type {
  AgentApi,
  AgentFrame,
  AgentInfo,
  AgentOptions,
  HandleDiff,
  HandleRecordLine,
  HandleSnapshotInfo,
  OutstandingHandle,
  OutstandingOptions,
  StackOrigin,
} from './capture/agent/agent-types.js';
export { AGENT_ENV, AGENT_PATH, agentEnvironment, getAgent, installAgent, remoteInstallExpression } from './capture/agent/install.js';
export { type HandleDiffReport, type HandleTracer, type TraceHandlesOptions, traceHandles } from './capture/handles/trace-handles.js';
export type { Leak, LeakKind, LeakReport } from './analysis/leak-report.js';
export type { CaptureEvent, CaptureManifest, MemorySample } from './capture-folder/layout.js';
export { CaptureReader } from './capture-folder/reader.js';
export { CaptureWriter } from './capture-folder/writer.js';
export * from './errors.js';
export type { Frame } from './model/frame.js';
export { formatFrame } from './model/frame.js';
export { StackTable } from './model/stack-table.js';
export { LEAKTRACE_VERSION } from './version.js';
export { checkLeaks, type CheckLeaksOptions, type CheckReport } from './check/check-leaks.js';
export { assertNoLeaks, describeLeaks } from './check/assert-no-leaks.js';
export { loadSnapshot } from './model/snapshot/load.js';
export { HeapSnapshot } from './model/snapshot/heap-snapshot.js';
export { SnapshotAnalysis } from './analysis/snapshot/analysis.js';
export { summarize, type SnapshotSummary } from './analysis/snapshot/summary.js';
export { statBy, type StatBy, type StatResult } from './analysis/snapshot/stat.js';
export { listObjects, type ObjectFilter } from './analysis/snapshot/list.js';
export { describeObject, type ObjectDescription } from './analysis/snapshot/describe.js';
export { diffSnapshots, type SnapshotDiff } from './analysis/snapshot/diff.js';
export { leakCandidates, type LeakCandidates } from './analysis/snapshot/leak-candidates.js';
export { measureGrowth, judgeGrowth, type GrowthEvidence } from './analysis/growth/growth.js';
export type { ReportData } from './report/html/report-data.js';
export { type ReportInput, resolveReportInput } from './report/html/report-input.js';
export { buildReportData, type HtmlReportOptions, type HtmlReportResult, writeHtmlReport } from './report/html/write-html-report.js';
export { Anonymizer } from './report/export/anonymize.js';
export { type ExportFormat, type ExportOptions, type ExportResult, exportHeapProfile } from './report/export/export-profile.js';
