import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { isRuntimeFrame, packageFromPath, scriptPath } from '../../analysis/attribution.js';
import type { Frame } from '../../model/frame.js';

/**
 * `--anonymize`: what identifies the user's code or data is replaced by stable hashes, so a
 * profile or report can be sent to a vendor; sizes, counts and the shape of the stacks are
 * kept, so it can still be read.
 * - the user's own files (outside node_modules) → `app/<hash>.js`, extension kept;
 *   their function names → `fn_<hash>`; lines and columns kept (they name no secret);
 * - files inside node_modules keep their path from `node_modules/` on (public code), with
 *   the folder above it hashed; their function names are kept;
 * - Node's own frames (`node:`, native) are kept as they are;
 * - other strings (command lines, working directories, values in retainer paths) → `<hash>`.
 * The same input always gives the same hash (SHA-256, first 12 hex digits), so two exports of
 * one program still line up. Short strings can be guessed by hashing candidates: the aim is
 * to keep names and values out of sight, not to withstand a determined attacker.
 */
export class Anonymizer {
  private readonly cache = new Map<string, string>();

  hash(text: string): string {
    let h = this.cache.get(text);
    if (h === undefined) {
      h = createHash('sha256').update(text).digest('hex').slice(0, 12);
      this.cache.set(text, h);
    }
    return h;
  }

  /** Any string that may hold user data. Empty strings stay empty. */
  text(value: string): string {
    return value === '' ? '' : `<${this.hash(value)}>`;
  }

  file(file: string): string {
    if (file === '' || isRuntimeFrame({ functionName: '', file, line: 0, column: 0 })) return file;
    const path = scriptPath(file).replace(/\\/g, '/');
    const at = path.lastIndexOf('/node_modules/');
    if (at >= 0 && packageFromPath(path) !== null) return `<${this.hash(path.slice(0, at))}>${path.slice(at)}`;
    const ext = extname(path).slice(0, 8);
    return `app/${this.hash(path)}${/^\.[\w]+$/.test(ext) ? ext : ''}`;
  }

  functionName(name: string, file: string): string {
    if (file === '' || isRuntimeFrame({ functionName: name, file, line: 0, column: 0 })) return name;
    if (packageFromPath(scriptPath(file)) !== null) return name;
    if (name === '' || name === '(anonymous)' || name === '(root)') return name;
    return `fn_${this.hash(name)}`;
  }

  frame(f: Frame): Frame {
    return { functionName: this.functionName(f.functionName, f.file), file: this.file(f.file), line: f.line, column: f.column };
  }
}
