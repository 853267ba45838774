/**
 * One call-stack frame, as every part of leaktrace presents it.
 * `line` and `column` are 1-based; 0 means unknown.
 * `file` is an absolute path, a `node:` specifier, a URL, or '' when V8 gave none
 * (native and builtin frames).
 */
export interface Frame {
  functionName: string;
  file: string;
  line: number;
  column: number;
}

/** Same function at the same position. */
export function sameFrame(a: Frame, b: Frame): boolean {
  return a.functionName === b.functionName && a.file === b.file && a.line === b.line && a.column === b.column;
}

/** `fn (file:line:col)`, the way Node prints stack frames. */
export function formatFrame(frame: Frame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.file) return name;
  const where = frame.line > 0 ? `${frame.file}:${frame.line}${frame.column > 0 ? `:${frame.column}` : ''}` : frame.file;
  return `${name} (${where})`;
}
