// PM1–PM14: SpiderIPPool defaulting.
import { describe, expect, it } from 'vitest';
import { defaultIPPool } from '../../../../ipam/rules/index.js';
import { pool, subnet, terminating } from './fixtures.js';

const noSubnets = { subnets: [], enableSpiderSubnet: false };

describe('SpiderIPPool defaulting', () => {
  it('PM1 leaves a terminating pool alone', () => {
    const input = pool('p', { subnet: '172.18.40.0/24', ips: ['172.18.40.2', '172.18.40.1'] }, terminating);
    expect(defaultIPPool(input, noSubnets)).toEqual(input);
  });

  it('PM2 adds the finalizer, once', () => {
    const out = defaultIPPool(pool('p', { subnet: '172.18.40.0/24' }), noSubnets);
    expect(out.metadata.finalizers).toEqual(['spiderpool.spidernet.io']);
    expect(defaultIPPool(out, noSubnets).metadata.finalizers).toEqual(['spiderpool.spidernet.io']);
  });

  it('PM3 sets no CIDR label for an invalid version', () => {
    const out = defaultIPPool(pool('p', { ipVersion: 976, subnet: '172.18.40.0/24' }), noSubnets);
    expect(out.metadata.labels?.['ipam.spidernet.io/ippool-cidr']).toBeUndefined();
  });

  it('PM4 labels the pool with its CIDR', () => {
    const out = defaultIPPool(pool('p', { subnet: '172.18.40.0/24' }), noSubnets);
    expect(out.metadata.labels).toEqual({ 'ipam.spidernet.io/ippool-cidr': '172-18-40-0-24' });
  });

  it.each([
    ['10.6.0.1/16', '10.6.0.0/16'],
    ['FD00:0::1/64', 'fd00::/64'],
  ])('writes the subnet %s in canonical form %s', (written, canonical) => {
    const out = defaultIPPool(pool('p', { subnet: written }), noSubnets);
    expect(out.spec.subnet).toBe(canonical);
    expect(out.metadata.labels?.['ipam.spidernet.io/ippool-cidr']).toBe(canonical.replace(/[.:/]/g, '-'));
  });

  it('PM5 leaves ipVersion unset for an invalid CIDR', () => {
    expect(defaultIPPool(pool('p', { subnet: 'invalid CIDR' }), noSubnets).spec.ipVersion).toBeUndefined();
  });

  it.each([
    ['172.18.40.0/24', 4],
    ['abcd:1234::/120', 6],
  ])('PM6 derives ipVersion from %s', (cidr, version) => {
    expect(defaultIPPool(pool('p', { subnet: cidr }), noSubnets).spec.ipVersion).toBe(version);
  });

  const v4List = ['172.18.40.10', '172.18.40.1-172.18.40.2', '172.18.40.2-172.18.40.3'];
  const v6List = ['abcd:1234::a', 'abcd:1234::1-abcd:1234::2', 'abcd:1234::2-abcd:1234::3'];
  it.each([
    ['PM7', '172.18.40.0/24', v4List, ['172.18.40.1-172.18.40.3', '172.18.40.10']],
    ['PM8', 'abcd:1234::/120', v6List, ['abcd:1234::1-abcd:1234::3', 'abcd:1234::a']],
  ])('%s/PM9 sorts and merges ips and excludeIPs', (_id, cidr, list, merged) => {
    const out = defaultIPPool(pool('p', { subnet: cidr, ips: list, excludeIPs: list }), noSubnets);
    expect(out.spec.ips).toEqual(merged);
    expect(out.spec.excludeIPs).toEqual(merged);
  });

  it('PM10 does not merge with a bad version or a bad item', () => {
    expect(defaultIPPool(pool('p', { ipVersion: 976, subnet: '172.18.40.0/24', ips: v4List }), noSubnets).spec.ips).toEqual(v4List);
    const bad = ['invalid IP range', ...v4List];
    expect(defaultIPPool(pool('p', { subnet: '172.18.40.0/24', ips: bad }), noSubnets).spec.ips).toEqual(bad);
  });

  it('PM11 leaves a pool without a SpiderSubnet of its CIDR unowned', () => {
    const out = defaultIPPool(pool('p', { subnet: '172.18.40.0/24' }), {
      subnets: [subnet('s', { subnet: '172.18.50.0/24' })],
      enableSpiderSubnet: true,
    });
    expect(out.metadata.ownerReferences).toBeUndefined();
  });

  const s50 = subnet('subnet-50', { ipVersion: 4, subnet: '172.18.50.0/24', ips: ['172.18.50.1-172.18.50.2', '172.18.50.10'] });
  it('PM12 is adopted by the SpiderSubnet with the same CIDR, idempotently', () => {
    const ctx = { subnets: [s50], enableSpiderSubnet: true };
    const out = defaultIPPool(pool('p', { subnet: '172.18.50.0/24' }), ctx);
    expect(out.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'spiderpool.spidernet.io/v2beta1',
        kind: 'SpiderSubnet',
        name: 'subnet-50',
        uid: 'uid-subnet-50',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(out.metadata.labels?.['ipam.spidernet.io/owner-spider-subnet']).toBe('subnet-50');
    expect(defaultIPPool(out, ctx)).toEqual(out);
  });

  it('PM13 inherits gateway and routes only when unset / absent', () => {
    const s = { ...s50, spec: { ...s50.spec, gateway: '172.18.50.0', routes: [{ dst: '0.0.0.0/0', gw: '172.18.50.0' }] } };
    const ctx = { subnets: [s], enableSpiderSubnet: true };
    const inherited = defaultIPPool(pool('p', { subnet: '172.18.50.0/24' }), ctx);
    expect(inherited.spec.gateway).toBe('172.18.50.0');
    expect(inherited.spec.routes).toEqual([{ dst: '0.0.0.0/0', gw: '172.18.50.0' }]);
    const explicit = defaultIPPool(pool('p', { subnet: '172.18.50.0/24', gateway: '172.18.50.254', routes: [] }), ctx);
    expect(explicit.spec.gateway).toBe('172.18.50.254');
    expect(explicit.spec.routes).toEqual([]);
  });

  it('PM14 never steals a pool that has another controller', () => {
    const owned = pool(
      'p',
      { subnet: '172.18.50.0/24' },
      { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u', controller: true }] },
    );
    const out = defaultIPPool(owned, { subnets: [s50], enableSpiderSubnet: true });
    expect(out.metadata.ownerReferences).toEqual(owned.metadata.ownerReferences);
  });

  it('keeps fields it does not know', () => {
    const input = { ...pool('p', { subnet: '172.18.40.0/24' }), extra: { kept: true } } as ReturnType<typeof pool> & { extra: unknown };
    expect((defaultIPPool(input, noSubnets) as typeof input).extra).toEqual({ kept: true });
  });
});
