// Picking the lowest free address of one pool (behaviour §3.8 steps 2-4, §1.3 reserved IPs).
import { describe, expect, it } from 'vitest';
import { pickLowestFree, reservedAddresses, whyPoolCannotAllocate } from '../../../../ipam/allocate/index.js';
import { formatRangeSet } from '../../../../ipam/ip/index.js';
import type { PoolRecords, SpiderReservedIP } from '../../../../ipam/model/index.js';
import { pool } from './fixtures.js';

const none: PoolRecords = new Map();
const reserved = (name: string, ips: string[], meta: Partial<SpiderReservedIP['metadata']> = {}, ipVersion?: number): SpiderReservedIP => ({
  metadata: { name, ...meta },
  spec: { ips, ...(ipVersion === undefined ? {} : { ipVersion }) },
});

describe('reserved IPs of a family (behaviour §1.3)', () => {
  it('joins every SpiderReservedIP of the family that is not terminating', () => {
    const objects = [
      reserved('a', ['10.0.0.5', '10.0.0.7-10.0.0.8'], {}, 4),
      reserved('b', ['10.0.0.6']), // family derived from the first item
      reserved('gone', ['10.0.0.9'], { deletionTimestamp: '2026-01-01T00:00:00Z' }),
      reserved('six', ['fd00::5'], {}, 6),
      reserved('broken', ['not-an-ip', '10.0.0.20'], {}, 4),
    ];
    expect(formatRangeSet(reservedAddresses(objects, 4))).toEqual(['10.0.0.5-10.0.0.8', '10.0.0.20']);
    expect(formatRangeSet(reservedAddresses(objects, 6))).toEqual(['fd00::5']);
  });
});

describe('pools that allocate nothing new (behaviour §3.6 rules 1-2)', () => {
  it.each([
    ['terminating', { deletionTimestamp: '2026-01-01T00:00:00Z' }, {}, 'pool "p" is terminating'],
    ['disabled', {}, { disable: true }, 'pool "p" is disabled (spec.disable is true)'],
    ['usable', {}, {}, undefined],
  ])('%s', (_, meta, spec, why) => {
    const p = pool('p', { ipVersion: 4, subnet: '10.0.0.0/24', ips: ['10.0.0.1'], ...spec }, undefined, meta);
    const reason = whyPoolCannotAllocate(p);
    if (why === undefined) expect(reason).toBeUndefined();
    else expect(reason).toContain(why);
  });
});

describe('the lowest free address', () => {
  const p = pool('p', { ipVersion: 4, subnet: '10.0.0.0/24', ips: ['10.0.0.1-10.0.0.9'], excludeIPs: ['10.0.0.1'] });

  it('skips excluded, reserved and allocated addresses', () => {
    const records: PoolRecords = new Map([['10.0.0.2', { pod: 'a/b', podUid: 'u' }]]);
    const blocked = reservedAddresses([reserved('r', ['10.0.0.3'], {}, 4)], 4);
    expect(pickLowestFree(p, records, blocked)).toEqual({ ip: '10.0.0.4' });
  });

  it('ignores reserved addresses of the other family', () => {
    expect(pickLowestFree(p, none, reservedAddresses([reserved('r', ['fd00::1'], {}, 6)], 6))).toEqual({ ip: '10.0.0.2' });
  });

  it('keeps the network and broadcast addresses usable unless excluded (Spiderpool does not skip them)', () => {
    const whole = pool('w', { ipVersion: 4, subnet: '10.0.0.0/30', ips: ['10.0.0.0-10.0.0.3'] });
    expect(pickLowestFree(whole, none, undefined)).toEqual({ ip: '10.0.0.0' });
  });

  it('answers a full pool with ErrIPUsedOut', () => {
    const full = pool('full', { ipVersion: 4, subnet: '10.0.0.0/24', ips: ['10.0.0.1'] });
    const out = pickLowestFree(full, new Map([['10.0.0.1', { pod: 'a/b', podUid: 'u' }]]), undefined);
    expect(out).toMatchObject({ error: { code: 'used-out', message: expect.stringContaining('all IP addresses used out') } });
  });

  it('answers an empty spec.ips (no address implied by the CIDR) with ErrIPUsedOut', () => {
    const empty = pool('empty', { ipVersion: 4, subnet: '10.0.0.0/24' });
    expect(pickLowestFree(empty, none, undefined)).toMatchObject({ error: { code: 'used-out' } });
  });

  it('works on a /64 without enumerating it: the first address past a large allocated run', () => {
    const big = pool('v6', { ipVersion: 6, subnet: 'fd00::/64', ips: ['fd00::-fd00::ffff:ffff:ffff:ffff'] });
    const records: PoolRecords = new Map(
      Array.from({ length: 2000 }, (_, i) => [`fd00::${i.toString(16)}`, { pod: 'a/b', podUid: `u${i}` }]),
    );
    const blocked = reservedAddresses([reserved('r', ['fd00::7d0-fd00::ffff:ffff'], {}, 6)], 6);
    expect(pickLowestFree(big, records, blocked)).toEqual({ ip: 'fd00::1:0:0' });
  });
});
