import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupByUserLine } from '../../src/analysis/leak-groups.js';
import type { Leak } from '../../src/analysis/leak-report.js';
import { renderLeakReport } from '../../src/report/leak-text.js';

const frame = (functionName: string, file: string, line: number, column = 3) => ({ functionName, file, line, column });

function leak(over: Partial<Leak>): Leak {
  const site = over.site ?? frame('make', '/app/node_modules/pkg/index.js', 4);
  return {
    kind: 'heap',
    site,
    userFrame: null,
    package: 'pkg',
    resource: null,
    probability: 0.95,
    perIteration: null,
    perMinute: { bytes: 1024, count: 10 },
    stack: [site],
    evidence: 'grew',
    ...over,
  };
}

test('leaks are grouped by the file and line of their user frame, not its column or function name', () => {
  const leaks = [
    leak({ userFrame: frame('handler', '/app/server.js', 12, 5), probability: 0.99 }),
    leak({ userFrame: frame('other', '/app/server.js', 30), package: null }),
    // Same line, another column and the handle stack's style of name.
    leak({ userFrame: frame('Server.handler', '/app/server.js', 12, 40), package: 'pkg2' }),
    leak({ kind: 'handle', resource: 'TCPWRAP', userFrame: frame('handler', '/app/server.js', 12), perMinute: { bytes: 0, count: 60 } }),
    leak({ userFrame: null, package: 'ws' }),
    // Growth nothing sampled explains: reached from nowhere known, in no group.
    leak({ kind: 'native', site: null, stack: [], userFrame: null, package: null }),
  ];
  const groups = groupByUserLine(leaks);
  assert.deepEqual(
    groups.map((g) => [g.userFrame?.line ?? null, g.leaks, g.packages]),
    [
      [12, [0, 2, 3], ['pkg', 'pkg2']],
      [30, [1], [null]],
      [null, [4], ['ws']],
    ],
  );
  assert.equal(groups[0].bytes, 2048);
  assert.equal(groups[0].handles, 60);
  assert.equal(groups[0].per, 'minute');
  assert.equal(groups[0].probability, 0.99);
});

test('the terminal report lists the lines of user code only when some line leads into several leaks', () => {
  const two = [leak({ userFrame: frame('a', '/app/a.js', 1) }), leak({ userFrame: frame('b', '/app/a.js', 2) })];
  assert.doesNotMatch(renderLeakReport({ headline: 'h', leaks: two }), /reached from/);
  const shared = Array.from({ length: 9 }, (_, i) => leak({ userFrame: frame('a', '/app/a.js', i === 7 ? 2 : 1) }));
  const text = renderLeakReport({ headline: 'h', leaks: shared });
  assert.match(
    text,
    /reached from 2 lines of your code:\n {2}a \(\/app\/a\.js:1\)\n {6}8 leaks \(#1–#7 #9\); \+8\.00 KiB per minute; pkg\n/,
  );
  assert.match(text, / {2}a \(\/app\/a\.js:2\)\n {6}1 leak \(#8\);/);
});
