import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Anonymizer } from '../../src/report/export/anonymize.js';
import { escapeHtml, jsonForScript, scriptSafe } from '../../src/report/html/escape.js';
import { splitEvidence } from '../../src/report/html/suspect-views.js';

test('anonymizer: user code hashed, node_modules kept from the package on, Node internals kept', () => {
  const a = new Anonymizer();
  const user = a.frame({ functionName: 'chargeCard', file: '/home/alice/shop/src/billing.js', line: 42, column: 7 });
  assert.match(user.functionName, /^fn_[0-9a-f]{12}$/);
  assert.match(user.file, /^app\/[0-9a-f]{12}\.js$/);
  assert.deepEqual([user.line, user.column], [42, 7]);
  assert.deepEqual(
    a.frame({ functionName: 'chargeCard', file: '/home/alice/shop/src/billing.js', line: 1, column: 1 }).functionName,
    user.functionName,
  );
  const pkg = a.frame({
    functionName: 'handle',
    file: 'file:///home/alice/shop/node_modules/@acme/router/lib/layer.js',
    line: 3,
    column: 1,
  });
  assert.equal(pkg.functionName, 'handle');
  assert.match(pkg.file, /^<[0-9a-f]{12}>\/node_modules\/@acme\/router\/lib\/layer\.js$/);
  assert.ok(!pkg.file.includes('alice'));
  const internal = { functionName: 'processTicksAndRejections', file: 'node:internal/process/task_queues', line: 95, column: 5 };
  assert.deepEqual(a.frame(internal), internal);
  assert.equal(a.text('secret@example.com'), a.text('secret@example.com'));
  assert.notEqual(a.text('a'), a.text('b'));
});

test('escaping: markup in text, `</script>` in data and in inlined code cannot break out', () => {
  assert.equal(escapeHtml(`<img src=x onerror="alert('1')">&`), '&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;');
  const data = { name: '</script><script>alert(1)</script>', sep: '\u2028' };
  const json = jsonForScript(data);
  assert.ok(!json.includes('<'));
  assert.ok(!json.includes('\u2028'));
  assert.deepEqual(JSON.parse(json), data);
  const code = scriptSafe('var s = "</script><!-- x";');
  assert.ok(!/<\/script/i.test(code) && !code.includes('<!--'));
  assert.equal(new Function(`${code}; return s;`)(), '</script><!-- x');
});

test('evidence clauses split on "; " outside parentheses', () => {
  assert.deepEqual(splitEvidence('a; b (x; y) c; d'), ['a', 'b (x; y) c', 'd']);
  assert.deepEqual(splitEvidence(''), []);
});
