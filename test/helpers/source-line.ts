import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

/** The 1-based line of the first line of `file` that contains `text` (failing when none does). */
export function lineOf(file: string, text: string): number {
  const i = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${JSON.stringify(text)} is not in ${file}`);
  return i + 1;
}
