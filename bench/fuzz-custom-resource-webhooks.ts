// Fuzzes the defaulting and validating webhooks of SpiderIPPool, SpiderSubnet and SpiderReservedIP over real HTTP:
// random well-formed objects and mutations of them (wrong types in every field, junk addresses, prototype keys,
// huge and deeply nested values) go through the express app on 127.0.0.1 as CREATE, UPDATE and DELETE reviews,
// against a cluster view holding valid and deliberately corrupt pools and subnets. Every answer must be HTTP 200
// with a well-formed review; a 500 (the server caught a crash) or a non-200 is a bug, and fast-check shrinks the
// body that caused it. The generators and the harness are exported for tests/unit/admission/custom-resources-fuzz.test.ts.
//
//   npx tsx bench/fuzz-custom-resource-webhooks.ts [--count N] [--seed S] [--shrink-seconds T]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import jsonPatch from 'fast-json-patch';
import type { ClusterView } from '../admission/cluster-view.js';
import { ADMISSION_V1, ADMISSION_V1BETA1, type AdmissionHandler, type JsonObject, type JsonValue } from '../admission/index.js';
import { mutateIPPool, mutateReservedIP, mutateSubnet } from '../admission/mutate/custom-resources.js';
import { validateIPPool, validateReservedIP, validateSubnet } from '../admission/validate/custom-resources.js';
import {
  finalizer,
  group,
  kinds,
  labels,
  plurals,
  type SpiderIPPool,
  type SpiderSubnet,
  apiVersion as spiderApiVersion,
  version,
} from '../ipam/model/index.js';
import { defaultRulesConfig } from '../ipam/rules/index.js';
import { type Crash, startLoopbackWebhooks } from './fuzz-webhook-app.js';

export type { Crash } from './fuzz-webhook-app.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');

// ---------------------------------------------------------------------------------------------
// Endpoints

export type ResourceKind = (typeof kinds)[keyof typeof kinds];
type KindKey = keyof typeof kinds;

export interface FuzzEndpoint {
  /** The route name, also the `webhook` metric label. */
  name: string;
  path: string;
  kind: ResourceKind;
  plural: string;
  mode: 'mutate' | 'validate';
}

const kindKeys: readonly KindKey[] = ['ipPool', 'subnet', 'reservedIP'];

// Paths as controller-runtime (and so Spiderpool) derives them from group, version and kind.
export const endpoints: readonly FuzzEndpoint[] = kindKeys.flatMap((key) =>
  (['mutate', 'validate'] as const).map((mode) => ({
    name: `${mode}-${kinds[key].toLowerCase()}`,
    path: `/${mode}-${group.replaceAll('.', '-')}-${version}-${kinds[key].toLowerCase()}`,
    kind: kinds[key],
    plural: plurals[key],
    mode,
  })),
);

// ---------------------------------------------------------------------------------------------
// The cluster as the webhooks see it: valid objects, and objects no webhook would have let in (stored before the
// webhook existed, or edited around it) whose comparison must produce a message, not a crash.

const now = '2026-01-10T10:00:00Z';
const later = '2026-01-11T10:00:00Z';
const autoLabels = {
  [labels.ownerApplicationGV]: 'apps_v1',
  [labels.ownerApplicationKind]: 'Deployment',
  [labels.ownerApplicationNamespace]: 'default',
  [labels.ownerApplicationName]: 'web',
};

function storedPool(name: string, spec: SpiderIPPool['spec'], extra: Partial<SpiderIPPool> = {}): SpiderIPPool {
  return {
    apiVersion: spiderApiVersion,
    kind: kinds.ipPool,
    ...extra,
    metadata: { name, uid: `uid-${name}`, finalizers: [finalizer], creationTimestamp: now, ...extra.metadata },
    spec,
  };
}

function storedSubnet(name: string, spec: SpiderSubnet['spec'], extra: Partial<SpiderSubnet> = {}): SpiderSubnet {
  return {
    apiVersion: spiderApiVersion,
    kind: kinds.subnet,
    ...extra,
    metadata: { name, uid: `uid-${name}`, finalizers: [finalizer], creationTimestamp: now, ...extra.metadata },
    spec,
  };
}

const validSubnets: SpiderSubnet[] = [
  storedSubnet(
    'subnet-v4',
    {
      ipVersion: 4,
      subnet: '172.18.0.0/16',
      ips: ['172.18.0.1-172.18.0.200'],
      gateway: '172.18.0.254',
      routes: [{ dst: '10.200.0.0/16', gw: '172.18.0.254' }],
    },
    {
      status: {
        controlledIPPools: JSON.stringify({
          'pool-auto': { ips: ['172.18.0.100-172.18.0.101'], application: 'apps/v1_Deployment_default_web' },
          'pool-owned': { ips: ['172.18.0.10-172.18.0.20'] },
        }),
        allocatedIPCount: 13,
        totalIPCount: 200,
      },
    },
  ),
  storedSubnet('subnet-v6', { ipVersion: 6, subnet: 'fd00:7::/64', ips: ['fd00:7::1-fd00:7::ff'], gateway: 'fd00:7::fffe' }),
  storedSubnet(
    'subnet-terminating',
    { ipVersion: 4, subnet: '10.11.0.0/24', ips: ['10.11.0.1-10.11.0.9'] },
    { metadata: { deletionTimestamp: later, finalizers: [finalizer] } },
  ),
];

const corruptSubnets: SpiderSubnet[] = [
  storedSubnet('subnet-bad-cidr', { ipVersion: 6, subnet: 'fd00::zz/64', ips: ['fd00::1'] }),
  storedSubnet(
    'subnet-corrupt-status',
    { ipVersion: 4, subnet: '10.9.0.0/16', ips: ['10.9.0.1-10.9.0.9'] },
    { status: { controlledIPPools: '{"pool-x": {"ips": "10.9.0.1"', allocatedIPCount: 3 } },
  ),
  storedSubnet(
    'subnet-bad-records',
    { ipVersion: 4, subnet: '10.10.0.0/16', ips: ['10.10.0.1-10.10.0.9'] },
    { status: { controlledIPPools: '{"pool-y": {"ips": ["10.10.0.9-10.10.0.1", "x"]}, "pool-z": {"ips": 5}}' } },
  ),
];

const validPools: SpiderIPPool[] = [
  storedPool(
    'pool-v4-a',
    { ipVersion: 4, subnet: '10.6.0.0/16', ips: ['10.6.168.101-10.6.168.110'], gateway: '10.6.0.1' },
    {
      status: {
        allocatedIPs: JSON.stringify({ '10.6.168.101': { pod: 'default/web-1', podUid: 'uid-web-1' } }),
        allocatedIPCount: 1,
        totalIPCount: 10,
      },
    },
  ),
  storedPool('pool-v6-a', { ipVersion: 6, subnet: 'fd00:6::/64', ips: ['fd00:6::10-fd00:6::20'] }),
  storedPool(
    'pool-owned',
    { ipVersion: 4, subnet: '172.18.0.0/16', ips: ['172.18.0.10-172.18.0.20'], gateway: '172.18.0.254' },
    {
      metadata: {
        labels: { [labels.ownerSubnet]: 'subnet-v4' },
        ownerReferences: [
          {
            apiVersion: spiderApiVersion,
            kind: kinds.subnet,
            name: 'subnet-v4',
            uid: 'uid-subnet-v4',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
    },
  ),
  storedPool(
    'pool-auto',
    {
      ipVersion: 4,
      subnet: '172.18.0.0/16',
      ips: ['172.18.0.100-172.18.0.101'],
      podAffinity: { matchLabels: { 'ipam.spidernet.io/app-name': 'web' } },
    },
    {
      metadata: {
        labels: { ...autoLabels, [labels.ownerSubnet]: 'subnet-v4' },
        ownerReferences: [{ apiVersion: spiderApiVersion, kind: kinds.subnet, name: 'subnet-v4', uid: 'uid-subnet-v4', controller: true }],
      },
    },
  ),
  storedPool(
    'pool-terminating',
    { ipVersion: 4, subnet: '10.100.0.0/16', ips: ['10.100.0.1-10.100.0.9'] },
    { metadata: { deletionTimestamp: later, finalizers: [finalizer] } },
  ),
];

const corruptPools: SpiderIPPool[] = [
  storedPool('pool-bad-cidr', { ipVersion: 4, subnet: '10.300.0.0/16', ips: ['10.300.0.1'] }),
  storedPool('pool-bad-ips', { ipVersion: 4, subnet: '10.7.0.0/24', ips: ['10.7.0.9-10.7.0.1', '010.7.0.5', 'a-b-c'] }),
  storedPool('pool-no-version', { subnet: 'fd00:9::/64', ips: ['fd00:9::1'] }),
  storedPool(
    'pool-corrupt-status',
    { ipVersion: 4, subnet: '10.8.0.0/24', ips: ['10.8.0.1-10.8.0.50'] },
    { status: { allocatedIPs: '{"10.8.0.1": "default/web"', allocatedIPCount: 1 } },
  ),
  storedPool(
    'pool-bad-records',
    { ipVersion: 4, subnet: '10.8.0.0/24', ips: ['10.8.0.51-10.8.0.60'] },
    { status: { allocatedIPs: '{"10.8.0.51": {"pod": 7}, "not-an-ip": {"pod": "a/b", "podUid": "u"}}', allocatedIPCount: 2 } },
  ),
];

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Which cluster a case runs against. One unreadable pool or subnet makes every new pool or subnet it must be
 * compared with a denial, so two cases in three see only valid objects: otherwise hardly any create is allowed.
 */
export type ViewName = 'valid' | 'with-corrupt';

// Frozen like an informer cache: a handler that writes into the cache throws, and is reported as a crash.
const views: Record<ViewName, { pools: readonly SpiderIPPool[]; subnets: readonly SpiderSubnet[] }> = deepFreeze({
  valid: { pools: validPools, subnets: validSubnets },
  'with-corrupt': { pools: [...validPools, ...corruptPools], subnets: [...validSubnets, ...corruptSubnets] },
});

// ---------------------------------------------------------------------------------------------
// Well-formed objects

interface Network {
  family: 4 | 6;
  cidr: string;
  host(offset: number): string;
}

function v4Network(cidr: string): Network {
  const [address = '', prefix = '32'] = cidr.split('/');
  const base = address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(prefix));
  return {
    family: 4,
    cidr,
    host: (offset) => [24, 16, 8, 0].map((shift) => Math.floor((base + (offset % size)) / 2 ** shift) % 256).join('.'),
  };
}

/** `cidr` is written with a trailing "::", so a host is that text plus the last group. */
function v6Network(cidr: string): Network {
  const [address = '', prefix = '128'] = cidr.split('/');
  const size = 2 ** Math.min(16, 128 - Number(prefix));
  return { family: 6, cidr, host: (offset) => `${address}${(offset % size).toString(16)}` };
}

// Networks of the stored objects (same CIDR, overlapping, owned by a subnet) and fresh ones.
const networks: readonly Network[] = [
  v4Network('10.6.0.0/16'),
  v4Network('10.6.1.0/24'),
  v4Network('172.18.0.0/16'),
  v4Network('10.8.0.0/24'),
  v4Network('10.9.0.0/16'),
  v4Network('192.168.10.0/24'),
  v4Network('10.100.0.0/16'),
  v4Network('10.20.0.0/16'),
  v4Network('192.168.20.0/24'),
  v6Network('fd00:6::/64'),
  v6Network('fd00:7::/64'),
  v6Network('adbc:1234::/120'),
  v6Network('fd00:20::/64'),
];

const nonCanonical = (net: Network) => (net.family === 4 ? `${net.host(1)}/${net.cidr.split('/')[1]}` : net.cidr.toUpperCase());

// Offsets stay below 256 so a range never wraps in a /24 or /120.
const rangeIn = (net: Network) =>
  fc
    .tuple(fc.nat({ max: 200 }), fc.nat({ max: 50 }))
    .map(([start, length]) => (length === 0 ? net.host(start) : `${net.host(start)}-${net.host(start + length)}`));

// Cross-shrinking lets fast-check drop a field altogether while it minimises a failing body.
const optional = <T>(arbitrary: fc.Arbitrary<T>, weight = 1) =>
  fc.oneof({ withCrossShrink: true }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight, arbitrary });

function addressSpec(net: Network) {
  return fc.record({
    ipVersion: optional(fc.constant(net.family), 8),
    subnet: fc.oneof({ weight: 6, arbitrary: fc.constant(net.cidr) }, { weight: 1, arbitrary: fc.constant(nonCanonical(net)) }),
    ips: optional(fc.array(rangeIn(net), { maxLength: 4 }), 4),
    excludeIPs: optional(fc.array(rangeIn(net), { maxLength: 2 })),
    gateway: optional(fc.nat({ max: 255 }).map(net.host)),
    routes: optional(
      fc.array(
        fc.record({
          dst: fc.constantFrom(...(net.family === 4 ? ['10.200.0.0/16', '192.168.99.0/24'] : ['fd00:99::/64', 'fd00:98::/64'])),
          gw: fc.nat({ max: 255 }).map(net.host),
        }),
        { maxLength: 2 },
      ),
    ),
  });
}

const selector = fc.record({
  matchLabels: optional(
    fc.dictionary(
      fc.constantFrom('app', 'tier', 'kubernetes.io/hostname', 'ipam.spidernet.io/app-name'),
      fc.constantFrom('web', 'db', 'node-1', ''),
    ),
  ),
  matchExpressions: optional(
    fc.array(
      fc.record({
        key: fc.constantFrom('app', 'topology.kubernetes.io/zone'),
        operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist'),
        values: optional(fc.array(fc.constantFrom('a', 'b', 'zone-1'), { maxLength: 2 })),
      }),
      { maxLength: 2 },
    ),
  ),
});

const names = fc.array(fc.constantFrom('node-1', 'worker-2', 'kube-system', 'macvlan-ens192'), { maxLength: 2 });

function poolSpec(net: Network) {
  const extras = fc.record({
    podAffinity: optional(selector),
    namespaceAffinity: optional(selector),
    nodeAffinity: optional(selector),
    nodeName: optional(names),
    namespaceName: optional(names),
    multusName: optional(names),
    default: optional(fc.boolean()),
    disable: optional(fc.boolean()),
  });
  return fc.tuple(addressSpec(net), extras).map(([address, more]) => ({ ...address, ...more }));
}

const ownerReference = fc.record({
  apiVersion: fc.constantFrom(spiderApiVersion, 'apps/v1'),
  kind: fc.constantFrom(kinds.subnet, 'Deployment'),
  name: fc.constantFrom('subnet-v4', 'subnet-v6', 'subnet-missing', 'subnet-corrupt-status', 'subnet-bad-records'),
  uid: fc.constantFrom('uid-subnet-v4', 'uid-subnet-v6', 'uid-other'),
  controller: optional(fc.boolean(), 3),
  blockOwnerDeletion: optional(fc.boolean()),
});

const existingNames: Record<KindKey, readonly string[]> = {
  ipPool: [...validPools, ...corruptPools].map((p) => p.metadata.name ?? ''),
  subnet: [...validSubnets, ...corruptSubnets].map((s) => s.metadata.name ?? ''),
  reservedIP: ['reserved-v4', 'reserved-v6'],
};

function metadata(kind: KindKey) {
  return fc.record({
    name: fc.oneof(
      { weight: 1, arbitrary: fc.constantFrom(...existingNames[kind]) },
      { weight: 6, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/) },
    ),
    uid: fc.uuid(),
    resourceVersion: fc.nat().map(String),
    creationTimestamp: optional(fc.constant(now)),
    labels: optional(
      fc.oneof(
        fc.dictionary(fc.constantFrom('app', labels.ipPoolCIDR, labels.ownerSubnet), fc.constantFrom('web', 'subnet-v4', '10-6-0-0-16')),
        fc.constant(autoLabels),
      ),
    ),
    annotations: optional(fc.dictionary(fc.constantFrom('note', 'kubectl.kubernetes.io/last-applied-configuration'), fc.string())),
    finalizers: optional(fc.constantFrom([finalizer], [], ['example.com/other', finalizer])),
    ownerReferences: optional(fc.array(ownerReference, { maxLength: 2 })),
    deletionTimestamp: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant(later) }),
  });
}

function poolStatus(net: Network) {
  const records = fc
    .array(fc.nat({ max: 255 }), { maxLength: 3 })
    .map((offsets) =>
      JSON.stringify(Object.fromEntries(offsets.map((o) => [net.host(o), { pod: `default/web-${o}`, podUid: `uid-${o}` }]))),
    );
  return fc.record({
    allocatedIPs: fc.oneof(records, fc.constant(null), fc.constant('')),
    allocatedIPCount: optional(fc.nat({ max: 5 })),
    totalIPCount: optional(fc.nat({ max: 300 })),
  });
}

function subnetStatus(net: Network) {
  const entry = fc.record({
    ips: fc.array(rangeIn(net), { maxLength: 2 }),
    application: optional(fc.constant('apps/v1_Deployment_default_web')),
  });
  return fc.record({
    controlledIPPools: fc.oneof(
      fc.dictionary(fc.constantFrom('pool-owned', 'pool-auto', 'p1'), entry).map((d) => JSON.stringify(d)),
      fc.constant(null),
    ),
    allocatedIPCount: optional(fc.nat({ max: 5 })),
    totalIPCount: optional(fc.nat({ max: 300 })),
  });
}

/** Drops the `undefined` of optional fields, as the wire does. */
const plainJSON = (value: unknown): JsonObject => JSON.parse(JSON.stringify(value)) as JsonObject;

const network = fc.constantFrom(...networks);

function validBody(kind: KindKey): fc.Arbitrary<JsonObject> {
  const head = { apiVersion: spiderApiVersion, kind: kinds[kind] };
  switch (kind) {
    case 'ipPool':
      return network
        .chain((net) => fc.record({ metadata: metadata(kind), spec: poolSpec(net), status: optional(poolStatus(net)) }))
        .map((body) => plainJSON({ ...head, ...body }));
    case 'subnet':
      return network
        .chain((net) => fc.record({ metadata: metadata(kind), spec: addressSpec(net), status: optional(subnetStatus(net)) }))
        .map((body) => plainJSON({ ...head, ...body }));
    case 'reservedIP':
      return network
        .chain((net) =>
          fc.record({
            metadata: metadata(kind),
            spec: fc.record({
              ipVersion: optional(fc.constant(net.family), 3),
              ips: optional(fc.array(rangeIn(net), { maxLength: 4 }), 6),
            }),
          }),
        )
        .map((body) => plainJSON({ ...head, ...body }));
  }
}

const fixturePool = (): JsonObject => {
  const text = readFileSync(join(repoRoot, 'tests/fixtures/admission/spiderippool-create.json'), 'utf8');
  return (JSON.parse(text) as { request: { object: JsonObject } }).request.object;
};

/** Objects already in the cluster (a CREATE of one is a duplicate), and the real fixture. */
function storedBodies(kind: KindKey): JsonObject[] {
  switch (kind) {
    case 'ipPool':
      return [...validPools, ...corruptPools].map(plainJSON).concat([fixturePool()]);
    case 'subnet':
      return [...validSubnets, ...corruptSubnets].map(plainJSON);
    case 'reservedIP':
      return [
        {
          apiVersion: spiderApiVersion,
          kind: kinds.reservedIP,
          metadata: { name: 'reserved-v4' },
          spec: { ipVersion: 4, ips: ['10.6.168.131-10.6.168.132'] },
        },
        {
          apiVersion: spiderApiVersion,
          kind: kinds.reservedIP,
          metadata: { name: 'reserved-v6' },
          spec: { ipVersion: 6, ips: ['fd00:6::1f'] },
        },
      ];
  }
}

// ---------------------------------------------------------------------------------------------
// Junk

// JSON numbers JSON.stringify cannot write (1e309 parses to Infinity, -0 prints as 0): a sentinel string that
// reviewText() replaces with the raw token after serialising.
const rawMarker = '\u0000raw:';
const raw = (token: string) => `${rawMarker}${token}\u0000`;
const rawPattern = /"\\u0000raw:([^"\\]*)\\u0000"/g;
const rawTokens = ['1e309', '-1e309', '-0', '-0.0', '1e-400', '4.0', '6e0', '4.000000000000001', '123456789012345678901234567890', '1E2'];

// Grouped by what they probe; the parsers must refuse each with a message.
const addressJunk = [
  ...['', ' ', '\t', '\n10.6.0.1', '10.6.0.1 ', ' 10.6.0.0/16', '10.6.0.1 - 10.6.0.5', '10.6.0.1\u201310.6.0.5'],
  ...['010.0.0.1', '10.06.0.1', '0x0a.0.0.1', '10.0.0.256', '1.2.3', '1.2.3.4.5', '4294967295', '::ffff:10.6.0.1', '::ffff:010.6.0.1'],
  ...['::', '::1', 'fe80::1%eth0', 'fe80::1%25eth0', 'fd00:6::1%0', 'FD00:6::A', 'fd00:6:0:0:0:0:0:1', 'fd00:6::1::2', 'fd00:6::g', ':::'],
  ...['10.6.0.9-10.6.0.1', 'a-b-c', '10.6.0.1-10.6.0.2-10.6.0.3', '10.6.0.1-', '-10.6.0.1', '-', '10.6.0.1-fd00:6::1'],
  ...['fd00:6::1-fd00:6::ffff', '0.0.0.0-255.255.255.255', '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ...['10.6.0.0/16', '10.6.0.1/16', '10.6.0.0/33', '10.6.0.0/-1', '10.6.0.0/016', '10.6.0.0/', '/16', '10.6.0.0/16/16', '10.6.0.0/1e1'],
  ...['0.0.0.0/0', '::/0', 'fd00:6::/129', 'fd00:6::/64', '172.18.0.0/16'],
  ...['\uff11\uff10.6.0.1', '10.6.0.1\u200b', '\u202e10.6.0.1', '\u0661\u0660.6.0.1', '10.6.0.1\u0000', '\ud83d\udca5', '\ud800'],
  ...['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', finalizer],
  ...['NaN', 'Infinity', '-0', '1e309', '4', '6', 'null', 'true', '[]', '{}'],
];

// Texts for the JSON-in-a-string status fields.
const statusJunk = [
  '{not json',
  '[]',
  '[1,2]',
  'null',
  '"text"',
  '1e309',
  '{"10.6.0.1": null}',
  '{"10.6.0.1": {"pod": 1}}',
  '{"10.6.0.1": {"pod": "a/b", "podUid": "u"}}',
  '{"not-an-ip": {"pod": "a/b", "podUid": "u"}}',
  '{"__proto__": {"pod": "a/b", "podUid": "u"}}',
  '{"p": {"ips": "10.6.0.1"}}',
  '{"p": {"ips": [1]}}',
  '{"p": {"ips": ["x"], "application": 5}}',
  '{"pool-owned": {"ips": ["172.18.0.1-172.18.0.250"]}}',
  '{"constructor": {"ips": []}}',
];

// JSON.parse makes "__proto__" an own key, as the server's body parser does.
const pollutedJSON = [
  '{"__proto__": {"subnet": "10.6.0.0/16", "ipVersion": 4, "ips": ["10.6.0.1"]}}',
  '{"__proto__": {"controller": true, "kind": "SpiderSubnet", "name": "subnet-v4"}}',
  '{"__proto__": null}',
  '{"__proto__": []}',
  '{"constructor": {"prototype": {"polluted": true}}}',
  '{"toString": "x", "valueOf": 1, "hasOwnProperty": "no"}',
  '{"length": 3}',
  '{"0": "10.6.0.1", "length": 1}',
  '[{"__proto__": {"dst": "10.7.0.0/16", "gw": "10.6.0.1"}}]',
  '{"matchLabels": {"__proto__": "x"}, "matchExpressions": [{"__proto__": {"key": "a"}}]}',
];

const longString = fc
  .tuple(fc.constantFrom('1', 'a', '10.6.0.1-', '\u20ac', ' ', '/'), fc.integer({ min: 1_000, max: 100_000 }))
  .map(([unit, times]) => unit.repeat(times));

const hugeArray = fc
  .tuple(fc.constantFrom('distinct-v4', 'distinct-v6', 'same', 'ranges', 'mixed'), fc.integer({ min: 100, max: 10_000 }))
  .map(([shape, length]): JsonValue[] => {
    const v4 = v4Network('10.6.0.0/16');
    const v6 = v6Network('fd00:6::/64');
    return Array.from({ length }, (_, i): JsonValue => {
      switch (shape) {
        case 'distinct-v4':
          return v4.host(i);
        case 'distinct-v6':
          return v6.host(i);
        case 'same':
          return '10.6.0.1';
        case 'ranges':
          return `${v4.host(i)}-${v4.host(i + 10)}`;
        default:
          return i % 3 === 0 ? v4.host(i) : i % 3 === 1 ? v6.host(i) : i;
      }
    });
  });

const deeplyNested = fc.tuple(fc.constantFrom('array', 'object'), fc.integer({ min: 10, max: 3_000 })).map(([shape, depth]) => {
  let value: JsonValue = '10.6.0.1';
  for (let i = 0; i < depth; i++) value = shape === 'array' ? [value] : { subnet: value };
  return value;
});

const junk: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...addressJunk) },
  { weight: 2, arbitrary: fc.constantFrom(...statusJunk) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<JsonValue>(null, true, false, 0, 1, -1, 4, 6, 4.5, -4, 2 ** 53 + 2, 1e308, -1e-7, 46),
  },
  { weight: 2, arbitrary: fc.constantFrom(...rawTokens).map(raw) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue> },
  {
    weight: 2,
    arbitrary: fc.constantFrom<JsonValue>([], {}, [null], [{}], [[]], ['10.6.0.1'], [4], [{ dst: 1, gw: [] }], { subnet: '10.6.0.0/16' }),
  },
  { weight: 2, arbitrary: fc.array(fc.constantFrom<JsonValue>(...addressJunk, null, 7, {}), { minLength: 1, maxLength: 6 }) },
  { weight: 2, arbitrary: fc.constantFrom(...pollutedJSON).map((text) => JSON.parse(text) as JsonValue) },
  { weight: 1, arbitrary: longString },
  { weight: 1, arbitrary: hugeArray },
  { weight: 1, arbitrary: deeplyNested },
);

// ---------------------------------------------------------------------------------------------
// Mutations: set a field to junk, or delete it. Paths name the fields the handlers read, and prototype keys.

const paths = (text: string) => text.split(/\s+/).map((path) => path.split('.'));

const metadataPaths = paths(`metadata metadata.name metadata.uid metadata.labels metadata.labels.app metadata.labels.__proto__
  metadata.annotations metadata.finalizers metadata.finalizers.0 metadata.finalizers.1 metadata.ownerReferences
  metadata.ownerReferences.0 metadata.ownerReferences.0.controller metadata.ownerReferences.0.kind metadata.ownerReferences.0.name
  metadata.ownerReferences.0.uid metadata.deletionTimestamp metadata.generateName metadata.__proto__ metadata.constructor
  __proto__ constructor apiVersion kind`);

const labelPaths = Object.values(labels).map((key) => ['metadata', 'labels', key]);

const addressPaths = paths(`spec spec.ipVersion spec.subnet spec.ips spec.ips.0 spec.ips.1 spec.ips.7 spec.excludeIPs spec.excludeIPs.0
  spec.gateway spec.routes spec.routes.0 spec.routes.0.dst spec.routes.0.gw spec.routes.1 spec.vlan spec.__proto__ spec.constructor`);

const poolPaths =
  paths(`spec.podAffinity spec.podAffinity.matchLabels spec.podAffinity.matchLabels.app spec.podAffinity.matchLabels.__proto__
  spec.podAffinity.matchExpressions spec.podAffinity.matchExpressions.0 spec.podAffinity.matchExpressions.0.key
  spec.podAffinity.matchExpressions.0.operator spec.podAffinity.matchExpressions.0.values spec.podAffinity.matchExpressions.0.values.0
  spec.namespaceAffinity spec.namespaceAffinity.matchLabels spec.namespaceAffinity.matchExpressions spec.nodeAffinity
  spec.nodeAffinity.matchExpressions.0.values spec.nodeName spec.nodeName.0 spec.namespaceName spec.namespaceName.0 spec.multusName
  spec.multusName.0 spec.default spec.disable status status.allocatedIPs status.allocatedIPCount status.totalIPCount status.__proto__`);

const subnetPaths = paths('status status.controlledIPPools status.allocatedIPCount status.totalIPCount');

const reservedPaths = paths('spec spec.ipVersion spec.ips spec.ips.0 spec.ips.1 spec.__proto__');

const pathsOf: Record<KindKey, string[][]> = {
  ipPool: [...metadataPaths, ...labelPaths, ...addressPaths, ...poolPaths],
  subnet: [...metadataPaths, ...labelPaths, ...addressPaths, ...subnetPaths],
  reservedIP: [...metadataPaths, ...reservedPaths],
};

export type Mutation = { op: 'set'; path: string[]; value: JsonValue } | { op: 'delete'; path: string[] };

function mutation(kind: KindKey): fc.Arbitrary<Mutation> {
  const path = fc.constantFrom(...pathsOf[kind]);
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('set' as const), path, value: junk }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), path }) },
  );
}

// Edits a user makes to a stored object, valid in themselves.
const benignEdits: Record<KindKey, Mutation[]> = {
  ipPool: [
    { op: 'set', path: ['metadata', 'labels', 'team'], value: 'blue' },
    { op: 'set', path: ['spec', 'disable'], value: true },
    { op: 'set', path: ['spec', 'default'], value: false },
    { op: 'set', path: ['spec', 'nodeName'], value: ['node-1'] },
    { op: 'delete', path: ['spec', 'gateway'] },
    { op: 'delete', path: ['spec', 'excludeIPs'] },
    { op: 'delete', path: ['spec', 'routes'] },
    { op: 'delete', path: ['spec', 'ips', '0'] },
  ],
  subnet: [
    { op: 'set', path: ['metadata', 'labels', 'team'], value: 'blue' },
    { op: 'delete', path: ['spec', 'gateway'] },
    { op: 'delete', path: ['spec', 'routes'] },
    { op: 'delete', path: ['spec', 'excludeIPs'] },
    { op: 'delete', path: ['metadata', 'finalizers'] },
  ],
  reservedIP: [
    { op: 'set', path: ['metadata', 'labels', 'team'], value: 'blue' },
    { op: 'delete', path: ['spec', 'ips', '0'] },
    { op: 'set', path: ['spec', 'ips'], value: [] },
  ],
};

type Container = JsonObject | JsonValue[];

const isContainer = (value: unknown): value is Container => typeof value === 'object' && value !== null;

// Own properties only: "__proto__" must be a key of the JSON, never the prototype.
function ownGet(target: Container, key: string): JsonValue | undefined {
  return Object.hasOwn(target, key) ? (target as Record<string, JsonValue>)[key] : undefined;
}

function ownSet(target: Container, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

// Not structuredClone: it overflows the stack on values nested ~2,000 deep, which JSON handles.
const cloneJSON = <T extends JsonValue>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function applyMutations(base: JsonObject, mutations: readonly Mutation[]): JsonObject {
  const root = cloneJSON(base);
  for (const m of mutations) {
    let parent: Container = root;
    for (let i = 0; i < m.path.length - 1; i++) {
      const key = m.path[i] as string;
      let next = ownGet(parent, key);
      if (!isContainer(next)) {
        if (m.op === 'delete') break;
        next = /^\d+$/.test(m.path[i + 1] ?? '') ? [] : {};
        ownSet(parent, key, next);
      }
      parent = next;
    }
    const last = m.path[m.path.length - 1] as string;
    if (m.op === 'set') ownSet(parent, last, cloneJSON(m.value));
    else if (Array.isArray(parent) && /^\d+$/.test(last)) parent.splice(Number(last), 1);
    else if (Object.hasOwn(parent, last)) delete (parent as Record<string, unknown>)[last];
  }
  return root;
}

function resourceBody(kind: KindKey): fc.Arbitrary<JsonObject> {
  return fc.oneof(
    { weight: 3, arbitrary: validBody(kind) },
    {
      weight: 6,
      arbitrary: fc
        .tuple(validBody(kind), fc.array(mutation(kind), { minLength: 1, maxLength: 4 }))
        .map(([body, mutations]) => applyMutations(body, mutations)),
    },
    { weight: 1, arbitrary: fc.constantFrom(...storedBodies(kind)).map((body) => structuredClone(body)) },
  );
}

// ---------------------------------------------------------------------------------------------
// Cases and review bodies

export type FuzzOperation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface FuzzCase {
  endpoint: FuzzEndpoint;
  operation: FuzzOperation;
  object: JsonObject | null;
  oldObject: JsonObject | null;
  view: ViewName;
  apiVersion: typeof ADMISSION_V1 | typeof ADMISSION_V1BETA1;
  dryRun: boolean;
}

const kindKeyOf = (kind: ResourceKind): KindKey => kindKeys.find((key) => kinds[key] === kind) ?? 'ipPool';

export function fuzzCase(endpoint: FuzzEndpoint): fc.Arbitrary<FuzzCase> {
  const kind = kindKeyOf(endpoint.kind);
  const body = resourceBody(kind);
  const stored = fc.oneof(
    { weight: 3, arbitrary: validBody(kind) },
    { weight: 2, arbitrary: fc.constantFrom(...storedBodies(kind)).map((b) => structuredClone(b)) },
    { weight: 2, arbitrary: resourceBody(kind) },
  );
  const create = body.map((object) => ({ operation: 'CREATE' as const, object, oldObject: null }));
  // The usual update is an edit of the stored object: a benign one, or junk.
  const edit = (mutations: fc.Arbitrary<Mutation[]>) =>
    fc
      .tuple(stored, mutations)
      .map(([oldObject, list]) => ({ operation: 'UPDATE' as const, object: applyMutations(oldObject, list), oldObject }));
  const update = fc.oneof(
    fc.tuple(body, stored).map(([object, oldObject]) => ({ operation: 'UPDATE' as const, object, oldObject })),
    { weight: 2, arbitrary: edit(fc.array(fc.constantFrom(...benignEdits[kind]), { maxLength: 3 })) },
    { weight: 2, arbitrary: edit(fc.array(mutation(kind), { minLength: 1, maxLength: 3 })) },
  );
  const remove = stored.map((oldObject) => ({ operation: 'DELETE' as const, object: null, oldObject }));
  return fc
    .record({
      request: fc.oneof({ weight: 2, arbitrary: create }, { weight: 2, arbitrary: update }, { weight: 1, arbitrary: remove }),
      view: fc.oneof(
        { weight: 2, arbitrary: fc.constant<ViewName>('valid') },
        { weight: 1, arbitrary: fc.constant<ViewName>('with-corrupt') },
      ),
      apiVersion: fc.oneof({ weight: 5, arbitrary: fc.constant(ADMISSION_V1) }, { weight: 1, arbitrary: fc.constant(ADMISSION_V1BETA1) }),
      dryRun: fc.boolean(),
    })
    .map(({ request, ...rest }) => ({ endpoint, ...request, ...rest }));
}

const optionsKind: Record<FuzzOperation, string> = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions' };

function nameOf(object: JsonObject | null): string | undefined {
  const meta = object === null ? undefined : ownGet(object, 'metadata');
  const name = isContainer(meta) && !Array.isArray(meta) ? ownGet(meta, 'name') : undefined;
  return typeof name === 'string' && name !== '' && !name.startsWith(rawMarker) ? name : undefined;
}

/** The AdmissionReview the API server would send for the case, as JSON text. */
export function reviewText(c: FuzzCase, uid: string): string {
  const gvk = { group, version, kind: c.endpoint.kind };
  const gvr = { group, version, resource: c.endpoint.plural };
  const name = nameOf(c.object) ?? nameOf(c.oldObject);
  const request = {
    uid,
    kind: gvk,
    resource: gvr,
    requestKind: gvk,
    requestResource: gvr,
    ...(name !== undefined ? { name } : {}),
    operation: c.operation,
    userInfo: { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] },
    object: c.object,
    oldObject: c.oldObject,
    dryRun: c.dryRun,
    options: { kind: optionsKind[c.operation], apiVersion: 'meta.k8s.io/v1' },
  };
  return JSON.stringify({ kind: 'AdmissionReview', apiVersion: c.apiVersion, request }).replace(rawPattern, '$1');
}

// ---------------------------------------------------------------------------------------------
// The properties of an answer

export type AnswerResult = 'allowed' | 'patched' | 'denied' | 'error' | 'non-200' | 'malformed';

export interface Problem {
  /** Which property failed, e.g. "internal error", "HTTP status". */
  property: string;
  detail: string;
}

export interface Answer {
  httpStatus: number;
  result: AnswerResult;
  code?: number;
  reason?: string;
  /** The denial's status.message. */
  message?: string;
  problems: Problem[];
  patch?: PatchSummary;
  /** The patched object, for the re-invocation check. */
  patchedObject?: JsonObject;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const patchOps = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

type PatchSummary = { op: string; path: string }[];

function checkPatch(encoded: unknown, patchType: unknown, problems: Problem[]): PatchSummary {
  if (patchType !== 'JSONPatch') problems.push({ property: 'patch', detail: `patchType is ${JSON.stringify(patchType)}, not "JSONPatch"` });
  if (typeof encoded !== 'string' || encoded.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) {
    problems.push({ property: 'patch', detail: 'patch is not base64 text' });
    return [];
  }
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.toString('base64') !== encoded) problems.push({ property: 'patch', detail: 'patch is not canonical base64' });
  let ops: unknown;
  try {
    ops = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    problems.push({ property: 'patch', detail: `patch is not JSON: ${(err as Error).message}` });
    return [];
  }
  if (!Array.isArray(ops) || ops.length === 0) {
    problems.push({ property: 'patch', detail: 'patch is not a non-empty JSON array' });
    return [];
  }
  const summary: PatchSummary = [];
  for (const op of ops) {
    const valid =
      isRecord(op) &&
      typeof op.op === 'string' &&
      patchOps.has(op.op) &&
      typeof op.path === 'string' &&
      (op.path === '' || op.path.startsWith('/')) &&
      (!['add', 'replace', 'test'].includes(op.op) || Object.hasOwn(op, 'value')) &&
      (!['move', 'copy'].includes(op.op) || typeof op.from === 'string');
    if (!valid) {
      problems.push({ property: 'patch', detail: `not a JSON-Patch operation: ${JSON.stringify(op).slice(0, 200)}` });
      return summary;
    }
    summary.push({ op: op.op as string, path: op.path as string });
  }
  return summary;
}

/**
 * Checks one answer against every property. `sent` is the request's object as the server parsed it (a fresh
 * parse of the body: the patch is applied to it in place).
 */
export function checkAnswer(c: FuzzCase, uid: string, sent: JsonObject | null, httpStatus: number, text: string): Answer {
  const problems: Problem[] = [];
  if (httpStatus !== 200) {
    problems.push({ property: 'HTTP status', detail: `${httpStatus}: ${text.split('\n')[0]?.slice(0, 300)}` });
    return { httpStatus, result: 'non-200', problems };
  }
  let review: unknown;
  try {
    review = JSON.parse(text);
  } catch {
    problems.push({ property: 'review', detail: `body is not JSON: ${text.slice(0, 200)}` });
    return { httpStatus, result: 'malformed', problems };
  }
  const response = isRecord(review) ? review.response : undefined;
  if (!isRecord(review) || review.kind !== 'AdmissionReview' || review.apiVersion !== c.apiVersion || !isRecord(response)) {
    problems.push({ property: 'review', detail: `not an ${c.apiVersion} AdmissionReview with a response: ${text.slice(0, 200)}` });
    return { httpStatus, result: 'malformed', problems };
  }
  if (response.uid !== uid) problems.push({ property: 'review', detail: `response.uid is ${JSON.stringify(response.uid)}, not "${uid}"` });
  if (typeof response.allowed !== 'boolean') {
    problems.push({ property: 'review', detail: `response.allowed is ${JSON.stringify(response.allowed)}, not a boolean` });
    return { httpStatus, result: 'malformed', problems };
  }
  if (response.warnings !== undefined && !(Array.isArray(response.warnings) && response.warnings.every((w) => typeof w === 'string'))) {
    problems.push({ property: 'review', detail: 'response.warnings is not a list of strings' });
  }
  if (!response.allowed) {
    const status = response.status;
    if (!isRecord(status)) {
      problems.push({ property: 'denial', detail: 'a denial without status' });
      return { httpStatus, result: 'denied', problems };
    }
    const code = typeof status.code === 'number' ? status.code : undefined;
    const reason = typeof status.reason === 'string' ? status.reason : undefined;
    const message = typeof status.message === 'string' ? status.message : '';
    if (code === 500) {
      problems.push({ property: 'internal error', detail: message });
      return { httpStatus, result: 'error', code, ...(reason ? { reason } : {}), problems };
    }
    if (code === undefined || !Number.isInteger(code) || code < 400 || code > 599) {
      problems.push({ property: 'denial', detail: `status.code is ${JSON.stringify(status.code)}, not an HTTP error code` });
    }
    if (message.trim() === '') problems.push({ property: 'denial', detail: 'status.message is empty' });
    if (c.endpoint.mode === 'mutate') problems.push({ property: 'defaulting denied', detail: `${code} ${reason}: ${message}` });
    if (response.patch !== undefined) problems.push({ property: 'patch', detail: 'a denial carries a patch' });
    return { httpStatus, result: 'denied', ...(code !== undefined ? { code } : {}), ...(reason ? { reason } : {}), message, problems };
  }
  if (response.patch === undefined) return { httpStatus, result: 'allowed', problems };
  if (c.endpoint.mode === 'validate') problems.push({ property: 'patch', detail: 'a validating webhook answered with a patch' });
  const patch = checkPatch(response.patch, response.patchType, problems);
  let patchedObject: JsonObject | undefined;
  if (problems.length === 0 && sent !== null) {
    try {
      const ops = JSON.parse(Buffer.from(response.patch as string, 'base64').toString('utf8')) as jsonPatch.Operation[];
      // The API server applies the patch to the object it sent; it must apply cleanly.
      patchedObject = jsonPatch.applyPatch(sent, ops, true, true, false).newDocument;
    } catch (err) {
      problems.push({ property: 'patch', detail: `does not apply to the request's object: ${(err as Error).message}` });
    }
  }
  return { httpStatus, result: 'patched', problems, patch, ...(patchedObject ? { patchedObject } : {}) };
}

// ---------------------------------------------------------------------------------------------
// The target: the express app on 127.0.0.1, port 0

export interface Outcome extends Answer {
  case: FuzzCase;
  uid: string;
  /** The request body as sent. */
  body: string;
  /** When the server logged a handler failure for this request. */
  crash?: Crash;
  /** The defaulting webhook run again on its own patched object (reinvocationPolicy: IfNeeded). */
  reinvocation?: Answer & { body: string; crash?: Crash };
}

export interface FuzzTarget {
  base: string;
  send(c: FuzzCase): Promise<Outcome>;
  close(): Promise<void>;
}

function handlerFor(endpoint: FuzzEndpoint, view: ClusterView): AdmissionHandler {
  const config = defaultRulesConfig;
  switch (endpoint.kind) {
    case kinds.ipPool:
      return endpoint.mode === 'mutate' ? mutateIPPool(view, config) : validateIPPool(view, config);
    case kinds.subnet:
      return endpoint.mode === 'mutate' ? mutateSubnet() : validateSubnet(view, config);
    default:
      return endpoint.mode === 'mutate' ? mutateReservedIP() : validateReservedIP(config);
  }
}

// Iterative: the value may be nested thousands deep.
function holdsNonFinite(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'number' && !Number.isFinite(next)) return true;
    if (typeof next === 'object' && next !== null) pending.push(...Object.values(next));
  }
  return false;
}

/** Starts the webhook app; `send` posts one case (one at a time: the view is switched per case). */
export async function startFuzzTarget(): Promise<FuzzTarget> {
  let current: ViewName = 'valid';
  const view: ClusterView = {
    pools: () => views[current].pools as SpiderIPPool[],
    subnets: () => views[current].subnets as SpiderSubnet[],
    reservedIPs: () => [],
  };
  const routes = Object.fromEntries(endpoints.map((e) => [e.path, { name: e.name, handler: handlerFor(e, view) }]));
  const target = await startLoopbackWebhooks(routes);
  let serial = 0;

  async function post(c: FuzzCase): Promise<Answer & { uid: string; body: string; crash?: Crash }> {
    serial += 1;
    const uid = `00000000-0000-4000-8000-${serial.toString(16).padStart(12, '0')}`;
    const body = reviewText(c, uid);
    current = c.view;
    const { status, text } = await target.post(c.endpoint.path, body);
    const sent = (JSON.parse(body) as { request: { object: JsonObject | null } }).request.object;
    const answer = checkAnswer(c, uid, sent, status, text);
    const crash = target.takeCrash(uid);
    return { ...answer, uid, body, ...(crash ? { crash } : {}) };
  }

  return {
    base: target.base,
    async send(c) {
      const first = await post(c);
      const outcome: Outcome = { ...first, case: c };
      // The API server cannot send 1e309 (Go refuses it), and JSON has no Infinity: the patch turns it into null, so
      // the second pass would see another object. Such bodies are checked for crashes, not for idempotence.
      if (c.endpoint.mode === 'mutate' && first.patchedObject && !holdsNonFinite(JSON.parse(first.body))) {
        const again = await post({ ...c, object: first.patchedObject });
        if (again.result === 'patched') {
          const ops = (again.patch ?? []).map((p) => `${p.op} ${p.path}`).join(', ');
          again.problems.push({ property: 'reinvocation', detail: `defaulting its own output patched again: ${ops}` });
        }
        outcome.reinvocation = again;
      }
      return outcome;
    },
    close: () => target.close(),
  };
}

/** All problems of an outcome, the re-invocation's included. */
export function problemsOf(outcome: Outcome): (Problem & { crash?: Crash })[] {
  const own = outcome.problems.map((p) => ({ ...p, ...(outcome.crash ? { crash: outcome.crash } : {}) }));
  const again = (outcome.reinvocation?.problems ?? []).map((p) => ({
    ...p,
    property: p.property === 'reinvocation' ? p.property : `${p.property} (on re-invocation)`,
    ...(outcome.reinvocation?.crash ? { crash: outcome.reinvocation.crash } : {}),
  }));
  return [...own, ...again];
}

/**
 * Groups failures by cause: the property, the message without its values, and the crash site with its caller
 * (one parser crashing under two callers is two places to fix).
 */
export function signatureOf(problem: Problem & { crash?: Crash }): string {
  const message = (problem.crash?.message ?? problem.detail)
    .replace(/^internal error in webhook [^:]+: /, '')
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\d+/g, 'N')
    .slice(0, 160);
  const site = (problem.crash?.frames ?? []).slice(0, 2).map((frame) => frame.replace(/:\d+( |$)/, '$1'));
  return `${problem.property}: ${message}${site.length > 0 ? ` at ${site.join(' < ')}` : ''}`;
}

/** A value for printing: long strings and arrays cut, deep nesting elided. */
export function shorten(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > 120 ? `${value.slice(0, 40)}…(${value.length} characters)` : value;
  // Numbers JSON cannot print (the body said 1e309, -1e309 or -0): marked, so the printed object is not misread.
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) return `⟪${Object.is(value, -0) ? '-0' : value}⟫`;
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= 12) return `…(nested deeper than ${depth})`;
  if (Array.isArray(value)) {
    const items = value.length > 20 ? [...value.slice(0, 5), `…(${value.length} items)`] : value;
    return items.map((item) => shorten(item, depth + 1));
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    Object.defineProperty(out, key, { value: shorten(inner, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const printed = (value: unknown, max = 3_000): string => {
  const text = JSON.stringify(shorten(value)) ?? 'undefined';
  return text.length > max ? `${text.slice(0, max)}…` : text;
};

/** What a person needs to reproduce a failure: the operation, the two objects, and the properties broken. */
export function describeFailure(outcome: Outcome): string {
  const { request } = JSON.parse(outcome.body) as { request: { object: unknown; oldObject: unknown } };
  const lines = problemsOf(outcome).map(
    (p) =>
      `  ${p.property}: ${p.detail}${p.crash ? `\n    at ${p.crash.frames.join('\n    at ') || '(no frame in this repository)'}` : ''}`,
  );
  return [
    `${outcome.case.endpoint.name} ${outcome.case.operation} (cluster view: ${outcome.case.view}) broke ${lines.length} properties:`,
    ...lines,
    `  object:    ${printed(request.object)}`,
    `  oldObject: ${printed(request.oldObject)}`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The command

export interface FuzzOptions {
  count: number;
  seed: number;
  shrinkSeconds: number;
}

/** `--count N --seed S --shrink-seconds T`, shared by the fuzzers; `script` names the caller in the usage line. */
export function parseFuzzOptions(argv: readonly string[], script: string): FuzzOptions {
  const options: FuzzOptions = { count: 10_000, seed: 20260110, shrinkSeconds: 60 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = Number(argv[i + 1]);
    const key = flag === '--count' ? 'count' : flag === '--seed' ? 'seed' : flag === '--shrink-seconds' ? 'shrinkSeconds' : undefined;
    if (key === undefined || !Number.isInteger(value) || value < 0) {
      throw new Error(`usage: tsx ${script} [--count N] [--seed S] [--shrink-seconds T] (got "${flag}")`);
    }
    options[key] = value;
    i++;
  }
  return options;
}

interface Row {
  sent: number;
  allowed: number;
  patched: number;
  denied: number;
  errors: number;
  non200: number;
  failed: number;
  reinvoked: number;
}

interface Failure {
  signature: string;
  count: number;
  where: Set<string>;
  /** Index of the endpoint whose run saw it first, and the first outcome. */
  endpointIndex: number;
  first: Outcome;
}

const pad = (value: string | number, width: number) => String(value).padStart(width);

async function main(): Promise<void> {
  const options = parseFuzzOptions(process.argv.slice(2), 'bench/fuzz-custom-resource-webhooks.ts');
  const target = await startFuzzTarget();
  const rows = new Map<string, Row>();
  const denials = new Map<string, number>();
  const patchPaths = new Map<string, number>();
  const failures = new Map<string, Failure>();
  let requests = 0;
  let failedBodies = 0;
  const perEndpoint = endpoints.map(
    (_, i) => Math.floor(options.count / endpoints.length) + (i < options.count % endpoints.length ? 1 : 0),
  );
  console.log(
    `fuzz-custom-resource-webhooks: ${options.count} bodies, seed ${options.seed}, ${endpoints.length} endpoints at ${target.base}`,
  );

  const started = performance.now();
  for (const [index, endpoint] of endpoints.entries()) {
    await fc.check(
      fc.asyncProperty(fuzzCase(endpoint), async (c) => {
        const outcome = await target.send(c);
        const key = `${endpoint.name} ${c.operation}`;
        const row = rows.get(key) ?? { sent: 0, allowed: 0, patched: 0, denied: 0, errors: 0, non200: 0, failed: 0, reinvoked: 0 };
        rows.set(key, row);
        row.sent += 1;
        requests += 1;
        if (outcome.result === 'allowed') row.allowed += 1;
        else if (outcome.result === 'patched') row.patched += 1;
        else if (outcome.result === 'denied') row.denied += 1;
        else if (outcome.result === 'error') row.errors += 1;
        else if (outcome.result === 'non-200') row.non200 += 1;
        if (outcome.result === 'denied') {
          const label = `${endpoint.mode === 'mutate' ? 'defaulting' : 'validation'} ${outcome.code} ${outcome.reason ?? ''}`;
          denials.set(label, (denials.get(label) ?? 0) + 1);
        }
        for (const p of outcome.patch ?? []) {
          const path = `${p.op} ${p.path.replace(/\/\d+(?=\/|$)/g, '/*')}`;
          patchPaths.set(path, (patchPaths.get(path) ?? 0) + 1);
        }
        if (outcome.reinvocation) {
          row.reinvoked += 1;
          requests += 1;
        }
        const problems = problemsOf(outcome);
        if (problems.length > 0) {
          row.failed += 1;
          failedBodies += 1;
        }
        for (const problem of problems) {
          const signature = signatureOf(problem);
          const failure = failures.get(signature) ?? {
            signature,
            count: 0,
            where: new Set<string>(),
            endpointIndex: index,
            first: outcome,
          };
          failures.set(signature, failure);
          failure.count += 1;
          failure.where.add(key);
        }
        return true;
      }),
      { seed: options.seed + index, numRuns: perEndpoint[index] },
    );
  }
  const seconds = (performance.now() - started) / 1000;

  const header = `${'endpoint'.padEnd(26)} ${'operation'.padEnd(9)} ${pad('sent', 6)} ${pad('allowed', 7)} ${pad('patched', 7)} ${pad('denied', 6)} ${pad('500s', 5)} ${pad('non-200', 7)} ${pad('failed', 6)} ${pad('re-run', 6)}`;
  console.log(`\n${header}`);
  const total: Row = { sent: 0, allowed: 0, patched: 0, denied: 0, errors: 0, non200: 0, failed: 0, reinvoked: 0 };
  for (const endpoint of endpoints) {
    for (const operation of ['CREATE', 'UPDATE', 'DELETE'] as const) {
      const row = rows.get(`${endpoint.name} ${operation}`);
      if (!row) continue;
      for (const k of Object.keys(total) as (keyof Row)[]) total[k] += row[k];
      console.log(
        `${endpoint.name.padEnd(26)} ${operation.padEnd(9)} ${pad(row.sent, 6)} ${pad(row.allowed, 7)} ${pad(row.patched, 7)} ${pad(row.denied, 6)} ${pad(row.errors, 5)} ${pad(row.non200, 7)} ${pad(row.failed, 6)} ${pad(row.reinvoked, 6)}`,
      );
    }
  }
  console.log(
    `${'total'.padEnd(26)} ${''.padEnd(9)} ${pad(total.sent, 6)} ${pad(total.allowed, 7)} ${pad(total.patched, 7)} ${pad(total.denied, 6)} ${pad(total.errors, 5)} ${pad(total.non200, 7)} ${pad(total.failed, 6)} ${pad(total.reinvoked, 6)}`,
  );
  console.log('\ndenials by code and reason:');
  for (const [label, n] of [...denials].sort((a, b) => b[1] - a[1])) console.log(`  ${label.padEnd(36)} ${pad(n, 6)}`);
  console.log('\npatch operations by op and path (top 12):');
  for (const [label, n] of [...patchPaths].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${label.padEnd(60)} ${pad(n, 6)}`);
  console.log(
    `\n${requests} HTTP requests (${total.sent} bodies + ${total.reinvoked} re-invocations) in ${seconds.toFixed(1)} s: ${(requests / seconds).toFixed(0)} requests/s, one in flight, body generation included`,
  );

  if (failures.size === 0) {
    console.log('\nall properties held for every request');
    await target.close();
    return;
  }

  console.log(`\nPROPERTY FAILURES: ${failedBodies} bodies broke a property; ${failures.size} distinct causes. Shrinking each…`);
  const outDir = join(tmpdir(), 'fuzz-custom-resource-webhooks');
  mkdirSync(outDir, { recursive: true });
  let n = 0;
  for (const failure of [...failures.values()].sort((a, b) => b.count - a.count)) {
    n += 1;
    const endpoint = endpoints[failure.endpointIndex] as FuzzEndpoint;
    const shrinkStarted = performance.now();
    let minimal: Outcome | undefined;
    const details = await fc.check(
      fc.asyncProperty(fuzzCase(endpoint), async (c) => {
        const outcome = await target.send(c);
        if (!problemsOf(outcome).some((p) => signatureOf(p) === failure.signature)) return true;
        minimal = outcome;
        return false;
      }),
      {
        seed: options.seed + failure.endpointIndex,
        numRuns: perEndpoint[failure.endpointIndex],
        plugins: [fc.interruptAfterTimeLimit(options.shrinkSeconds * 1000)],
      },
    );
    // fast-check ends on the smallest failing case it found; the last failing run is that case.
    const shown = details.failed && minimal ? minimal : failure.first;
    const file = join(outDir, `failure-${n}.json`);
    writeFileSync(file, shown.body);
    const took = ((performance.now() - shrinkStarted) / 1000).toFixed(1);
    console.log(`\n[${n}] ${failure.signature}`);
    console.log(`    seen in ${failure.count} bodies: ${[...failure.where].sort().join(', ')}`);
    console.log(
      details.failed && minimal
        ? `    minimal case after ${details.numShrinks} shrinks in ${took} s${details.interrupted ? ' (time limit reached)' : ''}:`
        : '    not reproduced by the shrinking run; the first case seen:',
    );
    console.log(describeFailure(shown).replace(/^/gm, '    '));
    console.log(`    full AdmissionReview body: ${file}`);
  }
  await target.close();
  process.exitCode = 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
