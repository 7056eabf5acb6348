// PC1–PC38: SpiderIPPool validation on create.
import { describe, it } from 'vitest';
import type { SpiderIPPool, SpiderSubnet } from '../../../../ipam/model/index.js';
import { type PoolValidationContext, validateIPPoolCreate } from '../../../../ipam/rules/index.js';
import { config, expectOutcome, type Outcome, pool, subnet, v4Base, v6Base } from './fixtures.js';

const ctx = (pools: SpiderIPPool[] = [], subnets: SpiderSubnet[] = [], overrides = {}): PoolValidationContext => ({
  pools,
  subnets,
  config: config({ enableSpiderSubnet: false, ...overrides }),
});
const base = (spec = {}, meta = {}) => pool('pool', { ...v4Base, ...spec }, meta);
const ownedBy = (name: string) => ({
  ownerReferences: [{ apiVersion: 'spiderpool.spidernet.io/v2beta1', kind: 'SpiderSubnet', name, uid: `uid-${name}`, controller: true }],
});
const owner40 = subnet('subnet-40', { ipVersion: 4, subnet: '172.18.40.0/24', ips: ['172.18.40.1-172.18.40.2', '172.18.40.10'] });
const autoLabels = {
  'ipam.spidernet.io/owner-application-gv': 'apps_v1',
  'ipam.spidernet.io/owner-application-kind': 'Deployment',
  'ipam.spidernet.io/owner-application-namespace': 'test-ns',
  'ipam.spidernet.io/owner-application-name': 'test-name',
};
const autoAffinity = {
  'ipam.spidernet.io/app-api-group': 'apps',
  'ipam.spidernet.io/app-api-version': 'v1',
  'ipam.spidernet.io/app-kind': 'Deployment',
  'ipam.spidernet.io/app-namespace': 'test-ns',
  'ipam.spidernet.io/app-name': 'test-name',
};

const cases: Array<[string, SpiderIPPool, PoolValidationContext, Outcome, (string | RegExp)?]> = [
  ['PC1 ipVersion unset', base({ ipVersion: undefined }), ctx(), 'Invalid', /spec.ipVersion/],
  ['PC2 ipVersion 976', base({ ipVersion: 976 }), ctx(), 'Invalid', /supported values are 4 and 6/],
  ['PC3 IPv4 disabled', base(), ctx([], [], { enableIPv4: false }), 'Invalid', /IPv4 is disabled/],
  ['PC4 IPv6 disabled', pool('pool', v6Base), ctx([], [], { enableIPv6: false }), 'Invalid', /IPv6 is disabled/],
  ['PC5 subnet invalid CIDR', base({ subnet: 'invalid CIDR' }), ctx(), 'Invalid', /spec.subnet/],
  ['PC5 subnet not canonical', base({ subnet: '172.18.40.5/24' }), ctx(), 'Invalid', /write 172.18.40.0\/24/],
  ['PC6 same name exists', base(), ctx([base()]), 'AlreadyExists'],
  [
    'PC7 identical CIDR, other IPs',
    base({ ips: ['172.18.40.10'] }),
    ctx([pool('other', { ipVersion: 4, subnet: '172.18.40.0/24', ips: ['172.18.40.11-172.18.40.12'] })]),
    'Accepted',
  ],
  [
    'PC8 a stored pool with an invalid CIDR',
    base(),
    ctx([pool('broken', { ipVersion: 4, subnet: 'invalid CIDR' })]),
    'Invalid',
    /SpiderIPPool "broken"/,
  ],
  [
    'PC9 overlapping different CIDR',
    base(),
    ctx([pool('half', { ipVersion: 4, subnet: '172.18.40.0/25', ips: ['172.18.40.40'] })]),
    'Invalid',
    /overlaps 172.18.40.0\/25 of SpiderIPPool "half"/,
  ],
  ['PC10 default false', base({ default: false }), ctx(), 'Accepted'],
  ['PC10 default true without ips', base({ default: true, ips: undefined }), ctx(), 'Accepted'],
  ['PC11 ips syntax', base({ ips: ['invalid IP range'] }), ctx(), 'Invalid', /spec.ips\[0\]/],
  [
    'PC12 ips outside the subnet',
    base({ ips: ['172.18.40.1-172.18.40.2', '172.18.41.10'] }),
    ctx(),
    'Invalid',
    /spec.ips\[1\].*not inside spec.subnet/,
  ],
  ['PC13 no ips', base({ ips: undefined }), ctx(), 'Accepted'],
  [
    'PC14 a same-CIDR pool with invalid ips',
    base(),
    ctx([pool('broken', { ipVersion: 4, subnet: '172.18.40.0/24', ips: ['invalid IP range'] })]),
    'Invalid',
    /SpiderIPPool "broken"/,
  ],
  [
    'PC15 usable IPs overlap a same-CIDR pool',
    base(),
    ctx([pool('other', { ipVersion: 4, subnet: '172.18.40.0/24', ips: ['172.18.40.10'] })]),
    'Invalid',
    /172.18.40.10 already belong to SpiderIPPool "other"/,
  ],
  ['PC16 excludeIPs syntax', base({ excludeIPs: ['invalid IP range'] }), ctx(), 'Invalid', /spec.excludeIPs\[0\]/],
  ['PC17 excludeIPs outside the subnet', base({ excludeIPs: ['172.18.41.10'] }), ctx(), 'Invalid', /spec.excludeIPs\[0\].*not inside/],
  ['PC18 gateway syntax', base({ gateway: 'invalid IP' }), ctx(), 'Invalid', /spec.gateway/],
  ['PC19 gateway outside the subnet', base({ gateway: '172.18.41.1' }), ctx(), 'Invalid', /spec.gateway.*not inside/],
  ['PC20 gateway inside ips', base({ gateway: '172.18.40.1' }), ctx(), 'Invalid', /add it to spec.excludeIPs/],
  ['PC21 excluded gateway', base({ gateway: '172.18.40.1', excludeIPs: ['172.18.40.1'] }), ctx(), 'Accepted'],
  [
    'PC22 default route',
    base({ ips: ['172.18.40.2-172.18.40.3', '172.18.40.10'], routes: [{ dst: '0.0.0.0/0', gw: '172.18.40.1' }] }),
    ctx(),
    'Invalid',
    /spec.routes\[0\].dst.*spec.gateway/,
  ],
  [
    'PC22 IPv6 default route',
    pool('pool', { ...v6Base, routes: [{ dst: '::/0', gw: 'adbc:1234::1' }] }),
    ctx(),
    'Invalid',
    /spec.routes\[0\].dst/,
  ],
  [
    'PC23 duplicate route dst',
    base({
      routes: [
        { dst: '192.168.40.0/24', gw: '172.18.40.1' },
        { dst: '192.168.40.0/24', gw: '172.18.40.2' },
      ],
    }),
    ctx(),
    'Invalid',
    /spec.routes\[1\].dst.*same destination/,
  ],
  ['PC24 route dst syntax', base({ routes: [{ dst: 'invalid CIDR', gw: '172.18.40.1' }] }), ctx(), 'Invalid', /spec.routes\[0\].dst/],
  ['PC25 route gw syntax', base({ routes: [{ dst: '192.168.40.0/24', gw: 'invalid IP' }] }), ctx(), 'Invalid', /spec.routes\[0\].gw/],
  [
    'PC26 route gw outside the subnet',
    base({ routes: [{ dst: '192.168.40.0/24', gw: '172.18.41.1' }] }),
    ctx(),
    'Invalid',
    /spec.routes\[0\].gw.*not inside/,
  ],
  ['PC27 orphan pool with SpiderSubnet on', base(), ctx([], [], { enableSpiderSubnet: true }), 'Accepted'],
  [
    'PC28 owner subnet missing',
    base({}, ownedBy('ghost')),
    ctx([], [], { enableSpiderSubnet: true }),
    'Invalid',
    /SpiderSubnet "ghost" does not exist/,
  ],
  [
    'PC29 owned pool without ips',
    base({ ips: undefined }, ownedBy('subnet-40')),
    ctx([], [owner40], { enableSpiderSubnet: true }),
    'Accepted',
  ],
  [
    'PC30 owned pool with IPs outside its subnet',
    base({ ips: ['172.18.40.1-172.18.40.2', '172.18.40.40'] }, ownedBy('subnet-40')),
    ctx([], [owner40], { enableSpiderSubnet: true }),
    'Invalid',
    /172.18.40.40 are not IPs of the controlling SpiderSubnet "subnet-40"/,
  ],
  ['PC31 no podAffinity', base({ ips: ['172.18.40.1'] }), ctx(), 'Accepted'],
  [
    'PC32 auto pool affinity',
    base({ ips: ['172.18.40.1'], podAffinity: { matchLabels: autoAffinity } }, { labels: autoLabels }),
    ctx(),
    'Accepted',
  ],
  [
    'PC33 auto pool with extra selectors',
    base(
      {
        ips: ['172.18.40.1'],
        podAffinity: { matchLabels: { key: 'value' }, matchExpressions: [{ key: 'key', operator: 'In', values: ['value'] }] },
      },
      { labels: autoLabels },
    ),
    ctx(),
    'Invalid',
    /automatic pool/,
  ],
  ['PC34 ordinary podAffinity', base({ podAffinity: { matchLabels: { key: 'value' } } }), ctx(), 'Accepted'],
  ['PC35 label value syntax', base({ podAffinity: { matchLabels: { key: '.starts.with.dot' } } }), ctx(), 'Invalid', /label value/],
  ['PC36 empty podAffinity', base({ podAffinity: { matchLabels: {}, matchExpressions: [] } }), ctx(), 'Invalid', /empty selector/],
  [
    'PC37 everything valid, IPv4',
    base(
      {
        ips: ['172.18.40.2-172.18.40.3', '172.18.40.10'],
        excludeIPs: ['172.18.40.10'],
        gateway: '172.18.40.1',
        routes: [{ dst: '192.168.40.0/24', gw: '172.18.40.40' }],
        default: true,
      },
      ownedBy('subnet-40b'),
    ),
    ctx([], [subnet('subnet-40b', { ipVersion: 4, subnet: '172.18.40.0/24', ips: ['172.18.40.2-172.18.40.3', '172.18.40.10'] })], {
      enableSpiderSubnet: true,
    }),
    'Accepted',
  ],
  [
    'PC38 everything valid, IPv6',
    pool(
      'pool',
      {
        ipVersion: 6,
        subnet: 'abcd:1234::/120',
        ips: ['abcd:1234::2-abcd:1234::3', 'abcd:1234::a'],
        excludeIPs: ['abcd:1234::a'],
        gateway: 'abcd:1234::1',
        routes: [{ dst: 'fd00:40::/120', gw: 'abcd:1234::28' }],
        default: true,
      },
      ownedBy('subnet-v6'),
    ),
    ctx([], [subnet('subnet-v6', { ipVersion: 6, subnet: 'abcd:1234::/120', ips: ['abcd:1234::2-abcd:1234::3', 'abcd:1234::a'] })], {
      enableSpiderSubnet: true,
    }),
    'Accepted',
  ],
  ['ips items overlapping each other', base({ ips: ['172.18.40.1-172.18.40.5', '172.18.40.5'] }), ctx(), 'Invalid', /overlap/],
  ['ips of the other family', base({ ips: ['fd00::1'] }), ctx(), 'Invalid', /is IPv6 but spec.ipVersion is 4/],
  ['subnet of the other family', base({ subnet: 'fd00::/64', ips: [] }), ctx(), 'Invalid', /IPv6 CIDR but spec.ipVersion is 4/],
  ['octal-looking IPs', base({ ips: ['172.18.40.010'] }), ctx(), 'Invalid', /leading zero/],
  [
    'bad matchExpressions operator',
    base({ nodeAffinity: { matchExpressions: [{ key: 'k', operator: 'Near' }] } }),
    ctx(),
    'Invalid',
    /operator/,
  ],
];

describe('SpiderIPPool validation on create', () => {
  it.each(cases)('%s', (_name, input, context, outcome, words) => {
    expectOutcome(validateIPPoolCreate(input, context), outcome, words);
  });
});
