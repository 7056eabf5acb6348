// The family of a pool: spec.ipVersion, else spec.subnet's, else unknown.
import { describe, expect, it } from 'vitest';
import { poolFamily, type SpiderIPPool } from '../../../../ipam/model/index.js';

const pool = (spec: Record<string, unknown>): SpiderIPPool => ({ metadata: { name: 'p' }, spec }) as unknown as SpiderIPPool;

describe('poolFamily', () => {
  it.each([
    ['ipVersion 4', { ipVersion: 4, subnet: '10.6.0.0/16' }, 4],
    ['ipVersion 6', { ipVersion: 6, subnet: 'fd00::/64' }, 6],
    ['no ipVersion, an IPv6 subnet', { subnet: 'fd00::/64' }, 6],
    ['no ipVersion, an IPv4 subnet with host bits', { subnet: '10.6.0.1/16' }, 4],
    ['no ipVersion, a subnet that is not a CIDR', { subnet: '10.6.0.0' }, undefined],
    ['an ipVersion that is neither 4 nor 6, no subnet', { ipVersion: 5 }, undefined],
    ['a subnet that is not a string', { subnet: 42 }, undefined],
  ])('%s', (_what, spec, family) => {
    expect(poolFamily(pool(spec))).toBe(family);
  });
});
