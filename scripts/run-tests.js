// Runs every compiled test file under dist/test with Node's test runner.
// Node 20's runner takes no glob patterns, so the files are listed here.
// Usage: node scripts/run-tests.js [substring...]  (only files whose path contains one)
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const testDir = join(root, 'dist', 'test');

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : walk(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

const filters = process.argv.slice(2);
const files = walk(testDir)
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(2);
}
const concurrency = process.env.LEAKTRACE_TEST_CONCURRENCY ?? '2';
// The live tests (run/attach/show against a self-driving server) judge a real program's
// growth over seconds: a target starved of CPU by other test files stalls, and a stalled leak
// looks like a cache that stopped (CI once saw one). They run after the rest, one at a time.
const isLive = (f) => relative(testDir, f).startsWith('live/');
let status = 0;
for (const [group, c] of [
  [files.filter((f) => !isLive(f)), concurrency],
  [files.filter(isLive), '1'],
]) {
  if (group.length === 0) continue;
  const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${c}`, '--test-timeout=600000', ...group], {
    stdio: 'inherit',
    cwd: root,
  });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
