import { describe, expect, it } from 'vitest';
import { poolCounts, poolFinalizerRemovable, subnetFinalizerRemovable, subnetStatus } from '../../../ipam/status/index.js';
import { pool, subnet, terminating } from './rules/fixtures.js';

const owned = (name: string) => ({
  ownerReferences: [{ apiVersion: 'spiderpool.spidernet.io/v2beta1', kind: 'SpiderSubnet', name, uid: 'u', controller: true }],
});
const records = (ips: string[]) => JSON.stringify(Object.fromEntries(ips.map((ip, i) => [ip, { pod: `ns/p${i}`, podUid: `u${i}` }])));

describe('pool status counts', () => {
  it('counts usable IPs (ips − excludeIPs) and records', () => {
    const p = pool(
      'p',
      { ipVersion: 4, subnet: '10.6.0.0/16', ips: ['10.6.168.101-10.6.168.110'], excludeIPs: ['10.6.168.105'] },
      {},
      { allocatedIPs: records(['10.6.168.101', '10.6.168.102']) },
    );
    expect(poolCounts(p)).toEqual({ totalIPCount: 9, allocatedIPCount: 2 });
  });

  it('caps a huge IPv6 pool at the largest exact JSON number', () => {
    const p = pool('p', { ipVersion: 6, subnet: 'fd00::/64', ips: ['fd00::-fd00::ffff:ffff:ffff:ffff'] });
    expect(poolCounts(p).totalIPCount).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('keeps the stored counts of an unreadable pool instead of inventing zero', () => {
    const p = pool('p', { ipVersion: 4, subnet: 'broken' }, {}, { totalIPCount: 7, allocatedIPs: '{bad', allocatedIPCount: 3 });
    expect(poolCounts(p)).toEqual({ totalIPCount: 7, allocatedIPCount: 3 });
  });

  // Keys are read in canonical form, as reservation and release read them: one address is one record, however it
  // is spelled, and a status that holds an address twice or one the pool cannot hold is unreadable.
  const v6 = { ipVersion: 6, subnet: 'fd00::/120', ips: ['fd00::1-fd00::a'] };
  it.each([
    ['an uppercase IPv6 key', ['FD00::1'], 1],
    ['non-canonical IPv6 keys', ['fd00:0:0::0:1', 'FD00:0000::2'], 2],
    ['one address spelled twice', ['fd00::1', 'FD00::1'], 7],
    ['an IPv4 key in an IPv6 pool', ['fd00::1', '10.0.0.1'], 7],
  ])('counts %s as %i allocated (the stored count when unreadable)', (_what, ips, allocated) => {
    const p = pool('p', v6, {}, { allocatedIPs: records(ips), allocatedIPCount: 7 });
    expect(poolCounts(p)).toEqual({ totalIPCount: 10, allocatedIPCount: allocated });
  });

  it('keeps the finalizer of a terminating pool whose status holds one address twice', () => {
    expect(poolFinalizerRemovable(pool('p', v6, terminating, { allocatedIPs: records(['fd00::1', 'FD00::1']) }))).toBe(false);
  });

  it('lets a terminating pool go only when its last IP is released', () => {
    expect(poolFinalizerRemovable(pool('p', { subnet: '10.0.0.0/8' }, terminating, { allocatedIPs: records(['10.0.0.1']) }))).toBe(false);
    expect(poolFinalizerRemovable(pool('p', { subnet: '10.0.0.0/8' }, terminating, { allocatedIPs: null }))).toBe(true);
    expect(poolFinalizerRemovable(pool('p', { subnet: '10.0.0.0/8' }, {}, {}))).toBe(false);
  });
});

describe('subnet status', () => {
  const s = subnet('subnet-6', { ipVersion: 4, subnet: '10.6.0.0/16', ips: ['10.6.168.101-10.6.168.110'] });
  const manual = pool('manual', { ipVersion: 4, subnet: '10.6.0.0/16', ips: ['10.6.168.108-10.6.168.112'] }, owned('subnet-6'));
  const stranger = pool('stranger', { ipVersion: 4, subnet: '10.6.0.0/16', ips: ['10.6.168.101'] });

  it('records owned manual pools as the IPs they share with the subnet, and counts them', () => {
    expect(subnetStatus(s, [manual, stranger])).toEqual({
      controlledIPPools: JSON.stringify({ manual: { ips: ['10.6.168.108-10.6.168.110'] } }),
      totalIPCount: 10,
      allocatedIPCount: 3,
    });
  });

  it('keeps the scaler entries of automatic pools that still exist and drops those of deleted pools', () => {
    const withAuto = {
      ...s,
      status: {
        controlledIPPools: JSON.stringify({
          'auto4-app-eth0-abcde': { ips: ['10.6.168.101-10.6.168.103'], application: 'apps_v1_Deployment_default_app' },
          'auto4-gone-eth0-fghij': { ips: ['10.6.168.104'], application: 'apps_v1_Deployment_default_gone' },
        }),
      },
    };
    const auto = pool(
      'auto4-app-eth0-abcde',
      { ipVersion: 4, subnet: '10.6.0.0/16', ips: ['10.6.168.101-10.6.168.103'] },
      owned('subnet-6'),
    );
    const out = subnetStatus(withAuto, [auto, manual]);
    expect(JSON.parse(out.controlledIPPools ?? '{}')).toEqual({
      'auto4-app-eth0-abcde': { ips: ['10.6.168.101-10.6.168.103'], application: 'apps_v1_Deployment_default_app' },
      manual: { ips: ['10.6.168.108-10.6.168.110'] },
    });
    expect(out.allocatedIPCount).toBe(6);
  });

  it('is null when no pool is controlled, which lets a terminating subnet go', () => {
    expect(subnetStatus(s, [stranger]).controlledIPPools).toBeNull();
    expect(subnetFinalizerRemovable({ ...s, metadata: { ...s.metadata, ...terminating } }, [stranger])).toBe(true);
    expect(subnetFinalizerRemovable({ ...s, metadata: { ...s.metadata, ...terminating } }, [manual])).toBe(false);
  });
});
