import { readFileSync } from 'node:fs';

/** leaktrace's own version, read once from package.json (dist/src/version.js → ../../package.json). */
export const LEAKTRACE_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
