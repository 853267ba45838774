import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check, findLeak } from '../helpers/check.js';

const cases: {
  file: string;
  site: string;
  line: number;
  user?: string;
  userLine?: number;
  pkg?: string | null;
  kind?: string;
  minPerRun?: number;
}[] = [
  // The site's line is the statement that made the leaked objects, found by their shape in the
  // holders snapshot (call-lines.ts): the object literal, the listener's function.
  { file: 'leaks/unbounded-map.cjs', site: 'openSession', line: 7 },
  // handleRequest starts at line 6; its call to register, which V8 does not record, is on line 9.
  // (register, in the package, starts at line 4; its object literal is on line 5.)
  { file: 'leaks/package-registry.cjs', site: 'register', line: 5, user: 'handleRequest', userLine: 9, pkg: 'leaky-registry' },
  { file: 'leaks/event-listeners.cjs', site: 'subscribe', line: 8 },
  { file: 'leaks/abort-listeners.cjs', site: 'withShutdown', line: 6 },
  // Allocations made inside Node's own code (Buffer.alloc, new Promise): the site is the user's
  // function, at its call into that code (line 5), not at the function's first line (4).
  { file: 'leaks/buffers.cjs', site: 'readChunk', line: 5, kind: 'external', minPerRun: 16 * 1024 },
  { file: 'leaks/pending-promises.cjs', site: 'request', line: 6 },
  { file: 'leaks/string-growth.cjs', site: 'appendLog', line: 5 },
  { file: 'leaks/buried-in-garbage.cjs', site: 'processBatch', line: 8 },
  { file: 'leaks/closures.mjs', site: 'onRequest', line: 5 },
];

for (const c of cases) {
  test(`check finds the leak in ${c.file} at ${c.site}`, async () => {
    const { code, report } = await check(c.file);
    assert.equal(code, 1);
    const leak = findLeak(report, c.site, c.user);
    const context = `\n${JSON.stringify({ ...leak, stack: leak.stack.slice(0, 3) }, null, 1)}`;
    assert.equal(leak.site!.line, c.line, `site line${context}`);
    assert.ok(leak.site!.file.endsWith(c.pkg ? 'leaky-registry/index.js' : c.file.split('/')[1]), leak.site!.file);
    assert.equal(leak.package, c.pkg ?? null);
    assert.equal(leak.userFrame?.functionName, c.user ?? c.site);
    assert.equal(leak.userFrame?.line, c.userLine ?? c.line, `user line${context}`);
    if (c.userLine) assert.match(leak.evidence, /the only line where it calls register/);
    assert.equal(leak.kind, c.kind ?? 'heap');
    assert.ok(leak.probability >= 0.9, `probability ${leak.probability}${context}`);
    assert.ok(leak.perIteration && leak.perIteration.count > 0.05, `per iteration${context}`);
    if (c.minPerRun) assert.ok(leak.perIteration!.bytes >= c.minPerRun * 0.9, `${leak.perIteration!.bytes} bytes per run`);
    assert.ok(leak.series && leak.series.count.length >= 8, 'the series is in the report');
    assert.match(leak.evidence, /Mann–Kendall/);
    const at = leak.stack.findIndex((f) => f.functionName === c.site);
    assert.ok(at >= 0, 'the site is on the stack');
    assert.ok(
      leak.stack.slice(0, at).every((f) => f.file === '' || f.file.startsWith('node:')),
      'only runtime frames above the site',
    );
    assert.ok(
      leak.stack.every((f) => !f.file.includes('/dist/src/')),
      'leaktrace frames are not shown',
    );
  });
}

test('the buried leak is measured at its real rate: one object every 10 runs', async () => {
  const { report } = await check('leaks/buried-in-garbage.cjs');
  const leak = findLeak(report, 'processBatch');
  assert.ok(Math.abs(leak.perIteration!.count - 0.1) < 0.03, `${leak.perIteration!.count} objects per run`);
});

test('holders: a leak names what keeps its objects alive', async () => {
  const { report } = await check('leaks/unbounded-map.cjs');
  const leak = findLeak(report, 'openSession');
  assert.ok(leak.retainerPaths && leak.retainerPaths.length > 0, leak.evidence);
  assert.ok(
    leak.retainerPaths.some((p) => p.some((step) => step.includes('sessions'))),
    `a path goes through the \`sessions\` Map: ${JSON.stringify(leak.retainerPaths)}`,
  );
});

test('holders: objects kept under a dictionary’s ever-new keys are counted as held one way, not one way per key', async () => {
  const { report } = await check('leaks/object-dictionary.cjs');
  const leak = findLeak(report, 'remember');
  assert.ok(
    leak.retainerPaths?.[0]?.some((step) => step.includes('.data')),
    JSON.stringify(leak.retainerPaths),
  );
  const m = /holders: of (\d+) live objects .*?, (\d+) (?:is|are) held by the path shown first/.exec(leak.evidence);
  assert.ok(m, leak.evidence);
  // Each record sits under its own key: grouped by exact path, the first path stood for 1.
  assert.ok(Number(m[2]) >= 100, `${m[2]} of ${m[1]}: ${leak.evidence}`);
});

test('holders: a leak held in a linked list (an EventTarget’s listeners) is one path, folded, that names the list’s owner', async () => {
  const { report } = await check('leaks/abort-listeners.cjs');
  const leak = findLeak(report, 'withShutdown');
  const path = leak.retainerPaths?.[0] ?? [];
  const context = JSON.stringify(leak.retainerPaths);
  // Thousands of `.next` hops, shown as one count between the first and the last.
  const folded = path.findIndex((hop) => /^\(\d[\d,]* more \.next → Listener\)$/.test(hop));
  assert.ok(folded > 0, context);
  assert.ok(path.length < 60, `${path.length} hops: ${context}`);
  assert.ok(
    path.slice(0, folded).some((hop) => hop.includes('kEvents')),
    context,
  );
  // Every listener is held by that one path (each depth was its own path, so it stood for 1).
  const m = /holders: of (\d+) live objects .*?, (\d+) (?:is|are) held by the path shown first/.exec(leak.evidence);
  assert.ok(m, leak.evidence);
  assert.ok(Number(m[2]) >= 0.9 * Number(m[1]), `${m[2]} of ${m[1]}: ${leak.evidence}`);
});

test('one place in the user’s code leading into several leaking sites in a package is one group', async () => {
  const { code, report } = await check('leaks/logger-per-tenant.cjs');
  assert.equal(code, 1);
  const inPackage = report.leaks.flatMap((l, i) => (l.package === 'leaky-logger' ? [i] : []));
  const sites = new Set(inPackage.map((i) => report.leaks[i].site?.functionName));
  for (const fn of ['get', 'makeFormat', 'makeTransport']) assert.ok(sites.has(fn), `no leak at ${fn}: ${[...sites].join(', ')}`);
  // All of them are reached from line 9, the call into the package; the tenant string made in
  // handleTenantRequest itself (V8 gives its first line, 7) is the same place.
  const group = report.byUserCode.find((g) => g.lines.includes(9));
  assert.ok(group, JSON.stringify(report.byUserCode));
  assert.deepEqual(group.lines, [9]);
  assert.equal(group.userFrame!.functionName, 'handleTenantRequest');
  assert.ok(group.userFrame!.file.endsWith('logger-per-tenant.cjs'));
  assert.deepEqual(
    group.leaks.filter((i) => report.leaks[i].package === 'leaky-logger'),
    inPackage,
  );
  assert.equal(group.packages[0], 'leaky-logger');
  // The tenant name each call keeps (a Map key) is allocated in handleTenantRequest itself.
  const own = report.leaks.findIndex((l) => l.package === null && l.userFrame?.functionName === 'handleTenantRequest');
  assert.ok(own >= 0, JSON.stringify(report.leaks.map((l) => [l.site?.functionName, l.package])));
  assert.ok(group.leaks.includes(own), 'the function’s own allocation is the same place');
  const summed = group.leaks.reduce((t, i) => t + report.leaks[i].perIteration!.bytes, 0);
  assert.ok(Math.abs(group.bytes - summed) < 1e-6 && group.per === 'iteration', `${group.bytes} vs ${summed}`);
  // Every leak is in exactly one group.
  assert.deepEqual(
    report.byUserCode.flatMap((g) => g.leaks).sort((a, b) => a - b),
    report.leaks.map((_, i) => i),
  );
});

test('a leak in a worker thread the operation posts to is found in that worker, at its line', async (t) => {
  const { code, report } = await check('leaks/worker-jobs.cjs');
  assert.equal(code, 1);
  const leak = report.leaks.find((l) => l.worker !== undefined);
  assert.ok(leak, JSON.stringify(report.leaks.map((l) => [l.kind, l.site?.functionName, l.site?.line])));
  assert.equal(report.leaks[0], leak, 'the most likely leak');
  assert.equal(leak.kind, 'heap');
  assert.ok(leak.site!.file.endsWith('worker-jobs.cjs'), leak.site!.file);
  assert.equal(leak.site!.line, 26);
  assert.equal(leak.worker!.id, '1');
  assert.match(leak.worker!.url, /^file:.*worker-jobs\.cjs$/);
  assert.match(
    leak.evidence,
    /^in the heap of worker thread 1 \(file:.*worker-jobs\.cjs\), measured through the worker's own inspector session; /,
  );
  assert.ok(leak.probability >= 0.9, String(leak.probability));
  // A parsed job is a few objects: per run, measured, not guessed.
  assert.ok(leak.perIteration!.count >= 1 && leak.perIteration!.count <= 10, JSON.stringify(leak.perIteration));
  assert.match(
    report.tracking.note,
    /worker threads: 1 seen, each heap sampled and judged on its own — worker 1 .*\d+ measurements judged/,
  );
  // What holds them, from a snapshot of the worker's heap: the message listener's closure,
  // through its `parsed` array — when V8's allocation tracker attributed the worker's objects.
  // In one fresh-clone CI run of three on 2026-12-06 it attributed none in the final batch
  // (not reproduced here in 16 runs, idle or loaded); the report then says so — and now
  // whether none was attributed or their paths were left out — and that is what is checked.
  if (/holders: not shown — V8's allocation tracker attributed /.test(leak.evidence)) {
    assert.equal(leak.retainerPaths?.length ?? 0, 0);
    t.diagnostic(`no holders this run: ${leak.evidence}`);
  } else {
    assert.ok(leak.retainerPaths && leak.retainerPaths.length > 0, leak.evidence);
    const [path] = leak.retainerPaths;
    // It ends at a parsed job, or at its `user` string when the tracker left that job's object
    // without a stack (it may, sample-paths.ts; seen once in CI): the string is then the
    // outermost object of the site on that path.
    const end = /→ Object @\d+$/.test(path.at(-1)!)
      ? 1
      : /^\.user → \(string\)/.test(path.at(-1)!) && /→ Object @\d+$/.test(path.at(-2)!)
        ? 2
        : 0;
    assert.ok(path.some((hop) => /\.listener → \(closure\)/.test(hop)) && end > 0, JSON.stringify(path));
    assert.match(
      leak.evidence,
      /holders: of \d+ live objects that V8's allocation tracker attributes to this site after a final batch of \d+ runs/,
    );
  }
  // Nothing is blamed on the main thread's side of the job (its promise and message are freed).
  assert.ok(!report.leaks.some((l) => l.worker === undefined && l.kind === 'heap' && l.site?.functionName === 'submit'));
});

test('a package’s objects made in its own callback, kept by the user’s variable: no user frame, so the report names the variable and its line', async () => {
  const { code, report } = await check('leaks/package-events.cjs');
  assert.equal(code, 1);
  const inPackage = report.leaks.filter((l) => l.package === 'tiny-pubsub');
  assert.ok(inPackage.length > 0, JSON.stringify(report.leaks.map((l) => l.site)));
  for (const leak of inPackage) {
    assert.equal(leak.userFrame, null, JSON.stringify(leak.stack));
    // `const open = []` is line 6 of package-events.cjs; the holders path runs through it.
    assert.deepEqual(
      leak.keptIn && { ...leak.keptIn, file: leak.keptIn.file.split('/').pop() },
      { variable: 'open', expression: 'open', file: 'package-events.cjs', line: 6, column: 7 },
      leak.evidence,
    );
    assert.ok(
      leak.retainerPaths?.[0]?.some((hop) => hop.startsWith('(context) open → Array')),
      JSON.stringify(leak.retainerPaths),
    );
    assert.match(
      leak.evidence,
      /kept in: the holders path shown first runs through open, a variable of your code declared at package-events\.cjs:6 \(found in the source on disk/,
    );
  }
  // They are one place in the user's code: the variable.
  const group = report.byUserCode.find((g) => g.userFrame === null && g.keptIn?.variable === 'open');
  assert.ok(group, JSON.stringify(report.byUserCode));
  assert.equal(group.userFrame, null);
  assert.deepEqual(
    group.leaks.map((i) => report.leaks[i].package),
    inPackage.map(() => 'tiny-pubsub'),
  );
});
