import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupByUserCode } from '../../src/analysis/leak-groups.js';
import type { Leak } from '../../src/analysis/leak-report.js';
import { renderLeakReport } from '../../src/report/leak-text.js';

const frame = (functionName: string, file: string, line: number, column = 3) => ({ functionName, file, line, column });
/** A heap frame that call-lines.ts moved from its function's first line to the call in it. */
const moved = (functionName: string, file: string, line: number, start: number) => ({
  ...frame(functionName, file, line),
  functionStart: { line: start, column: 1 },
});

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

test('leaks are grouped by the place in the user’s code: file and lines, not the column or the function’s spelling', () => {
  const leaks = [
    leak({ userFrame: moved('handler', '/app/server.js', 12, 10), probability: 0.99 }),
    leak({ userFrame: frame('other', '/app/server.js', 30), package: null }),
    // The same line, another column and the handle stack's style of name (Error.stack: the real line).
    leak({ userFrame: frame('Server.handler', '/app/server.js', 12, 40), package: 'pkg2' }),
    leak({ kind: 'handle', resource: 'TCPWRAP', userFrame: frame('handler', '/app/server.js', 12), perMinute: { bytes: 0, count: 60 } }),
    // handler's own allocation: its call was not found, so V8's line, the function's first, stays.
    leak({ userFrame: frame('handler', '/app/server.js', 10), package: null }),
    leak({ userFrame: null, package: 'ws' }),
    // Growth nothing sampled explains: reached from nowhere known, in no group.
    leak({ kind: 'native', site: null, stack: [], userFrame: null, package: null }),
    // Line 12 of another file is another place.
    leak({ userFrame: frame('handler', '/app/other.js', 12) }),
  ];
  const groups = groupByUserCode(leaks);
  assert.deepEqual(
    groups.map((g) => [g.userFrame?.file ?? null, g.lines, g.leaks, g.packages]),
    [
      ['/app/server.js', [12], [0, 2, 3, 4], ['pkg', 'pkg2', null]],
      ['/app/server.js', [30], [1], [null]],
      ['/app/other.js', [12], [7], ['pkg']],
      [null, [], [5], ['ws']],
    ],
  );
  assert.equal(groups[0].userFrame?.line, 12);
  assert.equal(groups[0].bytes, 3072);
  assert.equal(groups[0].handles, 60);
  assert.equal(groups[0].per, 'minute');
  assert.equal(groups[0].probability, 0.99);
});

test('a function whose calls lead into leaks from two lines is one place, with both lines', () => {
  const groups = groupByUserCode([
    leak({ userFrame: moved('save', '/app/db.js', 6, 5) }),
    leak({ userFrame: moved('save', '/app/db.js', 9, 5) }),
  ]);
  assert.deepEqual(
    groups.map((g) => g.lines),
    [[6, 9]],
  );
});

test('the terminal report lists the places in the user’s code only when one leads into several leaks', () => {
  const two = [leak({ userFrame: frame('a', '/app/a.js', 1) }), leak({ userFrame: frame('b', '/app/a.js', 2) })];
  assert.doesNotMatch(renderLeakReport({ headline: 'h', leaks: two }), /reached from/);
  // One place and growth nothing sampled explains (in no group): nothing shared either.
  const withUnexplained = [two[0], leak({ kind: 'native', site: null, stack: [], userFrame: null, package: null })];
  assert.doesNotMatch(renderLeakReport({ headline: 'h', leaks: withUnexplained }), /reached from/);
  // Only leaks with no frame of the user's code share a group: no place is shared.
  const noFrame = [two[0], leak({ userFrame: null }), leak({ userFrame: null })];
  assert.doesNotMatch(renderLeakReport({ headline: 'h', leaks: noFrame }), /reached from/);
  const shared = Array.from({ length: 9 }, (_, i) => leak({ userFrame: frame('a', '/app/a.js', i === 7 ? 2 : 1) }));
  const text = renderLeakReport({ headline: 'h', leaks: shared });
  assert.match(
    text,
    /reached from 2 places in your code:\n {2}a \(\/app\/a\.js:1\)\n {6}8 leaks \(#1–#7 #9\); \+8\.00 KiB per minute; pkg\n/,
  );
  assert.match(text, / {2}a \(\/app\/a\.js:2\)\n {6}1 leak \(#8\);/);
});

test('leaks with no frame of the user’s code, kept in a variable of it, are grouped by that variable, a place of their own', () => {
  const kept = { variable: 'clients', expression: 'clients', file: '/app/server.js', line: 3, column: 7 };
  const leaks = [
    leak({ userFrame: null, package: 'ws', keptIn: kept, probability: 0.99 }),
    leak({ userFrame: null, package: 'ws', site: frame('setCloseTimer', '/app/node_modules/ws/lib/websocket.js', 9), keptIn: kept }),
    leak({ userFrame: frame('onConnection', '/app/server.js', 5), package: null, keptIn: kept }),
    leak({ userFrame: null, package: 'pg' }),
  ];
  const groups = groupByUserCode(leaks);
  assert.deepEqual(
    groups.map((g) => [g.userFrame?.line ?? null, g.keptIn?.variable ?? null, g.leaks]),
    [
      [null, 'clients', [0, 1]],
      // A group placed by its user frame names the variable too, when all its leaks do.
      [5, 'clients', [2]],
      [null, null, [3]],
    ],
  );
  // Not when its leaks name different ones, or some none.
  const mixed = groupByUserCode([
    leak({ userFrame: frame('onConnection', '/app/server.js', 5), keptIn: kept }),
    leak({ userFrame: frame('onConnection', '/app/server.js', 5) }),
  ]);
  assert.equal(mixed[0].keptIn, null);
  const text = renderLeakReport({ headline: 'h', leaks });
  assert.match(
    text,
    /reached from 2 places in your code:\n {2}kept in clients \(\/app\/server\.js:3\) \(no frame of your code on their stacks\)\n {6}2 leaks \(#1 #2\)/,
  );
  assert.match(
    text,
    /your code {2}\(no frame outside node_modules and Node on its stacks; kept in a variable of yours, below\)\n {4}package {4}ws\n {4}kept in {4}clients \(\/app\/server\.js:3\)/,
  );
});
