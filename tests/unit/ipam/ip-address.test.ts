import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalIP, formatIP, parseIP } from '../../../ipam/ip/index.js';

describe('parseIP', () => {
  it.each([
    ['10.6.0.1', 4, 0x0a060001n],
    ['0.0.0.0', 4, 0n],
    ['255.255.255.255', 4, 0xffffffffn],
    ['fd00::1', 6, (0xfd00n << 112n) | 1n],
    ['::', 6, 0n],
    ['::ffff:10.0.0.1', 6, (0xffffn << 32n) | 0x0a000001n],
    ['FC00:F853:CCD:E793::11', 6, (0xfc00f8530ccde793n << 64n) | 0x11n],
  ])('accepts %s', (text, family, value) => {
    expect(parseIP(text)).toEqual({ ok: true, value: { family, value } });
  });

  it.each([
    ['010.0.0.1', /leading zero/],
    ['10.0.0.01', /leading zero/],
    ['0x0a.0.0.1', /not an IP address/],
    ['10.0.0', /not an IP address/],
    ['10.0.0.256', /above 255/],
    ['1.2.3.4.5', /not an IP address/],
    ['fe80::1%eth0', /zone ID/],
    ['::ffff:010.0.0.1', /leading zero/],
    [' 10.0.0.1', /not an IP address/],
    ['', /not an IP address/],
    ['fd00:::1', /not an IP address/],
    ['invalid IP', /not an IP address/],
  ])('refuses %s with a reason', (text, reason) => {
    const parsed = parseIP(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe('formatIP', () => {
  it.each([
    ['fd00:0:0:0:0:0:0:1', 'fd00::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal zero runs is shortened
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group stays
    ['0:0:0:0:0:0:0:0', '::'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['abcd:1234::fd', 'abcd:1234::fd'],
  ])('writes %s as %s (RFC 5952)', (text, expected) => {
    expect(canonicalIP(text)).toBe(expected);
  });

  it('round-trips every IPv4 and IPv6 value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }), (value) => {
        const parsed = parseIP(formatIP({ family: 4, value }));
        return parsed.ok && parsed.value.value === value && parsed.value.family === 4;
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (value) => {
        const parsed = parseIP(formatIP({ family: 6, value }));
        return parsed.ok && parsed.value.value === value && parsed.value.family === 6;
      }),
    );
  });
});
