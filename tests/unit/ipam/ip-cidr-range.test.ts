import { describe, expect, it } from 'vitest';
import {
  canonicalCIDR,
  cidrContains,
  cidrLabelValue,
  cidrRange,
  cidrsOverlap,
  formatIPRange,
  isCanonicalCIDRText,
  parseCIDR,
  parseIP,
  parseIPRange,
} from '../../../ipam/ip/index.js';

function cidr(text: string) {
  const parsed = parseCIDR(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}
function ip(text: string) {
  const parsed = parseIP(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

describe('CIDRs', () => {
  it.each([
    ['172.10.0.0/16', true],
    ['fc00:f853:ccd:e793::/64', true],
    ['172.10.5.0/16', false],
    ['fc00:f853:ccd:e793::ee/64', false],
    ['FC00:F853:CCD:E793::/64', false], // canonical text is lower case
  ])('%s is canonical: %s', (text, canonical) => {
    expect(isCanonicalCIDRText(text, cidr(text))).toBe(canonical);
  });

  it('names the canonical form of a CIDR with host bits', () => {
    expect(canonicalCIDR(cidr('172.10.5.0/16'))).toBe('172.10.0.0/16');
    expect(canonicalCIDR(cidr('fc00:f853:ccd:e793::ee/64'))).toBe('fc00:f853:ccd:e793::/64');
  });

  it.each([
    ['0.0.0.0.0/16', /not a valid CIDR/],
    ['10.0.0.0/33', /invalid prefix length "33"/],
    ['10.0.0.0/', /invalid prefix length/],
    ['10.0.0.0/08', /invalid prefix length "08"/],
    ['fd00::/129', /invalid prefix length "129"/],
    ['10.0.0.0', /not a CIDR/],
    ['invalid CIDR', /not a CIDR/],
  ])('refuses %s', (text, reason) => {
    const parsed = parseCIDR(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('contains addresses of its range only', () => {
    const c = cidr('172.18.40.0/24');
    expect(cidrContains(c, ip('172.18.40.10'))).toBe(true);
    expect(cidrContains(c, ip('172.18.41.0'))).toBe(false);
    expect(cidrContains(c, ip('fd00::1'))).toBe(false);
    expect(cidrRange(cidr('fd00::/64'))).toEqual({ family: 6, start: 0xfd00n << 112n, end: (0xfd00n << 112n) | ((1n << 64n) - 1n) });
  });

  it.each([
    ['172.18.40.0/24', '172.18.40.0/25', true],
    ['172.18.41.0/24', '172.18.40.0/24', false],
    ['10.0.0.0/8', '10.255.0.0/16', true],
    ['10.0.0.0/8', 'fd00::/8', false],
  ])('%s and %s overlap: %s', (a, b, expected) => {
    expect(cidrsOverlap(cidr(a), cidr(b))).toBe(expected);
  });

  it.each([
    ['172.18.40.0/24', '172-18-40-0-24'],
    ['abcd:1234::/120', 'abcd-1234---120'],
  ])('labels %s as %s', (text, label) => {
    expect(cidrLabelValue(text)).toBe(label);
  });
});

describe('IP ranges', () => {
  it.each([
    ['172.18.40.1-invalid IP range', /not an IP range/],
    ['172.18.40.2-172.18.40.1', /ends before it starts/],
    ['172.18.40.1-172.18.40.2-172.18.40.3', /not an IP or an IP range/],
    ['abcd:1234::2-abcd:1234::1', /ends before it starts/],
    ['172.18.40.1-fd00::1', /mixes IPv4 and IPv6/],
    ['172.18.40.0/24', /is a CIDR/],
    ['172.18.40.1 - 172.18.40.2', /not an IP/],
  ])('refuses %s', (text, reason) => {
    const parsed = parseIPRange(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('writes a one-address range bare and others as start-end', () => {
    const single = parseIPRange('10.6.0.5');
    const span = parseIPRange('10.6.0.7-10.6.0.9');
    expect(single.ok && formatIPRange(single.value)).toBe('10.6.0.5');
    expect(span.ok && formatIPRange(span.value)).toBe('10.6.0.7-10.6.0.9');
  });
});
