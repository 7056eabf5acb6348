// Fuzzes the Pod CREATE webhook (admission/mutate/pod.ts) over real HTTP: sequences of well-formed and mutated Pod
// AdmissionReviews go through the express app on 127.0.0.1 against an in-memory cluster (pools, namespaces, NADs,
// nodes, workload owners) whose reserver applies `planPoolOperations`, the planning the real group-commit writer
// uses, so reservations accumulate and small pools run out. After every answer the pools' records are compared with
// what they were before it: a denial or a dry run must leave them as they were, an allowed Pod's addresses must be
// recorded under its key, and no address may ever be held twice. The generators and the harness are exported for
// tests/unit/admission/pod-webhook-fuzz.test.ts. Review checks and mutations come from fuzz-custom-resource-webhooks.ts.
//
//   npx tsx bench/fuzz-pod-webhook.ts [--count N] [--seed S] [--shrink-seconds T]

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { ADMISSION_V1, ADMISSION_V1BETA1, type JsonObject, type JsonValue } from '../admission/index.js';
import { mutatePod, type PodAdmissionDependencies } from '../admission/mutate/pod.js';
import type { Reserver } from '../admission/mutate/pod-allocation.js';
import type { PodView } from '../admission/pod-facts.js';
import {
  type PoolOperation,
  type PoolOperationResult,
  planPoolOperations,
  type ReservationResult,
  reservedAddresses,
  usedOutSubstring,
} from '../ipam/allocate/index.js';
import {
  autoPoolAffinityKeys,
  finalizer,
  kinds,
  labels,
  multusAnnotations,
  namespaceAnnotations,
  type OwnerReference,
  parseAssignedResult,
  parseRecords,
  podAnnotations,
  poolFamily,
  recordJSON,
  reservationToken,
  type SpiderIPPool,
  type SpiderReservedIP,
  apiVersion as spiderApiVersion,
} from '../ipam/model/index.js';
import type { NodeFacts } from '../ipam/select/index.js';
import {
  type Answer,
  applyMutations,
  checkAnswer,
  endpoints,
  type FuzzCase,
  type Mutation,
  type Problem,
  parseFuzzOptions,
  shorten,
  signatureOf,
} from './fuzz-custom-resource-webhooks.js';
import { type Crash, startLoopbackWebhooks } from './fuzz-webhook-app.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');
export const podPath = '/mutate-pod';

// ---------------------------------------------------------------------------------------------
// The cluster: every pool's addresses are disjoint from every other's, so an address found in two pools is a double
// allocation, never an overlap of the fixtures.

const now = new Date('2026-01-10T10:00:00Z');
const atSeconds = Math.floor(now.getTime() / 1000);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const records = (entries: Record<string, { pod: string; podUid: string; token?: string; at?: number }>) => JSON.stringify(entries);

function pool(
  name: string,
  spec: SpiderIPPool['spec'],
  extra: { metadata?: SpiderIPPool['metadata']; status?: string } = {},
): SpiderIPPool {
  return {
    apiVersion: spiderApiVersion,
    kind: kinds.ipPool,
    metadata: { name, uid: `uid-${name}`, resourceVersion: '1', finalizers: [finalizer], ...extra.metadata },
    spec,
    ...(extra.status !== undefined ? { status: { allocatedIPs: extra.status } } : {}),
  };
}

const autoPoolLabels = {
  [labels.ownerSubnet]: 'subnet-v4',
  [labels.ownerApplicationGV]: 'apps_v1',
  [labels.ownerApplicationKind]: 'Deployment',
  [labels.ownerApplicationNamespace]: 'default',
  [labels.ownerApplicationName]: 'web',
  [labels.interface]: 'eth0',
  [labels.ipVersion]: 'IPv4',
};

const seedPools: readonly SpiderIPPool[] = deepFreeze([
  pool(
    'pool-v4-a',
    {
      ipVersion: 4,
      subnet: '10.10.0.0/16',
      ips: ['10.10.0.10-10.10.0.40'],
      gateway: '10.10.0.1',
      routes: [{ dst: '10.99.0.0/16', gw: '10.10.0.1' }],
      default: true,
    },
    { status: records({ '10.10.0.10': { pod: 'default/old-1', podUid: 'uid-old-1' } }) },
  ),
  pool('pool-v4-b', { ipVersion: 4, subnet: '10.20.0.0/24', ips: ['10.20.0.2-10.20.0.30'] }),
  pool('pool-v4-small', { ipVersion: 4, subnet: '10.11.0.0/24', ips: ['10.11.0.1-10.11.0.3'] }),
  pool('pool-v4-one', { ipVersion: 4, subnet: '10.12.0.0/24', ips: ['10.12.0.1'] }),
  pool(
    'pool-v4-full',
    { ipVersion: 4, subnet: '10.15.0.0/24', ips: ['10.15.0.1-10.15.0.2'] },
    {
      status: records({
        '10.15.0.1': { pod: 'default/full-1', podUid: 'uid-full-1' },
        '10.15.0.2': { pod: 'default/', podUid: '', token: 'pending-token', at: atSeconds },
      }),
    },
  ),
  pool('pool-v4-net1', { ipVersion: 4, subnet: '10.21.0.0/24', ips: ['10.21.0.10-10.21.0.20'], gateway: '10.21.0.1' }),
  pool('pool-v4-node1', { ipVersion: 4, subnet: '10.13.0.0/24', ips: ['10.13.0.1-10.13.0.9'], nodeName: ['node-1'] }),
  pool('pool-v4-zone-a', {
    ipVersion: 4,
    subnet: '10.14.0.0/24',
    ips: ['10.14.0.1-10.14.0.9'],
    nodeAffinity: { matchLabels: { zone: 'a' } },
  }),
  pool('pool-v4-zone-c', {
    ipVersion: 4,
    subnet: '10.16.0.0/24',
    ips: ['10.16.0.1-10.16.0.9'],
    nodeAffinity: { matchLabels: { zone: 'c' } },
  }),
  pool('pool-v4-web', { ipVersion: 4, subnet: '10.17.0.0/24', ips: ['10.17.0.1-10.17.0.9'], podAffinity: { matchLabels: { app: 'web' } } }),
  pool('pool-v4-blue', {
    ipVersion: 4,
    subnet: '10.18.0.0/24',
    ips: ['10.18.0.1-10.18.0.9'],
    namespaceAffinity: { matchLabels: { team: 'blue' } },
  }),
  pool(
    'pool-v4-terminating',
    { ipVersion: 4, subnet: '10.19.0.0/24', ips: ['10.19.0.1-10.19.0.9'] },
    { metadata: { name: 'pool-v4-terminating', deletionTimestamp: '2026-01-10T09:00:00Z', finalizers: [finalizer] } },
  ),
  pool('pool-v4-disabled', { ipVersion: 4, subnet: '10.22.0.0/24', ips: ['10.22.0.1-10.22.0.9'], disable: true }),
  pool(
    'pool-v4-corrupt',
    { ipVersion: 4, subnet: '10.23.0.0/24', ips: ['10.23.0.1-10.23.0.9'] },
    { status: '{"10.23.0.1": {"pod": "default/x"' },
  ),
  pool(
    'pool-v4-badrecord',
    { ipVersion: 4, subnet: '10.24.0.0/24', ips: ['10.24.0.1-10.24.0.9'] },
    { status: '{"10.24.0.1": {"pod": 7, "podUid": "u"}}' },
  ),
  pool('pool-v4-multus', { ipVersion: 4, subnet: '10.25.0.0/24', ips: ['10.25.0.1-10.25.0.9'], multusName: ['default/macvlan-spider'] }),
  pool('pool-v4-noversion', { subnet: '10.27.0.0/24', ips: ['10.27.0.1-10.27.0.5'] }),
  pool('test-pod-ippool', { ipVersion: 4, subnet: '10.28.0.0/24', ips: ['10.28.0.1-10.28.0.10'] }),
  pool(
    'pool-v4-auto-web',
    {
      ipVersion: 4,
      subnet: '10.26.0.0/16',
      ips: ['10.26.0.1-10.26.0.5'],
      podAffinity: {
        matchLabels: {
          [autoPoolAffinityKeys.apiGroup]: 'apps',
          [autoPoolAffinityKeys.apiVersion]: 'v1',
          [autoPoolAffinityKeys.kind]: 'Deployment',
          [autoPoolAffinityKeys.namespace]: 'default',
          [autoPoolAffinityKeys.name]: 'web',
        },
      },
    },
    { metadata: { name: 'pool-v4-auto-web', labels: autoPoolLabels, finalizers: [finalizer] } },
  ),
  pool('pool-v6-a', { ipVersion: 6, subnet: 'fd00:10::/64', ips: ['fd00:10::10-fd00:10::ff'], gateway: 'fd00:10::1', default: true }),
  pool('pool-v6-small', { ipVersion: 6, subnet: 'fd00:11::/120', ips: ['fd00:11::1-fd00:11::2'] }),
  pool('pool-v6-node2', { ipVersion: 6, subnet: 'fd00:12::/64', ips: ['fd00:12::1-fd00:12::9'], nodeName: ['node-2'] }),
  pool(
    'pool-v6-sts',
    { ipVersion: 6, subnet: 'fd00:13::/64', ips: ['fd00:13::1-fd00:13::9'] },
    { status: records({ 'fd00:13::5': { pod: 'default/db-0', podUid: 'uid-db-0-old' } }) },
  ),
  pool('pool-v6-corrupt', { ipVersion: 6, subnet: 'fd00:14::/64', ips: ['fd00:14::1-fd00:14::9'] }, { status: '[]' }),
]);

const reservedIPs: readonly SpiderReservedIP[] = deepFreeze([
  { metadata: { name: 'reserved-v4' }, spec: { ipVersion: 4, ips: ['10.10.0.11-10.10.0.12'] } },
  { metadata: { name: 'reserved-v6' }, spec: { ipVersion: 6, ips: ['fd00:10::10'] } },
]);

type NamespaceMeta = { labels?: Record<string, string>; annotations?: Record<string, string> };

const namespaces: Readonly<Record<string, NamespaceMeta>> = deepFreeze({
  default: { labels: { team: 'blue', 'kubernetes.io/metadata.name': 'default' } },
  'kube-system': { labels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  prod: { labels: { team: 'red' }, annotations: { [namespaceAnnotations.defaultIPv4Pools]: '["pool-v4-b"]' } },
  dual: {
    labels: { team: 'blue' },
    annotations: {
      [namespaceAnnotations.defaultIPv4Pools]: '["pool-v4-small", "pool-v4-a"]',
      [namespaceAnnotations.defaultIPv6Pools]: '["pool-v6-a"]',
    },
  },
  globbed: { annotations: { [namespaceAnnotations.defaultIPv4Pools]: '["pool-v4-s*"]' } },
  broken: { annotations: { [namespaceAnnotations.defaultIPv4Pools]: '["pool-v4-a"' } },
  wrongtype: { annotations: { [namespaceAnnotations.defaultIPv6Pools]: '{"pool": 1}' } },
});

/** Namespaces a Pod is created in; "ghost" is not in the cache yet. */
export const podNamespaces = [...Object.keys(namespaces), 'ghost'];

const spiderIPAM = (extra: Record<string, unknown> = {}) => ({ type: 'spiderpool', ...extra });

// spec.config of the NADs; each exists in every known namespace.
const nadConfigs: Readonly<Record<string, string | undefined>> = {
  'spider-eth0': JSON.stringify({
    cniVersion: '0.3.1',
    name: 'spider-eth0',
    type: 'macvlan',
    ipam: spiderIPAM({ default_ipv4_ippool: ['pool-v4-a'], default_ipv6_ippool: ['pool-v6-a'] }),
  }),
  'macvlan-spider': JSON.stringify({
    cniVersion: '0.3.1',
    name: 'macvlan-spider',
    plugins: [
      { type: 'macvlan', ipam: spiderIPAM({ default_ipv4_ippool: ['pool-v4-net1'], clean_gateway: true }) },
      { type: 'coordinator' },
    ],
  }),
  'macvlan-v6': JSON.stringify({ cniVersion: '0.3.1', type: 'macvlan', ipam: spiderIPAM({ default_ipv6_ippool: ['pool-v6-small'] }) }),
  'macvlan-nodefault': JSON.stringify({ cniVersion: '0.3.1', type: 'macvlan', ipam: spiderIPAM() }),
  'admission-ipam-nad': JSON.stringify({ type: 'ipvlan', ipam: { type: 'admission-ipam', default_ipv4_ippool: ['pool-v4-b'] } }),
  calico: JSON.stringify({ cniVersion: '0.3.1', type: 'calico', ipam: { type: 'calico-ipam' } }),
  'broken-config': '{"cniVersion": "0.3.1", "ipam": ',
  'bad-ipam': JSON.stringify({ type: 'macvlan', ipam: spiderIPAM({ default_ipv4_ippool: 'pool-v4-a' }) }),
  'no-config': undefined,
  proto: '{"__proto__": {"ipam": {"type": "spiderpool"}}, "ipam": {"type": "spiderpool", "default_ipv4_ippool": ["pool-v4-b"]}}',
};

const nodes: readonly NodeFacts[] = deepFreeze<NodeFacts[]>([
  { name: 'node-1', labels: { zone: 'a', 'kubernetes.io/hostname': 'node-1' } },
  { name: 'node-2', labels: { zone: 'b', 'kubernetes.io/hostname': 'node-2' } },
  { name: 'node-3', labels: { zone: 'a', gpu: 'true' } },
]);

// Owners of ReplicaSets and Jobs, as the informer caches hold them (any namespace).
const workloadOwners: Readonly<Record<string, OwnerReference[]>> = deepFreeze({
  'ReplicaSet web-7c9f': [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-deploy-web', controller: true }],
  'ReplicaSet db-rs': [],
  'Job backup-28000': [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'backup', uid: 'uid-cronjob-backup', controller: true }],
});

const view: PodView = {
  namespace: (name) => (Object.hasOwn(namespaces, name) ? namespaces[name] : undefined),
  networkAttachmentConfig: (key) => {
    const [namespace = '', name = ''] = key.split('/');
    if (!Object.hasOwn(namespaces, namespace) || !Object.hasOwn(nadConfigs, name)) return undefined;
    return { config: nadConfigs[name] };
  },
  // Keyed with a template string, as the informer caches are in admission/serve.ts.
  owners: (kind, _namespace, name) => workloadOwners[`${kind} ${name}`],
};

/** How the webhook is configured for a sequence: which interfaces are ours, and whether subnets are on. */
export type ConfigName = 'annotated' | 'ours' | 'cluster-network';

const configs: Record<ConfigName, Pick<PodAdmissionDependencies, 'podFacts' | 'sources'>> = {
  annotated: {
    podFacts: { multusNamespace: 'kube-system', primaryNetwork: 'annotated' },
    sources: { enableSpiderSubnet: true, enableAutoPools: true },
  },
  ours: {
    podFacts: { multusNamespace: 'kube-system', primaryNetwork: 'ours' },
    sources: { enableSpiderSubnet: true, enableAutoPools: true },
  },
  'cluster-network': {
    podFacts: { multusNamespace: 'kube-system', clusterNetwork: 'kube-system/spider-eth0', primaryNetwork: 'other' },
    sources: { enableSpiderSubnet: false, enableAutoPools: false },
  },
};

// ---------------------------------------------------------------------------------------------
// The in-memory pools and their reservers

interface World {
  config: ConfigName;
  pools: Map<string, SpiderIPPool>;
}

const freshWorld = (config: ConfigName): World => ({ config, pools: new Map(seedPools.map((p) => [p.metadata.name ?? '', p])) });

function plan(p: SpiderIPPool, operations: PoolOperation[]) {
  const family = poolFamily(p);
  return planPoolOperations(p, operations, family === undefined ? undefined : reservedAddresses(reservedIPs, family), now);
}

function asReservation(name: string, result: PoolOperationResult | undefined): ReservationResult {
  if (result === undefined) return { error: { code: 'bad-request', object: name, message: 'no result' } };
  return 'released' in result || 'settled' in result
    ? { error: { code: 'bad-request', object: name, message: 'a release answered a reservation' } }
    : result;
}

const notKnown = (name: string): ReservationResult => ({
  error: { code: 'not-found', object: name, message: `pool "${name}" is not known` },
});

/** What a status write does: the pool is replaced by one with the planned status (frozen, like a cache entry). */
function written(p: SpiderIPPool, status: { allocatedIPs: string | null; allocatedIPCount: number }): SpiderIPPool {
  const resourceVersion = String(Number(p.metadata.resourceVersion ?? '0') + 1);
  return deepFreeze({ ...p, metadata: { ...p.metadata, resourceVersion }, status: { ...p.status, ...status } });
}

function worldReserver(world: () => World): Reserver {
  return {
    async reserve(name, request) {
      const current = world().pools.get(name);
      if (!current) return notKnown(name);
      const outcome = plan(current, [{ kind: 'reserve', request }]);
      if (outcome.status) world().pools.set(name, written(current, outcome.status));
      return asReservation(name, outcome.results[0]);
    },
    async release(name, ips, key) {
      const current = world().pools.get(name);
      if (!current) throw new Error(`pool "${name}" is not known`);
      const outcome = plan(current, [{ kind: 'release', ips, key }]);
      const result = outcome.results[0];
      if (result && 'error' in result) throw new Error(result.error.message);
      if (outcome.status) world().pools.set(name, written(current, outcome.status));
    },
  };
}

/** As kube/pool-reservations.ts plans a dry run: against the pools plus what this request planned, writing nothing. */
function worldPlanner(world: () => World): Reserver {
  const planned = new Map<string, SpiderIPPool>();
  return {
    async reserve(name, request) {
      const current = planned.get(name) ?? world().pools.get(name);
      if (!current) return notKnown(name);
      const outcome = plan(current, [{ kind: 'reserve', request }]);
      if (outcome.status) planned.set(name, { ...current, status: { ...current.status, ...outcome.status } });
      return asReservation(name, outcome.results[0]);
    },
    release: async () => undefined,
  };
}

/** Per pool: its records by address (canonical record JSON), or the raw status when it cannot be read. */
export type RecordSnapshot = Map<string, Map<string, string> | string>;

function snapshot(world: World): RecordSnapshot {
  const out: RecordSnapshot = new Map();
  for (const [name, p] of world.pools) {
    const text = p.status?.allocatedIPs ?? null;
    const parsed = parseRecords(text, poolFamily(p));
    out.set(name, parsed.ok ? new Map([...parsed.value].map(([ip, r]) => [ip, recordJSON(r)])) : `unreadable ${String(text)}`);
  }
  return out;
}

interface Difference {
  pool: string;
  /** Absent when the pool's status cannot be read before or after. */
  ip?: string;
  text: string;
}

/** Every difference between two snapshots, as "pool ip: before -> after". */
function differences(before: RecordSnapshot, after: RecordSnapshot): Difference[] {
  const out: Difference[] = [];
  for (const pool of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(pool);
    const b = after.get(pool);
    if (typeof a !== 'object' || typeof b !== 'object') {
      if (a !== b)
        out.push({ pool, text: `"${pool}": ${JSON.stringify(String(a).slice(0, 80))} -> ${JSON.stringify(String(b).slice(0, 80))}` });
      continue;
    }
    for (const ip of new Set([...a.keys(), ...b.keys()])) {
      if (a.get(ip) !== b.get(ip))
        out.push({ pool, ip, text: `"${pool} ${ip}": ${JSON.stringify(a.get(ip) ?? 'free')} -> ${JSON.stringify(b.get(ip) ?? 'free')}` });
    }
  }
  return out;
}

/** The first change, and how many there are (values quoted, so that signatureOf groups the same fault). */
const listed = (changes: readonly Difference[]) =>
  `${changes.length} records, e.g. ${changes[0]?.text ?? ''}${changes.length > 1 ? ` and ${changes.length - 1} more` : ''}`;

function heldTwice(state: RecordSnapshot): string[] {
  const holder = new Map<string, string>();
  const out: string[] = [];
  for (const [name, held] of state) {
    if (typeof held !== 'object') continue;
    for (const ip of held.keys()) {
      const other = holder.get(ip);
      if (other !== undefined) out.push(`"${ip}" is held by pool "${other}" and pool "${name}"`);
      else holder.set(ip, name);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Well-formed Pods

const optional = <T>(arbitrary: fc.Arbitrary<T>, weight = 1, absent = 1) =>
  fc.oneof({ withCrossShrink: true }, { weight: absent, arbitrary: fc.constant(undefined) }, { weight, arbitrary });

/** Drops the `undefined` of optional fields, as the wire does. */
const plainJSON = (value: unknown): JsonObject => JSON.parse(JSON.stringify(value)) as JsonObject;

const v4Pools = seedPools.filter((p) => poolFamily(p) === 4).map((p) => p.metadata.name ?? '');
const v6Pools = seedPools.filter((p) => poolFamily(p) === 6).map((p) => p.metadata.name ?? '');
const oddPoolNames = ['pool-nope', 'pool-v4-*', 'pool-v?-small', 'pool-v4-[ab]', 'pool-v4-[', '*', 'pool-v6-*'];

const smallPools = ['pool-v4-small', 'pool-v4-one', 'pool-v4-full', 'pool-v6-small'];

/** Mostly distinct names (a name twice is refused, and is also among the junk), small pools often, so they run out. */
function poolNames(own: readonly string[], other: readonly string[]) {
  const name = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...smallPools.filter((n) => own.includes(n))) },
    { weight: 8, arbitrary: fc.constantFrom(...own) },
    { weight: 1, arbitrary: fc.constantFrom(...other) },
    { weight: 1, arbitrary: fc.constantFrom(...oddPoolNames) },
  );
  return fc.oneof(
    { weight: 12, arbitrary: fc.uniqueArray(name, { minLength: 1, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.array(name, { minLength: 2, maxLength: 3 }) },
  );
}
const ipv4Names = poolNames(v4Pools, v6Pools);
const ipv6Names = poolNames(v6Pools, v4Pools);
const interfaceName = fc.constantFrom('eth0', 'net1', 'net2', 'lan0');

const ippool = fc.record({ ipv4: optional(ipv4Names, 3), ipv6: optional(ipv6Names) }).map((v) => JSON.stringify(plainJSON(v)));

const ippools = fc
  .tuple(
    fc.boolean(),
    fc.array(
      fc.record({
        interface: interfaceName,
        ipv4: optional(ipv4Names, 3),
        ipv6: optional(ipv6Names),
        cleangateway: optional(fc.boolean()),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([named, items]) => JSON.stringify(items.map((item) => plainJSON(named ? item : { ...item, interface: undefined }))));

const subnetItem = fc.record({
  interface: optional(interfaceName),
  ipv4: optional(fc.constantFrom(['subnet-v4'], ['subnet-other'], []), 4),
  ipv6: optional(fc.constantFrom(['subnet-v6'])),
});
const subnet = subnetItem.map((v) => JSON.stringify(plainJSON(v)));
const subnets = fc.array(subnetItem, { minLength: 1, maxLength: 2 }).map((items) => JSON.stringify(plainJSON(items)));

const routes = fc
  .array(
    fc.constantFrom(
      { dst: '10.98.0.0/16', gw: '10.10.0.1' },
      { dst: 'fd00:98::/64', gw: 'fd00:10::1' },
      { dst: '172.30.0.0/16', gw: '10.21.0.1' },
      { dst: '192.168.50.0/24', gw: '192.168.0.1' },
    ),
    { maxLength: 3 },
  )
  .map((list) => JSON.stringify(list));

const nadNames = [...Object.keys(nadConfigs), 'missing'];
const defaultNetwork = fc.constantFrom(
  'spider-eth0',
  'kube-system/spider-eth0',
  '[{"name": "spider-eth0", "namespace": "kube-system"}]',
  'macvlan-nodefault',
  'calico',
  'missing',
  '',
);

const networkEntry = fc.record({
  namespace: optional(fc.constantFrom('default', 'kube-system', 'dual', 'ghost')),
  name: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('macvlan-spider', 'macvlan-v6') },
    { weight: 3, arbitrary: fc.constantFrom(...nadNames) },
  ),
  interface: optional(fc.constantFrom('net1', 'net2', 'eth0', 'lan0')),
});
const networks = fc
  .tuple(fc.boolean(), fc.array(networkEntry, { minLength: 1, maxLength: 3 }))
  .map(([short, entries]) =>
    short
      ? entries.map((e) => `${e.namespace ? `${e.namespace}/` : ''}${e.name}${e.interface ? `@${e.interface}` : ''}`).join(', ')
      : JSON.stringify(plainJSON(entries)),
  );

const annotations = fc.record({
  [podAnnotations.ippool]: optional(ippool, 2, 3),
  [podAnnotations.ippools]: optional(ippools, 1, 3),
  [podAnnotations.subnet]: optional(subnet, 1, 8),
  [podAnnotations.subnets]: optional(subnets, 1, 10),
  [podAnnotations.ippoolIPNumber]: optional(fc.constantFrom('2', '+1', 'x'), 1, 10),
  [podAnnotations.ippoolReclaim]: optional(fc.constantFrom('true', 'maybe'), 1, 10),
  [podAnnotations.routes]: optional(routes, 1, 4),
  [multusAnnotations.defaultNetwork]: optional(defaultNetwork, 1, 5),
  [multusAnnotations.networks]: optional(networks, 1, 2),
  [`${podAnnotations.assignedPrefix}eth0`]: optional(
    fc.constant('{"interface":"eth0","ipv4":"10.10.0.13/16","ipv4pool":"pool-v4-a"}'),
    1,
    12,
  ),
  'example.com/note': optional(fc.string({ maxLength: 10 }), 1, 4),
});

type OwnerKind = 'bare' | 'deployment' | 'statefulset' | 'daemonset' | 'cronjob' | 'job' | 'replicaset' | 'third-party';

const ownerRefs: Record<OwnerKind, { ref?: OwnerReference; prefix: string }> = {
  bare: { prefix: 'web-' },
  deployment: {
    ref: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7c9f', uid: 'uid-rs', controller: true },
    prefix: 'web-7c9f-',
  },
  statefulset: { ref: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'uid-sts', controller: true }, prefix: 'db-' },
  daemonset: { ref: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'uid-ds', controller: true }, prefix: 'agent-' },
  cronjob: {
    ref: { apiVersion: 'batch/v1', kind: 'Job', name: 'backup-28000', uid: 'uid-job', controller: true },
    prefix: 'backup-28000-',
  },
  job: { ref: { apiVersion: 'batch/v1', kind: 'Job', name: 'plain-job', uid: 'uid-job2', controller: true }, prefix: 'plain-job-' },
  replicaset: { ref: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'db-rs', uid: 'uid-rs2', controller: true }, prefix: 'db-rs-' },
  'third-party': {
    ref: { apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet', name: 'web-clone', uid: 'uid-clone', controller: true },
    prefix: 'web-clone-',
  },
};

const pin = (node: string) => ({ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] });
const affinity = fc.constantFrom<JsonObject>(
  { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [pin('node-1')] } } },
  { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [pin('node-2')] } } },
  { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [pin('node-1'), pin('node-3')] } } },
  {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }],
      },
    },
  },
  { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } } },
  { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }] } },
);

const podParts = fc.record({
  owner: fc.constantFrom<OwnerKind>(...(Object.keys(ownerRefs) as OwnerKind[])),
  naming: fc.constantFrom('name', 'generateName', 'both'),
  ordinal: fc.nat({ max: 3 }),
  labels: optional(fc.dictionary(fc.constantFrom('app', 'tier'), fc.constantFrom('web', 'db')), 3),
  annotations,
  nodeName: optional(fc.constantFrom('node-1', 'node-2', 'node-9'), 1, 5),
  hostNetwork: optional(fc.boolean(), 1, 10),
  affinity: optional(affinity, 1, 3),
  unknownField: optional(fc.constant({ introducedIn: 'v1.99', values: [1, 2, 3] }), 1, 5),
});

type PodParts = typeof podParts extends fc.Arbitrary<infer T> ? T : never;

function podObject(namespace: string, parts: PodParts): JsonObject {
  const owner = ownerRefs[parts.owner];
  // A StatefulSet Pod has its final name at admission; the others usually come from generateName.
  const naming = parts.owner === 'statefulset' ? 'name' : parts.naming;
  const name = `${owner.prefix}${parts.owner === 'statefulset' ? parts.ordinal : `x${parts.ordinal}`}`;
  // The DaemonSet controller pins its Pods to one node with a matchFields term.
  const affinityOf =
    parts.owner === 'daemonset'
      ? { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [pin(`node-${parts.ordinal + 1}`)] } } }
      : parts.affinity;
  return plainJSON({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(naming !== 'generateName' ? { name } : {}),
      ...(naming !== 'name' ? { generateName: owner.prefix } : {}),
      namespace,
      labels: parts.labels,
      annotations: parts.annotations,
      ownerReferences: owner.ref ? [{ ...owner.ref, blockOwnerDeletion: true }] : undefined,
    },
    spec: {
      containers: [{ name: 'app', image: 'nginx:1.27' }],
      nodeName: parts.nodeName,
      hostNetwork: parts.hostNetwork,
      affinity: affinityOf,
      'x-future-field': parts.unknownField,
    },
  });
}

const fixturePod = (): JsonObject => {
  const text = readFileSync(join(repoRoot, 'tests/fixtures/admission/pod-create.json'), 'utf8');
  return (JSON.parse(text) as { request: { object: JsonObject } }).request.object;
};

// ---------------------------------------------------------------------------------------------
// Junk for the mutations

const annotationKeys = [
  podAnnotations.ippool,
  podAnnotations.ippools,
  podAnnotations.subnet,
  podAnnotations.subnets,
  podAnnotations.routes,
  podAnnotations.ippoolIPNumber,
  podAnnotations.ippoolReclaim,
  podAnnotations.defaultRouteNIC,
  multusAnnotations.defaultNetwork,
  multusAnnotations.networks,
  `${podAnnotations.assignedPrefix}eth0`,
  '__proto__',
  'constructor',
  'toString',
];

// Texts every annotation parser must refuse (or accept) with a message: bad JSON, wrong shapes, wrong families, globs,
// duplicate interfaces, prototype keys, control characters.
const textJunk = [
  ...['', ' ', '{', '[', '}', 'null', 'true', '0', '1e309', '""', '"pool-v4-a"', '[]', '{}', '[{}]', '[null]', '[[]]'],
  ...['{"ipv4": "pool-v4-a"}', '{"ipv4": [1]}', '{"ipv4": [""]}', '{"ipv4": ["pool-v4-a", "pool-v4-a"]}', '{"ipv4": null, "ipv6": null}'],
  ...['{"IPv4": ["pool-v4-a"]}', '{"ipv4": ["pool-v6-a"]}', '{"ipv6": ["pool-v4-a"]}', '{"ipv4": ["[x"]}', '{"ipv4": ["*"]}'],
  ...['{"ipv4": ["pool-v4-\\\\"]}', '{"ipv4": ["__proto__"]}', '{"ipv4": ["constructor"]}', '{"ipv4": ["toString"]}'],
  ...['{"__proto__": {"ipv4": ["pool-v4-a"]}}', '{"constructor": {"prototype": {"ipv4": ["pool-v4-a"]}}}'],
  '[{"interface": "eth0", "ipv4": ["pool-v4-a"]}, {"ipv4": ["pool-v4-b"]}]',
  '[{"interface": "eth0", "ipv4": ["pool-v4-a"]}, {"interface": "eth0", "ipv4": ["pool-v4-b"]}]',
  '[{"interface": "eth0", "ipv4": ["pool-v4-a"]}, {"interface": "net1", "ipv4": ["pool-v4-a"]}]',
  ...[
    '[{"interface": 5}]',
    '[{"cleangateway": "yes", "ipv4": ["pool-v4-a"]}]',
    '[{"interface": "eth0"}]',
    '[{"__proto__": {"ipv4": ["x"]}}]',
  ],
  ...['{"interface": "eth0", "ipv4": ["subnet-*"]}', '[{"interface": "", "ipv4": ["subnet-v4"]}]', '{"ipv4": ["subnet-v4"], "ipv6": [""]}'],
  ...['[{"dst": "10.0.0.0/8"}]', '[{"dst": "10.0.0.0/33", "gw": "10.10.0.1"}]', '[{"dst": "fd00::/64", "gw": "10.10.0.1"}]'],
  ...['[{"dst": 1, "gw": []}]', '[{"dst": "10.0.0.0/8", "gw": "10.10.0.1%eth0"}]', '{"dst": "10.0.0.0/8", "gw": "10.10.0.1"}'],
  ...['macvlan-spider@eth0', 'macvlan-spider, macvlan-spider', 'a/b/c', 'net@a@b', 'macvlan-spider@averyveryverylongname'],
  ...['macvlan-spider@with space', 'macvlan-spider@a/b', '@', ',', ' , ', 'MACVLAN', '/macvlan-spider', 'macvlan-spider@', 'default/'],
  ...['-bad-', '[{"name": 5}]', '[{"name": "macvlan-spider", "interface": "net1"}, {"name": "macvlan-v6", "interface": "net1"}]'],
  ...['[{"name": "Bad_Name"}]', '[{"name": "macvlan-spider", "namespace": 7}]', '{"name": "spider-eth0"}'],
  ...['[{"name": "spider-eth0"}, {"name": "spider-eth0"}]', 'spider-eth0, macvlan-spider', 'kube-system/calico', 'broken-config'],
  ...['-1', '+x', '99999999999999999999', 'maybe', 'TRUE', 'net1', 'eth9'],
  ...['\u0000', '\ud800', 'pool-v4-a\u200b', '\u202e{"ipv4":["pool-v4-a"]}', '{"ipv4": ["pool-v4-a"]}\u0000'],
];

const prototypeJSON = [
  '{"__proto__": {"ipv4": ["pool-v4-a"]}}',
  '{"__proto__": null}',
  '{"__proto__": []}',
  '{"constructor": {"prototype": {"polluted": true}}}',
  '{"toString": "x", "valueOf": 1, "hasOwnProperty": "no"}',
  '{"toString": {"x": 1}}',
  '{"length": 3}',
  '{"0": "a", "length": 1}',
  '[{"__proto__": {"controller": true, "kind": "StatefulSet"}}]',
  '{"matchFields": [{"__proto__": {"key": "metadata.name"}}]}',
];

const typedJunk = fc.constantFrom<JsonValue>(
  null,
  true,
  false,
  0,
  5,
  -1,
  1.5,
  1e308,
  [],
  {},
  ['x'],
  [null],
  [{}],
  [[]],
  'x',
  '',
  { controller: true, kind: 'StatefulSet', name: 'db', apiVersion: 'apps/v1' },
  { nodeSelectorTerms: 'node-1' },
  { nodeSelectorTerms: [null] },
  { nodeSelectorTerms: [{ matchFields: 'x' }] },
  { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: 'node-1' }] }] },
  { requiredDuringSchedulingIgnoredDuringExecution: 7 },
);

/** Strings of 20-100 KB: whole-annotation values a user may paste, and JSON lists of thousands of names. */
const hugeText = fc
  .tuple(fc.constantFrom('plain', 'names', 'networks', 'ippools', 'nested'), fc.integer({ min: 20_000, max: 100_000 }))
  .map(([shape, size]) => {
    switch (shape) {
      case 'plain':
        return 'a'.repeat(size);
      case 'names':
        return JSON.stringify({ ipv4: Array.from({ length: Math.floor(size / 12) }, (_, i) => `pool-${i}`) });
      case 'networks':
        return Array.from({ length: Math.floor(size / 22) }, (_, i) => `macvlan-spider@n${i}`).join(',');
      case 'ippools':
        return JSON.stringify(Array.from({ length: Math.floor(size / 40) }, (_, i) => ({ interface: `n${i}`, ipv4: ['pool-v4-a'] })));
      default: {
        const depth = Math.min(3_000, Math.floor(size / 8));
        return `${'{"ipv4":'.repeat(depth)}[]${'}'.repeat(depth)}`;
      }
    }
  });

const deeplyNested = fc.tuple(fc.constantFrom('array', 'object'), fc.integer({ min: 10, max: 3_000 })).map(([shape, depth]) => {
  let value: JsonValue = 'node-1';
  for (let i = 0; i < depth; i++) value = shape === 'array' ? [value] : { nodeSelectorTerms: value };
  return value;
});

const longArray = fc
  .integer({ min: 100, max: 10_000 })
  .map(
    (length): JsonValue => Array.from({ length }, (_, i) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${i}`, uid: `u${i}` })),
  );

const junk: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...textJunk) },
  { weight: 5, arbitrary: typedJunk },
  { weight: 2, arbitrary: fc.constantFrom(...prototypeJSON).map((text) => JSON.parse(text) as JsonValue) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue> },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: hugeText },
  { weight: 1, arbitrary: deeplyNested },
  { weight: 1, arbitrary: longArray },
);

const affinityPath = ['spec', 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms'];
const ownerPath = ['metadata', 'ownerReferences'];

export const podMutationPaths: readonly string[][] = [
  ['metadata'],
  ['metadata', 'name'],
  ['metadata', 'generateName'],
  ['metadata', 'namespace'],
  ['metadata', 'uid'],
  ['metadata', 'labels'],
  ['metadata', 'labels', 'app'],
  ['metadata', 'labels', '__proto__'],
  ['metadata', 'annotations'],
  ...annotationKeys.map((key) => ['metadata', 'annotations', key]),
  ownerPath,
  [...ownerPath, '0'],
  [...ownerPath, '0', 'controller'],
  [...ownerPath, '0', 'kind'],
  [...ownerPath, '0', 'name'],
  [...ownerPath, '0', 'apiVersion'],
  [...ownerPath, '1'],
  ['metadata', '__proto__'],
  ['metadata', 'constructor'],
  ['spec'],
  ['spec', 'nodeName'],
  ['spec', 'hostNetwork'],
  ['spec', 'affinity'],
  ['spec', 'affinity', 'nodeAffinity'],
  affinityPath.slice(0, 4),
  affinityPath,
  [...affinityPath, '0'],
  [...affinityPath, '0', 'matchFields'],
  [...affinityPath, '0', 'matchFields', '0'],
  [...affinityPath, '0', 'matchFields', '0', 'values'],
  [...affinityPath, '0', 'matchExpressions'],
  ['spec', 'affinity', 'podAntiAffinity'],
  ['spec', 'containers'],
  ['spec', '__proto__'],
  ['__proto__'],
  ['constructor'],
  ['kind'],
  ['apiVersion'],
];

const annotationPaths = podMutationPaths.filter((path) => path.length === 3 && path[1] === 'annotations');
const otherPaths = podMutationPaths.filter((path) => !annotationPaths.includes(path));

// An annotation value is text on the wire; a typed value there stands for a body no API server sends, and is rarer.
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('set' as const),
      path: fc.constantFrom(...annotationPaths),
      value: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(...textJunk) },
        { weight: 2, arbitrary: hugeText },
        { weight: 1, arbitrary: junk },
      ),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('set' as const), path: fc.constantFrom(...otherPaths), value: junk }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), path: fc.constantFrom(...podMutationPaths) }) },
);

// ---------------------------------------------------------------------------------------------
// Steps and sequences

export type PodOperation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface PodStep {
  operation: PodOperation;
  /** request.namespace, which the API server always sends for a Pod. */
  namespace: string;
  object: JsonObject;
  dryRun: boolean;
  apiVersion: typeof ADMISSION_V1 | typeof ADMISSION_V1BETA1;
  /** When the answer is a patch, send the patched Pod again under the same uid (reinvocationPolicy: IfNeeded). */
  reinvoke: boolean;
}

/** Requests against one fresh cluster, in order: reservations of earlier steps are what later ones find. */
export interface PodSequence {
  config: ConfigName;
  steps: PodStep[];
}

const podStep: fc.Arbitrary<PodStep> = fc
  .record({
    namespace: fc.oneof({ weight: 6, arbitrary: fc.constant('default') }, { weight: 4, arbitrary: fc.constantFrom(...podNamespaces) }),
    parts: podParts,
    fixture: fc.oneof(
      { withCrossShrink: true },
      { weight: 30, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
    mutations: fc.oneof(
      { withCrossShrink: true },
      { weight: 5, arbitrary: fc.constant<Mutation[]>([]) },
      { weight: 4, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) },
    ),
    dryRun: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    apiVersion: fc.oneof({ weight: 5, arbitrary: fc.constant(ADMISSION_V1) }, { weight: 1, arbitrary: fc.constant(ADMISSION_V1BETA1) }),
    operation: fc.oneof(
      { weight: 24, arbitrary: fc.constant<PodOperation>('CREATE') },
      { weight: 1, arbitrary: fc.constantFrom<PodOperation>('UPDATE', 'DELETE') },
    ),
    reinvoke: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  })
  .map(({ namespace, parts, fixture, mutations, ...rest }) => {
    const base = fixture ? fixturePod() : podObject(namespace, parts);
    return { ...rest, namespace, object: applyMutations(base, mutations) };
  });

export const podSequence: fc.Arbitrary<PodSequence> = fc.record({
  config: fc.oneof(
    { weight: 3, arbitrary: fc.constant<ConfigName>('annotated') },
    { weight: 1, arbitrary: fc.constantFrom<ConfigName>('ours', 'cluster-network') },
  ),
  steps: fc.array(podStep, { minLength: 1, maxLength: 16 }),
});

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const own = (value: unknown, key: string): unknown => (isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined);

/** The AdmissionReview the API server sends for the step, as JSON text. */
export function podReviewText(step: PodStep, uid: string, object: JsonObject = step.object): string {
  const gvk = { group: '', version: 'v1', kind: 'Pod' };
  const gvr = { group: '', version: 'v1', resource: 'pods' };
  const name = own(object.metadata, 'name');
  const request = {
    uid,
    kind: gvk,
    resource: gvr,
    requestKind: gvk,
    requestResource: gvr,
    ...(typeof name === 'string' && name !== '' ? { name } : {}),
    namespace: step.namespace,
    operation: step.operation,
    userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:authenticated'] },
    object: step.operation === 'DELETE' ? null : object,
    oldObject: step.operation === 'CREATE' ? null : object,
    dryRun: step.dryRun,
    options: { kind: `${step.operation[0]}${step.operation.slice(1).toLowerCase()}Options`, apiVersion: 'meta.k8s.io/v1' },
  };
  return JSON.stringify({ kind: 'AdmissionReview', apiVersion: step.apiVersion, request });
}

// ---------------------------------------------------------------------------------------------
// The properties of one answer, beyond those of any review

// checkAnswer (the custom-resource fuzzer's) reads only the apiVersion and whether the webhook is a defaulting one;
// it is told "mutate" so that it applies the patch, and its "defaulting never denies" is dropped: this one may deny.
const mutatingEndpoint = endpoints.find((e) => e.mode === 'mutate');

function checkReview(step: PodStep, uid: string, sent: JsonObject | null, httpStatus: number, text: string): Answer {
  const shape: FuzzCase = {
    endpoint: { ...(mutatingEndpoint as (typeof endpoints)[number]), name: 'mutate-pod', path: podPath },
    operation: step.operation,
    object: sent,
    oldObject: null,
    view: 'valid',
    apiVersion: step.apiVersion,
    dryRun: step.dryRun,
  };
  const answer = checkAnswer(shape, uid, sent, httpStatus, text);
  return { ...answer, problems: answer.problems.filter((p) => p.property !== 'defaulting denied') };
}

/** The reservation key the handler must use: the request's token, or the name of a StatefulSet Pod. */
function expectedKey(object: JsonObject, namespace: string, uid: string): { token: string } | { pod: string } {
  const metadata = own(object, 'metadata');
  const refs = own(metadata, 'ownerReferences');
  const controller = Array.isArray(refs) ? refs.find((r) => isRecord(r) && r.controller === true) : undefined;
  const name = own(metadata, 'name');
  return own(controller, 'kind') === 'StatefulSet' && typeof name === 'string' && name !== ''
    ? { pod: `${namespace}/${name}` }
    : { token: reservationToken(uid) };
}

// A StatefulSet Pod owns every record of its name, whoever made it (Spiderpool's rule: it finds its address again).
const heldBy = (recordText: string, key: { token: string } | { pod: string }): boolean => {
  const record = JSON.parse(recordText) as { pod?: unknown; token?: unknown };
  return 'token' in key ? record.token === key.token : record.pod === key.pod;
};

// ---------------------------------------------------------------------------------------------
// Where the scheduler could put a Pod, by its spec.nodeName and required node affinity, among the current nodes

type Requirement = { key: string; operator: string; values?: string[] };

function requirements(value: unknown): Requirement[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  const ok = value.every(
    (r) =>
      isRecord(r) &&
      typeof r.key === 'string' &&
      typeof r.operator === 'string' &&
      (r.values === undefined || (Array.isArray(r.values) && r.values.every((v) => typeof v === 'string'))),
  );
  return ok ? (value as Requirement[]) : undefined;
}

function satisfied(r: Requirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const [bound] = values;
      if (value === undefined || bound === undefined) return false;
      return r.operator === 'Gt' ? Number(value) > Number(bound) : Number(value) < Number(bound);
    }
    default:
      return false;
  }
}

/** A required node selector as one line: terms ORed with "|", requirements ANDed with "&". */
function selectorText(selector: unknown): string {
  const terms = own(selector, 'nodeSelectorTerms');
  if (!Array.isArray(terms)) return String(terms);
  return terms
    .map((t) =>
      [...(requirements(own(t, 'matchExpressions')) ?? []), ...(requirements(own(t, 'matchFields')) ?? [])]
        .map((r) => `${r.key} ${r.operator} ${(r.values ?? []).join(',')}`)
        .join(' & '),
    )
    .join(' | ');
}

/** The current nodes the Pod may run on; undefined when its spec has shapes an API server would not send. */
export function schedulableNodes(pod: JsonObject): string[] | undefined {
  const spec = own(pod, 'spec') ?? {};
  if (!isRecord(spec)) return undefined;
  const nodeName = own(spec, 'nodeName');
  if (nodeName !== undefined && typeof nodeName !== 'string') return undefined;
  const required = own(own(own(spec, 'affinity'), 'nodeAffinity'), 'requiredDuringSchedulingIgnoredDuringExecution');
  const terms = required === undefined ? undefined : own(required, 'nodeSelectorTerms');
  if (terms !== undefined && !Array.isArray(terms)) return undefined;
  const parsed: { expressions: Requirement[]; fields: Requirement[] }[] = [];
  for (const term of terms ?? []) {
    const expressions = requirements(own(term, 'matchExpressions'));
    const fields = requirements(own(term, 'matchFields'));
    if (!isRecord(term) || !expressions || !fields) return undefined;
    parsed.push({ expressions, fields });
  }
  return nodes
    .filter((node) => !nodeName || node.name === nodeName)
    .filter(
      (node) =>
        terms === undefined ||
        parsed.some(
          // An empty term matches no node.
          (t) =>
            t.expressions.length + t.fields.length > 0 &&
            t.expressions.every((r) => satisfied(r, Object.hasOwn(node.labels, r.key) ? node.labels[r.key] : undefined)) &&
            t.fields.every((r) => satisfied(r, r.key === 'metadata.name' ? node.name : undefined)),
        ),
    )
    .map((node) => node.name);
}

/** The Pod-webhook properties of an answer; `before` and `after` are the pools' records around the request. */
function podProblems(step: PodStep, uid: string, answer: Answer, before: RecordSnapshot, after: RecordSnapshot): Problem[] {
  const problems: Problem[] = [];
  const changed = differences(before, after);
  for (const twice of heldTwice(after)) problems.push({ property: 'address held twice', detail: twice });

  if (step.operation !== 'CREATE' && answer.result !== 'allowed') {
    problems.push({ property: 'not a create', detail: `a ${step.operation} was answered ${answer.result}` });
  }
  if (answer.result === 'denied') {
    const prefix = `pod ${step.namespace}/`;
    if (!answer.message?.startsWith(prefix)) {
      problems.push({
        property: 'denial message',
        detail: `does not start with "${prefix}": ${JSON.stringify(answer.message?.slice(0, 200))}`,
      });
    }
  }
  // Nothing may stay reserved by a refused Pod, a dry run, or an answer that writes no address into the Pod.
  if (answer.result !== 'patched' || step.dryRun) {
    const why = answer.result === 'patched' ? 'a dry run' : answer.result === 'error' ? 'a crash (500)' : `an answer ${answer.result}`;
    if (changed.length > 0) {
      problems.push({
        property: 'reservation leaked',
        detail: `${why} changed ${listed(changed)}`,
      });
    }
  }
  if (answer.result !== 'patched' || !answer.patchedObject) return problems;

  // The pools' node restrictions become required node affinity; the Pod must still fit some node it fitted before.
  const couldRun = schedulableNodes(step.object);
  const canRun = schedulableNodes(answer.patchedObject);
  if (couldRun && couldRun.length > 0 && canRun && canRun.length === 0) {
    const required = own(own(own(answer.patchedObject.spec, 'affinity'), 'nodeAffinity'), 'requiredDuringSchedulingIgnoredDuringExecution');
    problems.push({
      property: 'unschedulable',
      detail: `the Pod fitted nodes ${JSON.stringify(couldRun.join(' '))}, the patched Pod fits none: "${selectorText(required)}"`,
    });
  }

  const key = expectedKey(step.object, step.namespace, uid);
  const patchedAnnotations = own(answer.patchedObject.metadata, 'annotations');
  const assigned = Object.entries(isRecord(patchedAnnotations) ? patchedAnnotations : {}).filter(([k]) =>
    k.startsWith(podAnnotations.assignedPrefix),
  );
  const taken = new Map<string, string>();
  for (const [annotation, text] of assigned) {
    const nic = annotation.slice(podAnnotations.assignedPrefix.length);
    const parsed = parseAssignedResult(String(text), nic);
    if (!parsed.ok) {
      problems.push({ property: 'assigned annotation', detail: parsed.reason });
      continue;
    }
    const result = parsed.value;
    const wantToken = 'token' in key ? key.token : '';
    if (result.token !== wantToken) {
      problems.push({ property: 'assigned annotation', detail: `"${annotation}" has token "${result.token}", expected "${wantToken}"` });
      continue;
    }
    for (const [address, poolName] of [
      [result.ipv4, result.ipv4pool],
      [result.ipv6, result.ipv6pool],
    ] as const) {
      if (address === '') continue;
      const ip = address.split('/')[0] ?? '';
      const other = taken.get(ip);
      if (other !== undefined) {
        problems.push({ property: 'address given twice', detail: `"${ip}" is assigned to both "${other}" and "${nic}"` });
      }
      taken.set(ip, nic);
      const held = after.get(poolName);
      const record = typeof held === 'object' ? held.get(ip) : undefined;
      if (step.dryRun) {
        // Planned, not written: the address must have been free, or already this key's.
        const previous = before.get(poolName);
        const was = typeof previous === 'object' ? previous.get(ip) : undefined;
        if (was !== undefined && !heldBy(was, key)) {
          problems.push({
            property: 'dry run',
            detail: `"${nic}" was given "${ip}" of pool "${poolName}", already held: ${JSON.stringify(was)}`,
          });
        }
      } else if (record === undefined) {
        problems.push({ property: 'not recorded', detail: `"${nic}" was given "${ip}", which pool "${poolName}" does not record` });
      } else if (!heldBy(record, key)) {
        problems.push({
          property: 'not recorded',
          detail: `"${nic}" was given "${ip}", recorded in "${poolName}" for another key: ${JSON.stringify(record)}`,
        });
      }
    }
  }
  // Only when every address checked out: otherwise the changes are the same fault seen again.
  if (!step.dryRun && problems.length === 0) {
    for (const change of changed) {
      const held = after.get(change.pool);
      const record = typeof held === 'object' && change.ip !== undefined ? held.get(change.ip) : undefined;
      if (record === undefined || !heldBy(record, key)) problems.push({ property: 'foreign record changed', detail: change.text });
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The target

export interface StepOutcome extends Answer {
  step: PodStep;
  uid: string;
  body: string;
  crash?: Crash;
  /** The patched Pod sent again under the same uid. */
  reinvocation?: Answer & { body: string; crash?: Crash };
}

export interface SequenceOutcome {
  sequence: PodSequence;
  steps: StepOutcome[];
}

export interface PodFuzzTarget {
  base: string;
  run(sequence: PodSequence): Promise<SequenceOutcome>;
  close(): Promise<void>;
}

/** Starts the app with the real Pod handler over an in-memory cluster; sequences run one at a time. */
export async function startPodFuzzTarget(): Promise<PodFuzzTarget> {
  let world = freshWorld('annotated');
  const current = () => world;
  const deps: PodAdmissionDependencies = {
    view,
    pools: () => [...world.pools.values()],
    nodes: () => [...nodes],
    reserver: worldReserver(current),
    planner: () => worldPlanner(current),
    get podFacts() {
      return configs[world.config].podFacts;
    },
    get sources() {
      return configs[world.config].sources;
    },
    select: { installNamespace: 'kube-system' },
  };
  const target = await startLoopbackWebhooks({ [podPath]: { name: 'mutate-pod', handler: mutatePod(deps) } });
  let serial = 0;

  async function post(step: PodStep, uid: string, object: JsonObject): Promise<Answer & { body: string; crash?: Crash }> {
    const before = snapshot(world);
    const body = podReviewText(step, uid, object);
    const { status, text } = await target.post(podPath, body);
    const sent = (JSON.parse(body) as { request: { object: JsonObject | null } }).request.object;
    const answer = checkReview(step, uid, sent, status, text);
    answer.problems.push(...podProblems({ ...step, object }, uid, answer, before, snapshot(world)));
    const crash = target.takeCrash(uid);
    return { ...answer, body, ...(crash ? { crash } : {}) };
  }

  async function send(step: PodStep): Promise<StepOutcome> {
    serial += 1;
    const uid = `00000000-0000-4000-8000-${serial.toString(16).padStart(12, '0')}`;
    const first = await post(step, uid, step.object);
    const outcome: StepOutcome = { ...first, step, uid };
    if (step.reinvoke && first.result === 'patched' && first.patchedObject) {
      const before = snapshot(world);
      const again = await post(step, uid, first.patchedObject);
      const changed = differences(before, snapshot(world));
      if (again.result !== 'allowed') {
        const ops = (again.patch ?? []).map((p) => `${p.op} ${p.path}`).join(', ');
        again.problems.push({ property: 'reinvocation', detail: `the patched Pod was answered ${again.result} ${again.message ?? ops}` });
      }
      if (changed.length > 0) again.problems.push({ property: 'reinvocation', detail: `changed ${listed(changed)}` });
      outcome.reinvocation = again;
    }
    return outcome;
  }

  return {
    base: target.base,
    async run(sequence) {
      world = freshWorld(sequence.config);
      const steps: StepOutcome[] = [];
      for (const step of sequence.steps) steps.push(await send(step));
      return { sequence, steps };
    },
    close: () => target.close(),
  };
}

export type StepProblem = Problem & { crash?: Crash; step: number };

/** Every problem of a sequence, with the index of the step that broke it. */
export function sequenceProblems(outcome: SequenceOutcome): StepProblem[] {
  // The crash is the cause of the 500 only: what it left behind (a leaked reservation) is grouped on its own.
  const withCrash = (p: Problem, crash: Crash | undefined) => (crash && p.property.startsWith('internal error') ? { crash } : {});
  return outcome.steps.flatMap((s, step) => [
    ...s.problems.map((p) => ({ ...p, step, ...withCrash(p, s.crash) })),
    ...(s.reinvocation?.problems ?? []).map((p) => ({
      ...p,
      property: p.property === 'reinvocation' ? p.property : `${p.property} (on reinvocation)`,
      step,
      ...withCrash(p, s.reinvocation?.crash),
    })),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Known defects: what this fuzzer found in the handler and the core, left unfixed for their owners. The command still
// fails on them; the unit test expects each example to keep failing (so a fix shows up) and ignores them elsewhere.

const isStringMap = (v: unknown) => v === undefined || (isRecord(v) && Object.values(v).every((x) => typeof x === 'string'));
const isText = (v: unknown) => v === undefined || typeof v === 'string';

/**
 * Whether the fields admission reads have the JSON types an API server gives them: it decodes a Pod into typed structs
 * before calling webhooks, so a name is always a string and an owner reference always has its four strings.
 */
export function typedLikeAPIServer(object: JsonObject): boolean {
  const metadata = own(object, 'metadata') ?? {};
  const spec = own(object, 'spec') ?? {};
  if (!isRecord(metadata) || !isRecord(spec)) return false;
  const texts = ['name', 'generateName', 'namespace'].every((k) => isText(own(metadata, k)));
  const maps = ['labels', 'annotations'].every((k) => isStringMap(own(metadata, k)));
  const refs = own(metadata, 'ownerReferences');
  const owners =
    refs === undefined ||
    (Array.isArray(refs) &&
      refs.every(
        (r) =>
          isRecord(r) &&
          ['apiVersion', 'kind', 'name', 'uid'].every((k) => typeof own(r, k) === 'string') &&
          ['controller', 'blockOwnerDeletion'].every((k) => own(r, k) === undefined || typeof own(r, k) === 'boolean'),
      ));
  const affinity = own(spec, 'affinity');
  const nodeAffinity = own(affinity, 'nodeAffinity');
  const shapes = [affinity, nodeAffinity, own(nodeAffinity, 'requiredDuringSchedulingIgnoredDuringExecution')].every(
    (v) => v === undefined || isRecord(v),
  );
  const hostNetwork = own(spec, 'hostNetwork');
  return (
    texts &&
    maps &&
    owners &&
    shapes &&
    isText(own(spec, 'nodeName')) &&
    (hostNetwork === undefined || typeof hostNetwork === 'boolean') &&
    schedulableNodes(object) !== undefined
  );
}

export interface KnownDefect {
  id: string;
  summary: string;
  /** Where it is decided, file:line at the time it was found. */
  where: string;
  matches(problem: StepProblem, outcome: SequenceOutcome): boolean;
  /** The smallest sequence known to show it. */
  example: PodSequence;
}

function examplePod(annotations: Record<string, string>, extra: { metadata?: JsonObject; spec?: JsonObject } = {}): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-x0', namespace: 'default', annotations, ...extra.metadata },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...extra.spec },
  };
}

const exampleStep = (object: JsonObject, reinvoke = false): PodStep => ({
  operation: 'CREATE',
  namespace: 'default',
  object,
  dryRun: false,
  apiVersion: ADMISSION_V1,
  reinvoke,
});

let nested: JsonValue = [];
for (let i = 0; i < 3_000; i++) nested = [nested];

// Defects found and not fixed yet, with their minimal examples (the ones fixed so far are in fixedDefectExamples).
export const knownDefects: readonly KnownDefect[] = [];

/** The minimal examples of the defects found and fixed: kept as regressions that must break no property. */
export const fixedDefectExamples: ReadonlyArray<{ id: string; example: PodSequence }> = [
  {
    id: 'statefulset-two-interfaces-reinvocation',
    example: {
      config: 'annotated',
      steps: [
        exampleStep(
          examplePod(
            {
              'ipam.spidernet.io/ippool': '{"ipv6":["pool-v6-sts","pool-v6-a"]}',
              'k8s.v1.cni.cncf.io/networks': '[{"name":"spider-eth0"}]',
            },
            {
              metadata: {
                name: 'db-0',
                ownerReferences: [
                  { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'uid-sts', controller: true, blockOwnerDeletion: true },
                ],
              },
            },
          ),
          true,
        ),
      ],
    },
  },
  {
    id: 'one-address-two-interfaces',
    example: {
      config: 'annotated',
      steps: [
        exampleStep(
          examplePod({ 'ipam.spidernet.io/ippool': '{"ipv4":["pool-v4-b"]}', 'k8s.v1.cni.cncf.io/networks': 'macvlan-spider' }),
          true,
        ),
      ],
    },
  },
  {
    id: 'unschedulable-pool-mix',
    example: {
      config: 'annotated',
      steps: [exampleStep(examplePod({ 'ipam.spidernet.io/ippool': '{"ipv4":["pool-v4-zone-a"],"ipv6":["pool-v6-node2"]}' }), true)],
    },
  },
  {
    id: 'no-release-on-throw',
    example: {
      config: 'annotated',
      steps: [
        exampleStep(
          examplePod(
            { 'ipam.spidernet.io/ippool': '{"ipv4":["pool-v4-node1"]}' },
            {
              spec: {
                affinity: {
                  nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: {
                      nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'In', values: 5 }] }],
                    },
                  },
                },
              },
            },
          ),
        ),
      ],
    },
  },
  {
    id: 'deep-nesting-overflow',
    example: {
      config: 'annotated',
      steps: [exampleStep(examplePod({ 'ipam.spidernet.io/ippool': '{"ipv4":["pool-v4-b"]}' }, { spec: { 'x-future-field': nested } }))],
    },
  },
  {
    id: 'unchecked-pod-types',
    example: {
      config: 'annotated',
      steps: [exampleStep(examplePod({ 'ipam.spidernet.io/ippool': '{"ipv4":["pool-v4-b"]}' }, { metadata: { ownerReferences: [null] } }))],
    },
  },
  {
    id: 'denial-without-pod',
    example: {
      config: 'annotated',
      steps: [exampleStep(examplePod({ 'ipam.spidernet.io/ippool': '{"ipv4":["pool-v4-b"]}' }, { metadata: { labels: { app: 5 } } }))],
    },
  },
];

/** The known defect a problem is an instance of, if any. */
export function knownDefectOf(problem: StepProblem, outcome: SequenceOutcome): KnownDefect | undefined {
  return knownDefects.find((d) => d.matches(problem, outcome));
}

const printed = (value: unknown, max = 3_000): string => {
  const text = JSON.stringify(shorten(value)) ?? 'undefined';
  return text.length > max ? `${text.slice(0, max)}…` : text;
};

function answerLine(s: StepOutcome): string {
  const message = s.result === 'error' ? s.problems.find((p) => p.property === 'internal error')?.detail : s.message;
  const what = s.result === 'denied' || s.result === 'error' ? `${s.result} ${s.code}: ${message?.slice(0, 160)}` : s.result;
  return `${s.step.operation}${s.step.dryRun ? ' (dry run)' : ''} in ${s.step.namespace} -> ${what}`;
}

/** The failing step with the steps before it (their reservations are the state it met), objects shortened. */
export function describeSequenceFailure(outcome: SequenceOutcome): string {
  const problems = sequenceProblems(outcome);
  const failing = problems[0]?.step ?? outcome.steps.length - 1;
  const lines = [`config "${outcome.sequence.config}", ${outcome.steps.length} steps; step ${failing} broke:`];
  for (const p of problems.filter((q) => q.step === failing)) {
    lines.push(`  ${p.property}: ${p.detail.slice(0, 400)}`);
    if (p.crash) lines.push(`    at ${p.crash.frames.join('\n    at ') || '(no frame in this repository)'}`);
  }
  for (const [i, s] of outcome.steps.slice(0, failing + 1).entries()) {
    lines.push(`  step ${i}: ${answerLine(s)}${s.step.reinvoke ? ' (reinvoked)' : ''}`);
    lines.push(`    object: ${printed(s.step.object, i === failing ? 4_000 : 600)}`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The command

interface Failure {
  signature: string;
  count: number;
  round: number;
  /** The run of that round that saw it first: fast-check replays it directly (its `path`). */
  run: number;
  first: SequenceOutcome;
  defect?: KnownDefect;
}

const pad = (value: string | number, width: number) => String(value).padStart(width);
const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

/** A denial's reason without the Pod and the values, so that equal rules count together. */
const reasonOf = (message: string) =>
  message
    .replace(/^pod [^:]*: /, '')
    .replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, '…')
    .replace(/\d+/g, 'N')
    .slice(0, 110);

async function main(): Promise<void> {
  const options = parseFuzzOptions(process.argv.slice(2), 'bench/fuzz-pod-webhook.ts');
  const target = await startPodFuzzTarget();
  console.log(`fuzz-pod-webhook: ${options.count} Pod CREATE reviews, seed ${options.seed}, at ${target.base}${podPath}`);
  const outcomes = new Map<string, number>();
  const reasons = new Map<string, number>();
  const failures = new Map<string, Failure>();
  let creates = 0;
  let requests = 0;
  let sequences = 0;
  let failedBodies = 0;
  let typed = 0;
  const roundRuns: number[] = [];

  const started = performance.now();
  for (let round = 0; creates < options.count; round++) {
    // About five steps per sequence; later rounds top up what is still missing.
    const numRuns = Math.max(1, Math.ceil((options.count - creates) / 5));
    roundRuns.push(numRuns);
    let run = -1;
    await fc.check(
      fc.asyncProperty(podSequence, async (sequence) => {
        run += 1;
        if (creates >= options.count) return true;
        const outcome = await target.run(sequence);
        sequences += 1;
        for (const s of outcome.steps) {
          requests += s.reinvocation ? 2 : 1;
          if (s.step.operation === 'CREATE') creates += 1;
          else bump(outcomes, `${s.step.operation} (not a create)`);
          if (s.step.operation === 'CREATE' && typedLikeAPIServer(s.step.object)) typed += 1;
          if (s.reinvocation) bump(outcomes, `reinvocation: ${s.reinvocation.result}`);
          if (s.step.operation !== 'CREATE') continue;
          const label =
            s.result === 'patched'
              ? 'allowed with patch'
              : s.result === 'allowed'
                ? 'allowed without patch'
                : s.result === 'denied'
                  ? `denied ${s.code} ${s.reason ?? ''}`
                  : s.result === 'error'
                    ? 'internal error (500)'
                    : s.result;
          bump(outcomes, `${label}${s.step.dryRun ? ', dry run' : ''}`);
          if (s.result === 'denied' && s.message) bump(reasons, `${s.code} ${reasonOf(s.message)}`);
          if (s.problems.length > 0 || (s.reinvocation?.problems.length ?? 0) > 0) failedBodies += 1;
        }
        for (const problem of sequenceProblems(outcome)) {
          const signature = signatureOf(problem);
          const defect = knownDefectOf(problem, outcome);
          const failure = failures.get(signature) ?? { signature, count: 0, round, run, first: outcome, ...(defect ? { defect } : {}) };
          failures.set(signature, failure);
          failure.count += 1;
        }
        return true;
      }),
      { seed: options.seed + round, numRuns },
    );
  }
  const seconds = (performance.now() - started) / 1000;

  console.log(`\n${sequences} sequences (fresh pools each), ${creates} CREATE reviews; outcomes of the CREATEs and the rest:`);
  console.log(`  (${typed} of the CREATE bodies have the JSON types an API server sends in the fields admission reads)`);
  for (const [label, n] of [...outcomes].sort((a, b) => b[1] - a[1])) console.log(`  ${label.padEnd(44)} ${pad(n, 6)}`);
  const exhausted = [...reasons].filter(([r]) => r.includes(usedOutSubstring)).reduce((sum, [, n]) => sum + n, 0);
  console.log(`\ndenial reasons (top 15 of ${reasons.size}; ${exhausted} denials were exhaustion, "${usedOutSubstring}"):`);
  for (const [label, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pad(n, 5)}  ${label}`);
  const known = new Set([...failures.values()].flatMap((f) => (f.defect ? [f.defect.id] : [])));
  const unknown = [...failures.values()].filter((f) => !f.defect).length;
  console.log(
    `\nproperty failures: ${failedBodies} bodies, ${failures.size} distinct causes: ${unknown} not known, the others instances of ${known.size} known defects${known.size > 0 ? ` (${[...known].join(', ')})` : ''}`,
  );
  console.log(
    `${requests} HTTP requests (${creates} creates, the rest other operations and reinvocations) in ${seconds.toFixed(1)} s: ${(requests / seconds).toFixed(0)} requests/s, one in flight, generation and checks included`,
  );

  if (failures.size === 0) {
    console.log('\nall properties held for every request');
    await target.close();
    return;
  }

  console.log('\nPROPERTY FAILURES. Shrinking each cause…');
  const outDir = join(tmpdir(), 'fuzz-pod-webhook');
  mkdirSync(outDir, { recursive: true });
  let n = 0;
  for (const failure of [...failures.values()].sort((a, b) => b.count - a.count)) {
    n += 1;
    const shrinkStarted = performance.now();
    let minimal: SequenceOutcome | undefined;
    const details = await fc.check(
      fc.asyncProperty(podSequence, async (sequence) => {
        const outcome = await target.run(sequence);
        const hit = sequenceProblems(outcome).find((p) => signatureOf(p) === failure.signature);
        if (!hit) return true;
        // Only the steps up to the failing one matter.
        minimal = { ...outcome, steps: outcome.steps.slice(0, hit.step + 1) };
        return false;
      }),
      {
        seed: options.seed + failure.round,
        numRuns: roundRuns[failure.round] ?? 1,
        path: String(failure.run),
        plugins: [fc.interruptAfterTimeLimit(options.shrinkSeconds * 1000)],
      },
    );
    const shown = details.failed && minimal ? minimal : failure.first;
    const file = join(outDir, `failure-${n}.json`);
    writeFileSync(file, `[${shown.steps.map((s) => s.body).join(',\n')}]\n`);
    const took = ((performance.now() - shrinkStarted) / 1000).toFixed(1);
    console.log(`\n[${n}] ${failure.signature}`);
    console.log(
      `    seen ${failure.count} times; ${failure.defect ? `known defect "${failure.defect.id}" (${failure.defect.where})` : 'NOT a known defect'}`,
    );
    console.log(
      details.failed && minimal
        ? `    minimal case after ${details.numShrinks} shrinks in ${took} s${details.interrupted ? ' (time limit reached)' : ''}:`
        : '    not reproduced by the shrinking run; the first case seen:',
    );
    console.log(describeSequenceFailure(shown).replace(/^/gm, '    '));
    console.log(`    the AdmissionReview bodies, in order: ${file}`);
  }
  if (known.size > 0) {
    console.log('\nknown defects seen:');
    for (const defect of knownDefects.filter((d) => known.has(d.id)))
      console.log(`  ${defect.id}: ${defect.summary}\n    at ${defect.where}`);
  }
  await target.close();
  process.exitCode = 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
