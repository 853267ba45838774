import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAddress } from '../../src/capture/proc/net-tables.js';

test('decodes /proc/net addresses: IPv4, IPv6, v4-mapped, any', () => {
  assert.equal(decodeAddress('0100007F:1F90'), '127.0.0.1:8080');
  assert.equal(decodeAddress('00000000:0000'), '0.0.0.0:0');
  assert.equal(decodeAddress('00000000000000000000000001000000:01BB'), '[::1]:443');
  assert.equal(decodeAddress('00000000000000000000000000000000:0050'), '[::]:80');
  assert.equal(decodeAddress('0000000000000000FFFF00000100007F:1F90'), '[::ffff:127.0.0.1]:8080');
  // 2001:db8::1 as the kernel prints it (each 32-bit word little-endian).
  assert.equal(decodeAddress('B80D0120000000000000000001000000:0016'), '[2001:db8::1]:22');
});
