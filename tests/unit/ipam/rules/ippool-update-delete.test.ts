// PU1–PU29 and PD1–PD4: SpiderIPPool validation on update and delete.
import { describe, expect, it } from 'vitest';
import type { SpiderIPPool, SpiderSubnet } from '../../../../ipam/model/index.js';
import { type PoolValidationContext, validateIPPoolDelete, validateIPPoolUpdate } from '../../../../ipam/rules/index.js';
import { config, expectOutcome, type Outcome, pool, subnet, terminating, v6Base } from './fixtures.js';

const ctx = (pools: SpiderIPPool[] = [], subnets: SpiderSubnet[] = [], overrides = {}): PoolValidationContext => ({
  pools,
  subnets,
  config: config({ enableSpiderSubnet: false, ...overrides }),
});
const oldSpec = { ipVersion: 4, subnet: '172.18.40.0/24', ips: ['172.18.40.1-172.18.40.2', '172.18.40.10'] };
const old = (spec = {}, meta = {}, status?: SpiderIPPool['status']) => pool('pool', { ...oldSpec, ...spec }, meta, status);
const ownedBy = (name: string) => ({
  ownerReferences: [{ apiVersion: 'spiderpool.spidernet.io/v2beta1', kind: 'SpiderSubnet', name, uid: `uid-${name}`, controller: true }],
});
const autoMeta = {
  ...ownedBy('auto-subnet'),
  labels: {
    'ipam.spidernet.io/owner-application-gv': 'apps_v1',
    'ipam.spidernet.io/owner-application-kind': 'Deployment',
    'ipam.spidernet.io/owner-application-namespace': 'test-ns',
    'ipam.spidernet.io/owner-application-name': 'test-name',
  },
};
const autoSubnet = subnet(
  'auto-subnet',
  { ipVersion: 4, subnet: '172.18.40.0/24', ips: ['172.18.40.1-172.18.40.2'] },
  {},
  { controlledIPPools: JSON.stringify({ pool: { ips: ['172.18.40.1'], application: 'apps_v1_Deployment_test-ns_test-name' } }) },
);
const subnetOn = { enableSpiderSubnet: true };
/** status.allocatedIPs with one record per key, keys kept as spelled (JSON.stringify would not keep two spellings apart). */
const held = (...keys: string[]) => `{${keys.map((k, i) => `${JSON.stringify(k)}:{"pod":"default/pod${i}","podUid":"u${i}"}`).join(',')}}`;

const cases: Array<[string, SpiderIPPool, SpiderIPPool, PoolValidationContext, Outcome, (string | RegExp)?]> = [
  ['PU1 ipVersion unset', old(), old({ ipVersion: undefined }), ctx(), 'Invalid', /spec.ipVersion/],
  ['PU2 ipVersion 4 to 6', old(), old({ ipVersion: 6 }), ctx(), 'Invalid', /immutable/],
  [
    'PU3 IPv4 disabled',
    old({ ips: ['172.18.40.1-172.18.40.2'] }),
    old(),
    ctx([], [], { enableIPv4: false }),
    'Invalid',
    /IPv4 is disabled/,
  ],
  [
    'PU4 IPv6 disabled',
    pool('pool', { ...v6Base, ips: ['adbc:1234::1-adbc:1234::2'] }),
    pool('pool', v6Base),
    ctx([], [], { enableIPv6: false }),
    'Invalid',
    /IPv6 is disabled/,
  ],
  ['PU5 subnet changed', old(), old({ subnet: '172.18.40.0/25' }), ctx(), 'Invalid', /spec.subnet.*immutable/],
  ['PU6 default false to true', old({ default: false }), old({ default: true }), ctx(), 'Accepted'],
  ['PU7 invalid ips item', old(), old({ ips: [...oldSpec.ips, 'invalid IP range'] }), ctx(), 'Invalid', /spec.ips\[2\]/],
  ['PU8 ips outside the subnet', old(), old({ ips: [...oldSpec.ips, '172.18.41.10'] }), ctx(), 'Invalid', /spec.ips\[2\].*not inside/],
  ['PU9 emptied unused pool', old(), old({ ips: [] }), ctx(), 'Accepted'],
  [
    'PU10 a same-CIDR pool with invalid ips',
    old({ ips: ['172.18.40.1-172.18.40.2'] }),
    old(),
    ctx([pool('broken', { ipVersion: 4, subnet: '172.18.40.0/24', ips: ['invalid IP range'] })]),
    'Invalid',
    /"broken"/,
  ],
  [
    'PU11 overlap with another pool',
    old({ ips: ['172.18.40.1-172.18.40.2'] }),
    old(),
    ctx([pool('other', { ipVersion: 4, subnet: '172.18.40.0/24', ips: ['172.18.40.10'] })]),
    'Invalid',
    /"other"/,
  ],
  ['PU12 invalid excludeIPs item', old(), old({ excludeIPs: ['invalid IP range'] }), ctx(), 'Invalid', /spec.excludeIPs\[0\]/],
  [
    'PU12 excludeIPs outside the subnet',
    old(),
    old({ excludeIPs: ['172.18.41.10'] }),
    ctx(),
    'Invalid',
    /spec.excludeIPs\[0\].*not inside/,
  ],
  ['PU13 gateway syntax', old(), old({ gateway: 'invalid IP' }), ctx(), 'Invalid', /spec.gateway/],
  ['PU13 gateway outside', old(), old({ gateway: '172.18.41.1' }), ctx(), 'Invalid', /spec.gateway.*not inside/],
  ['PU13 gateway in ips', old(), old({ gateway: '172.18.40.1' }), ctx(), 'Invalid', /spec.gateway.*excludeIPs/],
  [
    'PU14 excluded gateway',
    old({ excludeIPs: ['172.18.40.1'] }),
    old({ excludeIPs: ['172.18.40.1'], gateway: '172.18.40.1' }),
    ctx(),
    'Accepted',
  ],
  [
    'PU15 default route',
    old({ ips: ['172.18.40.2-172.18.40.3', '172.18.40.10'] }),
    old({ ips: ['172.18.40.2-172.18.40.3', '172.18.40.10'], routes: [{ dst: '0.0.0.0/0', gw: '172.18.40.1' }] }),
    ctx(),
    'Invalid',
    /spec.routes\[0\].dst/,
  ],
  [
    'PU16 duplicate dst',
    old({ routes: [{ dst: '192.168.40.0/24', gw: '172.18.40.1' }] }),
    old({
      routes: [
        { dst: '192.168.40.0/24', gw: '172.18.40.1' },
        { dst: '192.168.40.0/24', gw: '172.18.40.2' },
      ],
    }),
    ctx(),
    'Invalid',
    /same destination/,
  ],
  ['PU17 route dst syntax', old(), old({ routes: [{ dst: 'invalid CIDR', gw: '172.18.40.1' }] }), ctx(), 'Invalid', /dst/],
  ['PU17 route gw syntax', old(), old({ routes: [{ dst: '192.168.40.0/24', gw: 'invalid IP' }] }), ctx(), 'Invalid', /gw/],
  ['PU17 route gw outside', old(), old({ routes: [{ dst: '192.168.40.0/24', gw: '172.18.41.1' }] }), ctx(), 'Invalid', /gw.*not inside/],
  [
    'PU18 removing an IP in use',
    old(
      {},
      {},
      { allocatedIPs: JSON.stringify({ '172.18.40.10': { pod: 'default/pod', podUid: 'f2a1c3e4-0000-4000-8000-000000000001' } }) },
    ),
    old({ ips: ['172.18.40.1-172.18.40.2'] }),
    ctx(),
    'Invalid',
    /172.18.40.10 is allocated to Pod default\/pod/,
  ],
  [
    'PU18 excluding an IP in use',
    old({}, {}, { allocatedIPs: JSON.stringify({ '172.18.40.10': { pod: 'default/pod', podUid: 'u' } }) }),
    old({ excludeIPs: ['172.18.40.10'] }),
    ctx(),
    'Invalid',
    /added to spec.excludeIPs/,
  ],
  ['PU19 orphan pool, SpiderSubnet on', old({ ips: ['172.18.40.1-172.18.40.2'] }), old(), ctx([], [], subnetOn), 'Accepted'],
  [
    'PU20 owner subnet missing',
    old({ ips: ['172.18.40.1-172.18.40.2'] }, ownedBy('ghost')),
    old({}, ownedBy('ghost')),
    ctx([], [], subnetOn),
    'Invalid',
    /"ghost" does not exist/,
  ],
  [
    'PU21 owned pool emptied',
    old({}, ownedBy('s')),
    old({ ips: [] }, ownedBy('s')),
    ctx([], [subnet('s', { ipVersion: 4, subnet: '172.18.40.0/24', ips: ['172.18.40.1-172.18.40.2'] })], subnetOn),
    'Accepted',
  ],
  [
    'PU22 owned pool grows past its subnet',
    old({ ips: ['172.18.40.1-172.18.40.2'] }, ownedBy('s')),
    old({}, ownedBy('s')),
    ctx([], [subnet('s', { ipVersion: 4, subnet: '172.18.40.0/24', ips: ['172.18.40.1-172.18.40.2'] })], subnetOn),
    'Invalid',
    /172.18.40.10 are not IPs of the controlling SpiderSubnet "s"/,
  ],
  [
    'PU23 user edits an auto pool',
    old({ ips: ['172.18.40.1'] }, autoMeta),
    old({ ips: ['172.18.40.1-172.18.40.2'] }, autoMeta),
    ctx([], [autoSubnet], subnetOn),
    'Invalid',
    /managed by the scaler/,
  ],
  [
    'PU23b the scaler shrinks an auto pool before its subnet record',
    old({ ips: ['172.18.40.1'] }, autoMeta),
    old({ ips: [] }, autoMeta),
    ctx([], [autoSubnet], subnetOn),
    'Accepted',
  ],
  [
    'PU24 annotation added to an auto pool',
    old({ ips: ['172.18.40.1'] }, autoMeta),
    old({ ips: ['172.18.40.1'] }, { ...autoMeta, annotations: { aaa: 'test' } }),
    ctx([], [autoSubnet], subnetOn),
    'Accepted',
  ],
  [
    'PU25 bad podAffinity value',
    old(),
    old({ podAffinity: { matchLabels: { key: '.starts.with.dot' } } }),
    ctx(),
    'Invalid',
    /label value/,
  ],
  ['PU26 finalizer removed from a terminating pool', old({}, terminating), old({}, { ...terminating, finalizers: [] }), ctx(), 'Accepted'],
  ['PU27 terminating pool updated', old({}, terminating), old({}, terminating), ctx(), 'Forbidden', /being deleted/],
  [
    'PU28 everything valid, IPv4',
    old({ ips: ['172.18.40.2-172.18.40.3'] }, ownedBy('s')),
    old(
      {
        ips: ['172.18.40.2-172.18.40.3', '172.18.40.10'],
        excludeIPs: ['172.18.40.10'],
        gateway: '172.18.40.1',
        routes: [{ dst: '192.168.40.0/24', gw: '172.18.40.40' }],
      },
      ownedBy('s'),
    ),
    ctx([], [subnet('s', { ipVersion: 4, subnet: '172.18.40.0/24', ips: ['172.18.40.2-172.18.40.3', '172.18.40.10'] })], subnetOn),
    'Accepted',
  ],
  [
    'PU29 everything valid, IPv6',
    pool('pool', { ipVersion: 6, subnet: 'abcd:1234::/120', ips: ['abcd:1234::2-abcd:1234::3'] }),
    pool('pool', {
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
  [
    'a corrupt allocatedIPs status',
    old({}, {}, { allocatedIPs: '{not json' }),
    old({ gateway: '172.18.40.254' }),
    ctx(),
    'Invalid',
    /status.allocatedIPs/,
  ],
  // Keys are read in canonical form and in the pool's family, as reservation and release read them.
  [
    'an uppercase IPv6 key in use, named canonically when its IP is excluded',
    old(v6Base, {}, { allocatedIPs: held('ADBC:1234::A') }),
    old({ ...v6Base, excludeIPs: ['adbc:1234::a'] }),
    ctx(),
    'Invalid',
    /adbc:1234::a is allocated to Pod default\/pod0 and cannot be removed/,
  ],
  [
    'an uppercase IPv6 key still inside spec.ips',
    old(v6Base, {}, { allocatedIPs: held('ADBC:1234::A') }),
    old({ ...v6Base, gateway: 'adbc:1234::fe' }),
    ctx(),
    'Accepted',
  ],
  [
    'an allocatedIPs status holding one IPv6 address twice',
    old(v6Base, {}, { allocatedIPs: held('adbc:1234::a', 'ADBC:1234:0::A') }),
    old({ ...v6Base, gateway: 'adbc:1234::fe' }),
    ctx(),
    'Invalid',
    /status.allocatedIPs holds adbc:1234::a twice/,
  ],
  [
    'an allocatedIPs status with an IPv6 key in an IPv4 pool',
    old({}, {}, { allocatedIPs: held('172.18.40.10', 'fd00::1') }),
    old({ gateway: '172.18.40.254' }),
    ctx(),
    'Invalid',
    /status.allocatedIPs has the key "fd00::1", which is IPv6, in an IPv4 pool/,
  ],
];

describe('SpiderIPPool validation on update', () => {
  it.each(cases)('%s', (_name, before, after, context, outcome, words) => {
    expectOutcome(validateIPPoolUpdate(before, after, context), outcome, words);
  });
});

describe('SpiderIPPool validation on delete', () => {
  const inUse = old({}, {}, { allocatedIPCount: 5 });
  it.each([
    ['PD1/PD2 switch off', inUse, false, 'Accepted'],
    ['PD3 switch on, 5 allocated', inUse, true, 'Forbidden'],
    ['PD4 switch on, none allocated', old({}, {}, { allocatedIPCount: 0 }), true, 'Accepted'],
    [
      'switch on, a record but a stale count',
      old({}, {}, { allocatedIPCount: 0, allocatedIPs: JSON.stringify({ '172.18.40.1': { pod: 'a/b', podUid: 'u' } }) }),
      true,
      'Forbidden',
    ],
  ] as const)('%s', (_name, input, validateDeletion, outcome) => {
    expectOutcome(
      validateIPPoolDelete(input, ctx([], [], { validateDeletion })),
      outcome,
      outcome === 'Forbidden' ? /still has \d allocated IPs/ : undefined,
    );
  });

  it('counts an uppercase IPv6 key once when the stored count is stale', () => {
    const stale = old(v6Base, {}, { allocatedIPCount: 0, allocatedIPs: held('ADBC:1234::A') });
    expectOutcome(validateIPPoolDelete(stale, ctx([], [], { validateDeletion: true })), 'Forbidden', /still has 1 allocated IPs/);
  });

  // Such a pool may hold addresses in use, and its finalizer would keep it terminating until the status is repaired.
  it.each([
    ['not JSON', old({}, {}, { allocatedIPCount: 0, allocatedIPs: '{not json' }), /status.allocatedIPs is not JSON/],
    ['one address twice', old(v6Base, {}, { allocatedIPs: held('adbc:1234::a', 'ADBC:1234::a') }), /holds adbc:1234::a twice/],
    ['an IPv6 key in an IPv4 pool', old({}, {}, { allocatedIPs: held('fd00::1') }), /"fd00::1", which is IPv6, in an IPv4 pool/],
  ])('refuses to delete a pool whose allocatedIPs status is unreadable (%s), saying why', (_what, input, words) => {
    const violations = validateIPPoolDelete(input, ctx([], [], { validateDeletion: true }));
    expectOutcome(violations, 'Forbidden', words);
    expectOutcome(violations, 'Forbidden', /may still have allocated IPs.*clear status.allocatedIPs/);
    expect(validateIPPoolDelete(input, ctx([], [], { validateDeletion: false }))).toEqual([]);
  });
});
