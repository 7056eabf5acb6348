// SpiderSubnet defaulting (§2.5) and validation SC1–SC17, SU1–SU14, delete.
import { describe, expect, it } from 'vitest';
import type { SpiderIPPool, SpiderSubnet } from '../../../../ipam/model/index.js';
import {
  defaultSubnet,
  type SubnetValidationContext,
  validateSubnetCreate,
  validateSubnetDelete,
  validateSubnetUpdate,
} from '../../../../ipam/rules/index.js';
import { config, expectOutcome, type Outcome, pool, subnet, terminating, v4Base, v6Base } from './fixtures.js';

const ctx = (subnets: SpiderSubnet[] = [], pools: SpiderIPPool[] = [], overrides = {}): SubnetValidationContext => ({
  subnets,
  pools,
  config: config(overrides),
});
const base = (spec = {}, meta = {}, status?: SpiderSubnet['status']) => subnet('subnet', { ...v4Base, ...spec }, meta, status);
const okRoutes = { ips: ['172.18.40.2-172.18.40.3', '172.18.40.10'] };

describe('SpiderSubnet defaulting', () => {
  it('adds the finalizer and the CIDR label, derives the version, merges lists', () => {
    const out = defaultSubnet(
      subnet('s', { subnet: '172.18.40.0/24', ips: ['172.18.40.10', '172.18.40.1-172.18.40.2', '172.18.40.2-172.18.40.3'] }),
    );
    expect(out.metadata.finalizers).toEqual(['spiderpool.spidernet.io']);
    expect(out.metadata.labels).toEqual({ 'ipam.spidernet.io/subnet-cidr': '172-18-40-0-24' });
    expect(out.spec.ipVersion).toBe(4);
    expect(out.spec.ips).toEqual(['172.18.40.1-172.18.40.3', '172.18.40.10']);
    expect(defaultSubnet(subnet('s', { subnet: 'abcd:1234::/120' })).spec.ipVersion).toBe(6);
    expect(defaultSubnet(subnet('s', { subnet: 'invalid CIDR' })).spec.ipVersion).toBeUndefined();
    const bad = ['invalid IP range', '172.18.40.2', '172.18.40.1'];
    expect(defaultSubnet(subnet('s', { subnet: '172.18.40.0/24', ips: bad })).spec.ips).toEqual(bad);
    expect(defaultSubnet(subnet('s', { ipVersion: 976, subnet: '172.18.40.0/24', ips: ['172.18.40.2', '172.18.40.1'] })).spec.ips).toEqual([
      '172.18.40.2',
      '172.18.40.1',
    ]);
  });

  it('leaves a terminating subnet alone', () => {
    const input = subnet('s', { subnet: '172.18.40.0/24' }, terminating);
    expect(defaultSubnet(input)).toEqual(input);
  });
});

const createCases: Array<[string, SpiderSubnet, SubnetValidationContext, Outcome, (string | RegExp)?]> = [
  ['SC1 ipVersion unset', base({ ipVersion: undefined }), ctx(), 'Invalid', /spec.ipVersion/],
  ['SC1 ipVersion 976', base({ ipVersion: 976 }), ctx(), 'Invalid', /4 and 6/],
  ['SC2 IPv4 disabled', base(), ctx([], [], { enableIPv4: false }), 'Invalid', /IPv4 is disabled/],
  ['SC2 IPv6 disabled', subnet('subnet', v6Base), ctx([], [], { enableIPv6: false }), 'Invalid', /IPv6 is disabled/],
  ['SC3 invalid CIDR', base({ subnet: 'invalid CIDR' }), ctx(), 'Invalid', /spec.subnet/],
  ['SC3 not canonical', base({ subnet: '172.18.40.1/24', ips: [] }), ctx(), 'Invalid', /canonical/],
  ['SC4 same name', base(), ctx([base()]), 'AlreadyExists'],
  [
    'SC5 a stored subnet with an invalid CIDR',
    base(),
    ctx([subnet('broken', { ipVersion: 4, subnet: 'invalid CIDR' })]),
    'Invalid',
    /"broken"/,
  ],
  [
    'SC6 overlapping subnet',
    base(),
    ctx([subnet('half', { ipVersion: 4, subnet: '172.18.40.0/25', ips: ['172.18.40.40'] })]),
    'Invalid',
    /SpiderSubnet "half"/,
  ],
  [
    'SC6 identical CIDR',
    base(),
    ctx([subnet('twin', { ipVersion: 4, subnet: '172.18.40.0/24' })]),
    'Invalid',
    /one SpiderSubnet per network/,
  ],
  [
    'SC7 overlapping orphan pool',
    base(),
    ctx([], [pool('p', { ipVersion: 4, subnet: '172.18.40.0/25', ips: ['172.18.40.40'] })]),
    'Invalid',
    /SpiderIPPool "p"/,
  ],
  ['SC8 ips syntax', base({ ips: ['invalid IP range'] }), ctx(), 'Invalid', /spec.ips\[0\]/],
  ['SC9 ips outside', base({ ips: ['172.18.40.1-172.18.40.2', '172.18.41.10'] }), ctx(), 'Invalid', /spec.ips\[1\]/],
  [
    'SC10 a same-CIDR pool holds IPs the subnet would not cover',
    subnet('subnet', { ipVersion: 4, subnet: '172.18.40.0/25', ips: ['172.18.40.41-172.18.40.45'] }),
    ctx([], [pool('p', { ipVersion: 4, subnet: '172.18.40.0/25', ips: ['172.18.40.40-172.18.40.45'] })]),
    'Invalid',
    /SpiderIPPool "p" of the same subnet holds 172.18.40.40/,
  ],
  [
    'SC11 a same-CIDR pool covered',
    subnet('subnet', { ipVersion: 4, subnet: '172.18.40.0/25', ips: ['172.18.40.40-172.18.40.45'] }),
    ctx([], [pool('p', { ipVersion: 4, subnet: '172.18.40.0/25', ips: ['172.18.40.40-172.18.40.41'] })]),
    'Accepted',
  ],
  ['SC12 excludeIPs syntax', base({ excludeIPs: ['invalid IP range'] }), ctx(), 'Invalid', /excludeIPs\[0\]/],
  ['SC12 excludeIPs outside', base({ excludeIPs: ['172.18.41.10'] }), ctx(), 'Invalid', /excludeIPs\[0\]/],
  ['SC13 gateway syntax', base({ gateway: 'invalid IP' }), ctx(), 'Invalid', /gateway/],
  ['SC13 gateway outside', base({ gateway: '172.18.41.1' }), ctx(), 'Invalid', /gateway/],
  ['SC13 gateway in ips', base({ gateway: '172.18.40.1' }), ctx(), 'Invalid', /gateway/],
  ['SC14 excluded gateway', base({ gateway: '172.18.40.1', excludeIPs: ['172.18.40.1'] }), ctx(), 'Accepted'],
  ['SC15 default route', base({ ...okRoutes, routes: [{ dst: '0.0.0.0/0', gw: '172.18.40.1' }] }), ctx(), 'Invalid', /routes\[0\].dst/],
  [
    'SC15 duplicate dst',
    base({
      ...okRoutes,
      routes: [
        { dst: '192.168.40.0/24', gw: '172.18.40.1' },
        { dst: '192.168.40.0/24', gw: '172.18.40.4' },
      ],
    }),
    ctx(),
    'Invalid',
    /same destination/,
  ],
  ['SC15 dst syntax', base({ ...okRoutes, routes: [{ dst: 'invalid CIDR', gw: '172.18.40.1' }] }), ctx(), 'Invalid', /dst/],
  ['SC15 gw syntax', base({ ...okRoutes, routes: [{ dst: '192.168.40.0/24', gw: 'invalid IP' }] }), ctx(), 'Invalid', /gw/],
  ['SC15 gw outside', base({ ...okRoutes, routes: [{ dst: '192.168.40.0/24', gw: '172.18.41.1' }] }), ctx(), 'Invalid', /gw/],
  [
    'SC16 everything valid, IPv4',
    base({ ...okRoutes, excludeIPs: ['172.18.40.10'], gateway: '172.18.40.1', routes: [{ dst: '192.168.40.0/24', gw: '172.18.40.40' }] }),
    ctx(),
    'Accepted',
  ],
  [
    'SC17 everything valid, IPv6',
    subnet('subnet', {
      ipVersion: 6,
      subnet: 'abcd:1234::/120',
      ips: ['abcd:1234::2-abcd:1234::3', 'abcd:1234::a'],
      excludeIPs: ['abcd:1234::a'],
      gateway: 'abcd:1234::1',
      routes: [{ dst: 'fd00:40::/120', gw: 'abcd:1234::28' }],
    }),
    ctx(),
    'Accepted',
  ],
];

describe('SpiderSubnet validation on create', () => {
  it.each(createCases)('%s', (_name, input, context, outcome, words) => {
    expectOutcome(validateSubnetCreate(input, context), outcome, words);
  });
});

const controlled = (pools: Record<string, { ips: string[] }>) => ({ controlledIPPools: JSON.stringify(pools) });
const updateCases: Array<[string, SpiderSubnet, SpiderSubnet, Outcome, (string | RegExp)?, object?]> = [
  ['SU1 ipVersion unset', base(), base({ ipVersion: undefined }), 'Invalid', /ipVersion/],
  ['SU1 ipVersion 4 to 6', base(), base({ ipVersion: 6 }), 'Invalid', /immutable/],
  ['SU2 IPv4 disabled', base({ ips: ['172.18.40.1-172.18.40.2'] }), base(), 'Invalid', /IPv4 is disabled/, { enableIPv4: false }],
  [
    'SU2 IPv6 disabled',
    subnet('subnet', { ...v6Base, ips: ['adbc:1234::1-adbc:1234::2'] }),
    subnet('subnet', v6Base),
    'Invalid',
    /IPv6 is disabled/,
    { enableIPv6: false },
  ],
  ['SU3 subnet changed', base(), base({ subnet: '172.18.40.0/25' }), 'Invalid', /immutable/],
  ['SU4 ips syntax', base(), base({ ips: [...v4Base.ips, 'invalid IP range'] }), 'Invalid', /spec.ips\[2\]/],
  ['SU4 ips outside', base(), base({ ips: [...v4Base.ips, '172.18.41.10'] }), 'Invalid', /spec.ips\[2\]/],
  ['SU5 excludeIPs syntax', base(), base({ excludeIPs: ['invalid IP range'] }), 'Invalid', /excludeIPs/],
  ['SU5 excludeIPs outside', base(), base({ excludeIPs: ['172.18.41.10'] }), 'Invalid', /excludeIPs/],
  ['SU6 gateway syntax', base(), base({ gateway: 'invalid IP' }), 'Invalid', /gateway/],
  ['SU6 gateway outside', base(), base({ gateway: '172.18.41.1' }), 'Invalid', /gateway/],
  ['SU6 gateway in ips', base(), base({ gateway: '172.18.40.1' }), 'Invalid', /gateway/],
  [
    'SU7 excluded gateway',
    base({ excludeIPs: ['172.18.40.1'] }),
    base({ excludeIPs: ['172.18.40.1'], gateway: '172.18.40.1' }),
    'Accepted',
  ],
  ['SU8 default route', base(okRoutes), base({ ...okRoutes, routes: [{ dst: '0.0.0.0/0', gw: '172.18.40.1' }] }), 'Invalid', /dst/],
  ['SU8 route gw outside', base(okRoutes), base({ ...okRoutes, routes: [{ dst: '192.168.40.0/24', gw: '172.18.41.1' }] }), 'Invalid', /gw/],
  [
    'SU9 removing IPs a pool holds',
    base({}, {}, controlled({ pool: { ips: ['172.18.40.10'] } })),
    base({ ips: ['172.18.40.1-172.18.40.2'] }),
    'Invalid',
    /172.18.40.10 are held by SpiderIPPool "pool"/,
  ],
  [
    'SU10 removing free IPs',
    base({}, {}, controlled({ pool: { ips: ['172.18.40.1'] } })),
    base({ ips: ['172.18.40.1-172.18.40.2'] }),
    'Accepted',
  ],
  [
    'SU11 corrupt controlledIPPools',
    base({}, {}, controlled({ pool: { ips: ['invalid IP range'] } })),
    base(),
    'Invalid',
    /status.controlledIPPools/,
  ],
  ['SU12 finalizer removed while terminating', base({}, terminating), base({}, { ...terminating, finalizers: [] }), 'Accepted'],
  ['SU13 terminating subnet updated', base({}, terminating), base({}, terminating), 'Forbidden', /being deleted/],
  [
    'SU14 everything valid, IPv4',
    base({ ips: ['172.18.40.2-172.18.40.3'] }),
    base({
      ips: ['172.18.40.2-172.18.40.3', '172.18.40.10'],
      excludeIPs: ['172.18.40.10'],
      gateway: '172.18.40.1',
      routes: [{ dst: '192.168.40.0/24', gw: '172.18.40.40' }],
    }),
    'Accepted',
  ],
];

describe('SpiderSubnet validation on update', () => {
  it.each(updateCases)('%s', (_name, before, after, outcome, words, overrides) => {
    expectOutcome(validateSubnetUpdate(before, after, ctx([], [], overrides)), outcome, words);
  });
});

describe('SpiderSubnet validation on delete', () => {
  it('refuses a subnet that handed IPs to pools, when deletion is validated', () => {
    const used = base({}, {}, { allocatedIPCount: 5, ...controlled({ pool: { ips: ['172.18.40.1-172.18.40.5'] } }) });
    expectOutcome(validateSubnetDelete(used, ctx([], [], { validateDeletion: true })), 'Forbidden', /handed 5 IPs to pools \(pool\)/);
    expectOutcome(validateSubnetDelete(used, ctx([], [], { validateDeletion: false })), 'Accepted');
    expectOutcome(validateSubnetDelete(base({}, {}, { allocatedIPCount: 0 }), ctx([], [], { validateDeletion: true })), 'Accepted');
  });

  it('tells pools still stored from entries whose pool is already deleted', () => {
    const entries = controlled({ kept: { ips: ['172.18.40.1-172.18.40.2'] }, gone: { ips: ['172.18.40.3'] } });
    const used = base({}, {}, { allocatedIPCount: 3, ...entries });
    const kept = pool('kept', { ipVersion: 4, subnet: '172.18.40.0/24', ips: ['172.18.40.1-172.18.40.2'] });
    const on = { validateDeletion: true };
    expectOutcome(validateSubnetDelete(used, ctx([], [kept], on)), 'Forbidden', /delete kept first; gone are already deleted/);
    expectOutcome(
      validateSubnetDelete(used, ctx([], [], on)),
      'Forbidden',
      /handed 3 IPs to pools \(kept, gone\) that are already deleted; .* try again then/,
    );
    const onlyKept = base({}, {}, { allocatedIPCount: 2, ...controlled({ kept: { ips: ['172.18.40.1-172.18.40.2'] } }) });
    expectOutcome(
      validateSubnetDelete(onlyKept, ctx([], [kept], on)),
      'Forbidden',
      /handed 2 IPs to pools \(kept\); delete those pools first/,
    );
  });
});

describe('SpiderSubnet update and the pools of its CIDR it has not adopted yet', () => {
  // A pool is adopted by the subnet of its CIDR at its next write: until then it is in no controlledIPPools entry,
  // and narrowing the subnet's IPs away from it would leave it adopted later with IPs outside the subnet.
  const late = pool('late', { ipVersion: 4, subnet: '172.18.40.0/24', ips: ['172.18.40.40-172.18.40.41'] });

  it('refuses IPs that would no longer cover such a pool, naming it', () => {
    expectOutcome(
      validateSubnetUpdate(base(), base({ ips: ['172.18.40.1-172.18.40.2'] }), ctx([], [late])),
      'Invalid',
      /SpiderIPPool "late" of the same subnet holds 172.18.40.40-172.18.40.41, which these IPs would not cover/,
    );
  });

  it('accepts a change that still covers it', () => {
    expectOutcome(validateSubnetUpdate(base(), base({ ips: ['172.18.40.40-172.18.40.50'] }), ctx([], [late])), 'Accepted');
  });

  it('leaves an adopted pool to the controlledIPPools rule, which names only what it holds', () => {
    const adopted = base({}, {}, controlled({ late: { ips: ['172.18.40.40'] } }));
    const violations = validateSubnetUpdate(adopted, base({ ips: ['172.18.40.40', '172.18.40.1'] }), ctx([], [late]));
    expect(violations).toEqual([]);
  });
});
