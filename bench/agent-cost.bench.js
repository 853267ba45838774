// What the handle agent costs the bench's HTTP server by itself, without a leaktrace session:
// the agent preloaded exactly as `run` preloads it (same options, records to a folder), next to
// an async hook that does nothing (what any async_hooks-based tracer pays before its first
// line runs), each with V8's inlining on and off (`run`'s precise settings turn it off). All
// variants alive at once, loaded in turn at a fixed rate, round after round; each compared
// with plain in the same round (light-ab.bench.js explains why).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { autocannon, ownCpu, pinLoadGenerator, printPairedTable, server, startServer } from './http-load.js';

pinLoadGenerator();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 16);
const WINDOW_S = Number(process.env.BENCH_WINDOW ?? 4);
const RATE = Number(process.env.BENCH_FIXED_RATE ?? 4000);
const CONNECTIONS = 20;
const work = mkdtempSync(join(tmpdir(), 'leaktrace-bench-agent-'));
const agent = fileURLToPath(new URL('../dist/src/capture/agent/agent.cjs', import.meta.url));
const emptyHook = fileURLToPath(new URL('./empty-hook.cjs', import.meta.url));
const NO_INLINING = ['--no-turbo-inlining', '--no-maglev-inlining'];

const withAgent = (name, flags) => ({
  name,
  argv: () => [process.execPath, ...flags, '--require', agent, server],
  env: {
    LEAKTRACE_AGENT: JSON.stringify({
      captureDir: join(work, name.replace(/\W+/g, '-')),
      control: false,
      fds: true,
      fromProcessStart: true,
    }),
  },
});
const variants = [
  { name: 'plain', argv: () => [process.execPath, server] },
  { name: 'plain (a second process)', argv: () => [process.execPath, server] },
  { name: 'empty async hook', argv: () => [process.execPath, '--require', emptyHook, server] },
  withAgent('agent', []),
  { name: 'inlining off', argv: () => [process.execPath, ...NO_INLINING, server] },
  { name: 'inlining off, empty hook', argv: () => [process.execPath, ...NO_INLINING, '--require', emptyHook, server] },
  withAgent('inlining off, agent', NO_INLINING),
];

const live = [];
for (const v of variants) {
  const { child, port } = await startServer(v.argv(), v.env);
  live.push({ ...v, child, url: `http://127.0.0.1:${port}/item` });
}
for (const v of live) await autocannon({ url: v.url, connections: CONNECTIONS, duration: 5, overallRate: RATE });

const perRequest = new Map(live.map((v) => [v.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < live.length; k++) {
    const v = live[(round + k) % live.length];
    const before = ownCpu(v.child.pid);
    const r = await autocannon({ url: v.url, connections: CONNECTIONS, duration: WINDOW_S, overallRate: RATE });
    perRequest.get(v.name).push(((ownCpu(v.child.pid) - before) / r.requests.total) * 1e6);
  }
}
for (const v of live) v.child.kill('SIGINT');
await new Promise((r) => setTimeout(r, 1000));
rmSync(work, { recursive: true, force: true });

printPairedTable(perRequest, { rate: RATE, rounds: ROUNDS, windowS: WINDOW_S, what: 'the server alone' });
