// What happens to one record of SpiderIPPool.status.allocatedIPs (behaviour preface (a), §5, §7.2 adapted to
// reservations made at admission): keep it, bind a pending reservation to its Pod, or release the address, and why.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StatefulSetFacts } from '../../../../ipam/allocate/index.js';
import { assignedAnnotationKey, formatAssignedResult, type PoolRecord } from '../../../../ipam/model/index.js';
import {
  decideRecord,
  type PodObject,
  type PodView,
  podView,
  type RecordDecision,
  type ReleaseFacts,
} from '../../../../ipam/release/index.js';

const now = 1767225600;
const ttl = 60;
const pool = 'pool-a';
const ip = '10.6.0.10';

interface ClaimSpec {
  pool?: string;
  ip?: string;
  token?: string;
}

interface PodSpec {
  name: string;
  namespace?: string;
  /** '' for a Pod the cache shows before the API server gave it a UID. */
  uid?: string;
  phase?: string;
  node?: string;
  /** Name of the controlling StatefulSet. */
  sts?: string;
  /** Epoch seconds of metadata.deletionTimestamp. */
  deleting?: number;
  /** One result annotation per claim (eth0, net1, …); none = a Pod this IPAM did not admit. */
  claims?: ClaimSpec[];
  /** Raw annotations added as they are. */
  annotations?: Record<string, string>;
}

function podObject(spec: PodSpec): PodObject {
  const annotations: Record<string, string> = { ...spec.annotations };
  (spec.claims ?? []).forEach((c, i) => {
    const iface = i === 0 ? 'eth0' : `net${i}`;
    annotations[assignedAnnotationKey(iface)] = formatAssignedResult({
      interface: iface,
      ipv4: `${c.ip ?? ip}/24`,
      ipv6: '',
      ipv4pool: c.pool ?? pool,
      ipv6pool: '',
      vlan: 0,
      ipv4gateway: '',
      ipv6gateway: '',
      cleangateway: false,
      routes: [],
      token: c.token ?? '',
    });
  });
  return {
    metadata: {
      name: spec.name,
      namespace: spec.namespace ?? 'default',
      uid: spec.uid ?? 'uid-1',
      ...(spec.deleting !== undefined ? { deletionTimestamp: new Date(spec.deleting * 1000).toISOString() } : {}),
      annotations,
      ...(spec.sts !== undefined
        ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: spec.sts, uid: 'sts-uid', controller: true }] }
        : {}),
    },
    spec: { nodeName: spec.node ?? 'node-1' },
    status: { phase: spec.phase ?? 'Running' },
  };
}

const pod = (spec: PodSpec): PodView => podView(podObject(spec));

interface World {
  pods?: PodView[];
  deletedTokens?: string[];
  /** "<namespace>/<name>" → StatefulSet. */
  statefulSets?: Record<string, StatefulSetFacts>;
  notReady?: string[];
  now?: number;
}

/** The facts as the release controller builds them from its caches: Pods by name and by the tokens they carry. */
function facts(world: World): ReleaseFacts {
  const pods = world.pods ?? [];
  return {
    now: world.now ?? now,
    pendingTTLSeconds: ttl,
    podByKey: (key) => pods.find((p) => p.key === key),
    podByToken: (token) => {
      const holders = pods.filter((p) => p.claims.some((c) => c.token === token));
      return holders.length > 1 ? 'ambiguous' : holders[0];
    },
    tokenDeleted: (token) => (world.deletedTokens ?? []).includes(token),
    statefulSet: (namespace, name) => world.statefulSets?.[`${namespace}/${name}`],
    nodeReady: (name) => !(world.notReady ?? []).includes(name),
  };
}

const sts = (name: string, replicas: number, start?: number): StatefulSetFacts => ({
  metadata: { name },
  spec: { replicas, ...(start === undefined ? {} : { ordinals: { start } }) },
});

interface Case {
  rule: string;
  record: PoolRecord;
  world: World;
  expected: RecordDecision;
}

const decide = (c: Case) => decideRecord(pool, ip, c.record, facts(c.world));

const release = (reason: string) => ({ action: 'release', reason }) as RecordDecision;
const keep: RecordDecision = { action: 'keep' };

describe('a reservation pending by token (a generateName Pod admitted before it had a name or UID)', () => {
  const record: PoolRecord = { pod: 'default/', podUid: '', token: 'tok-1', at: now - 10 };
  const mine = { pool, ip, token: 'tok-1' };
  const podName = 'web-7c9f8d6b5-x2x4q';
  const cases: Case[] = [
    {
      rule: 'is bound to the Pod that appears carrying its token and claiming its address',
      record,
      world: { pods: [pod({ name: podName, claims: [mine] })] },
      expected: { action: 'bind', pod: `default/${podName}`, uid: 'uid-1' },
    },
    {
      rule: 'is neither bound nor released while two Pods carry its token (one copied the annotation)',
      record: { ...record, at: now - 1000 },
      world: { pods: [pod({ name: podName, claims: [mine] }), pod({ name: 'copycat', uid: 'uid-2', claims: [mine] })] },
      expected: keep,
    },
    {
      rule: 'is bound to a Pod still Pending (not yet scheduled)',
      record,
      world: { pods: [pod({ name: podName, phase: 'Pending', node: '', claims: [mine] })] },
      expected: { action: 'bind', pod: `default/${podName}`, uid: 'uid-1' },
    },
    {
      rule: 'is bound to a Pod being deleted whose deadline has not passed',
      record,
      world: { pods: [pod({ name: podName, deleting: now + 30, claims: [mine] })] },
      expected: { action: 'bind', pod: `default/${podName}`, uid: 'uid-1' },
    },
    {
      rule: 'is bound to a Pod past its deletion deadline on a Ready node',
      record,
      world: { pods: [pod({ name: podName, deleting: now - 1, claims: [mine] })] },
      expected: { action: 'bind', pod: `default/${podName}`, uid: 'uid-1' },
    },
    {
      rule: 'is released (not-claimed) when the Pod carries the token but names another address (rolled back on its side)',
      record,
      world: { pods: [pod({ name: podName, claims: [{ ...mine, ip: '10.6.0.11' }] })] },
      expected: release('not-claimed'),
    },
    {
      rule: 'is released (not-claimed) when the Pod names this address in another pool',
      record,
      world: { pods: [pod({ name: podName, claims: [{ ...mine, pool: 'pool-b' }] })] },
      expected: release('not-claimed'),
    },
    {
      rule: 'is released (pod-finished) when its Pod has already Succeeded',
      record,
      world: { pods: [pod({ name: podName, phase: 'Succeeded', claims: [mine] })] },
      expected: release('pod-finished'),
    },
    {
      rule: 'is released (pod-finished) when its Pod has already Failed',
      record,
      world: { pods: [pod({ name: podName, phase: 'Failed', claims: [mine] })] },
      expected: release('pod-finished'),
    },
    {
      rule: 'is released (lost-node) when its Pod is past its deletion deadline on a node that is not Ready',
      record,
      world: { pods: [pod({ name: podName, deleting: now - 1, claims: [mine] })], notReady: ['node-1'] },
      expected: release('lost-node'),
    },
    {
      rule: 'is not bound to a Pod of another namespace carrying the same token: it waits for its TTL',
      record,
      world: { pods: [pod({ name: podName, namespace: 'other', claims: [mine] })] },
      expected: { action: 'keep', recheckAt: now + 50 },
    },
    {
      rule: 'is not bound to a Pod the cache shows without a UID: it waits for its TTL',
      record,
      world: { pods: [pod({ name: podName, uid: '', claims: [mine] })] },
      expected: { action: 'keep', recheckAt: now + 50 },
    },
    {
      rule: 'is released (pod-gone) at once when the Pod carrying the token was seen deleted',
      record,
      world: { deletedTokens: ['tok-1'] },
      expected: release('pod-gone'),
    },
    {
      rule: 'is kept until its TTL while no Pod carries the token, with recheckAt = at + TTL',
      record,
      world: { deletedTokens: ['tok-2'] },
      expected: { action: 'keep', recheckAt: now + 50 },
    },
    {
      rule: 'is kept one second before its TTL',
      record,
      world: { now: now + 49 },
      expected: { action: 'keep', recheckAt: now + 50 },
    },
    {
      rule: 'is released (expired) at its TTL',
      record,
      world: { now: now + 50 },
      expected: release('expired'),
    },
    {
      rule: 'is released (expired) after its TTL',
      record,
      world: { now: now + 3600 },
      expected: release('expired'),
    },
    {
      rule: 'is released (expired) when it has no time (it cannot be dated, something else wrote it)',
      record: { pod: 'default/', podUid: '', token: 'tok-1' },
      world: {},
      expected: release('expired'),
    },
    {
      rule: 'is not released by a Pod of another token claiming the same address',
      record,
      world: { pods: [pod({ name: podName, claims: [{ ...mine, token: 'tok-2' }] })] },
      expected: { action: 'keep', recheckAt: now + 50 },
    },
  ];
  it.each(cases)('$rule', (c) => {
    expect(decide(c)).toEqual(c.expected);
  });
});

describe('a bound record (Spiderpool shape {pod, podUid})', () => {
  const record: PoolRecord = { pod: 'default/web-abc', podUid: 'uid-1' };
  const claiming = { name: 'web-abc', claims: [{ pool, ip, token: 'tok-1' }] };
  const cases: Case[] = [
    {
      rule: 'is kept while its Pod runs and claims the address',
      record,
      world: { pods: [pod(claiming)] },
      expected: keep,
    },
    {
      rule: 'is kept while its Pod is Pending',
      record,
      world: { pods: [pod({ ...claiming, phase: 'Pending' })] },
      expected: keep,
    },
    {
      rule: 'is kept when the Pod claims it on a second interface',
      record,
      world: {
        pods: [
          pod({
            name: 'web-abc',
            claims: [
              { pool: 'pool-b', ip: '10.7.0.1' },
              { pool, ip },
            ],
          }),
        ],
      },
      expected: keep,
    },
    {
      rule: 'is released (not-claimed) when the Pod this IPAM admitted does not name the address',
      record,
      world: { pods: [pod({ name: 'web-abc', claims: [{ pool, ip: '10.6.0.11' }] })] },
      expected: release('not-claimed'),
    },
    {
      rule: 'is released (pod-finished) when a Pod that is not a StatefulSet Pod Succeeded',
      record,
      world: { pods: [pod({ ...claiming, phase: 'Succeeded' })] },
      expected: release('pod-finished'),
    },
    {
      rule: 'is released (pod-finished) when a Pod that is not a StatefulSet Pod Failed',
      record,
      world: { pods: [pod({ ...claiming, phase: 'Failed' })] },
      expected: release('pod-finished'),
    },
    {
      rule: 'is kept, with recheckAt = the deadline, while its Pod is being deleted and the deadline has not passed',
      record,
      world: { pods: [pod({ ...claiming, deleting: now + 30 })], notReady: ['node-1'] },
      expected: { action: 'keep', recheckAt: now + 30 },
    },
    {
      rule: 'is kept past the deletion deadline on a Ready node (the kubelet will report the Pod gone)',
      record,
      world: { pods: [pod({ ...claiming, deleting: now - 1 })] },
      expected: keep,
    },
    {
      rule: 'is kept at the deletion deadline itself on a Ready node',
      record,
      world: { pods: [pod({ ...claiming, deleting: now })] },
      expected: keep,
    },
    {
      rule: 'is released (lost-node) past the deletion deadline on a node that is not Ready',
      record,
      world: { pods: [pod({ ...claiming, deleting: now })], notReady: ['node-1'] },
      expected: release('lost-node'),
    },
    {
      rule: 'is kept past the deletion deadline of a Pod never scheduled to a node',
      record,
      world: { pods: [pod({ ...claiming, node: '', deleting: now - 100 })], notReady: [''] },
      expected: keep,
    },
    {
      rule: 'is released (uid-mismatch) when the Pod of that name is another incarnation, even one claiming the address',
      record,
      world: { pods: [pod({ ...claiming, uid: 'uid-2' })] },
      expected: release('uid-mismatch'),
    },
    {
      rule: 'is released (uid-mismatch) when the Pod of that name is another incarnation not claiming the address',
      record,
      world: { pods: [pod({ name: 'web-abc', uid: 'uid-2', claims: [{ pool, ip: '10.6.0.11' }] })] },
      expected: release('uid-mismatch'),
    },
    {
      rule: 'is kept while its Pod, which this IPAM did not admit (no result annotation), runs (written by another IPAM)',
      record,
      world: { pods: [pod({ name: 'web-abc' })] },
      expected: keep,
    },
    {
      rule: 'is released (uid-mismatch) when another incarnation of a Pod this IPAM did not admit holds the name',
      record,
      world: { pods: [pod({ name: 'web-abc', uid: 'uid-2' })] },
      expected: release('uid-mismatch'),
    },
    {
      rule: 'is released (pod-gone) when no Pod of that name exists',
      record,
      world: {},
      expected: release('pod-gone'),
    },
    {
      rule: 'is released (pod-gone) when the Pod is only found under its token, not its name',
      record,
      world: { pods: [pod({ name: 'web-xyz', claims: [{ pool, ip, token: 'tok-1' }] })] },
      expected: release('pod-gone'),
    },
    {
      rule: 'is released (pod-gone) when the cache shows the Pod without a UID',
      record,
      world: { pods: [pod({ ...claiming, uid: '' })] },
      expected: release('pod-gone'),
    },
    {
      rule: 'keeps a bound record that still has its token like any bound record',
      record: { pod: 'default/web-abc', podUid: 'uid-1', token: 'tok-1', at: 1 },
      world: { pods: [pod(claiming)] },
      expected: keep,
    },
  ];
  it.each(cases)('$rule', (c) => {
    expect(decide(c)).toEqual(c.expected);
  });
});

describe('StatefulSet records (behaviour §5: keyed by "<ns>/<sts>-<ordinal>", sticky while the ordinal is wanted)', () => {
  const bound: PoolRecord = { pod: 'default/web-1', podUid: 'uid-1' };
  const pending: PoolRecord = { pod: 'default/web-1', podUid: '', at: now - 10 };
  const stsPod = (more: Partial<PodSpec> = {}) => pod({ name: 'web-1', sts: 'web', claims: [{ pool, ip, token: 'tok-9' }], ...more });
  const cases: Case[] = [
    {
      rule: 'a StatefulSet Pod that Failed keeps its address',
      record: bound,
      world: { pods: [stsPod({ phase: 'Failed' })] },
      expected: keep,
    },
    {
      rule: 'a StatefulSet Pod that Succeeded keeps its address',
      record: bound,
      world: { pods: [stsPod({ phase: 'Succeeded' })] },
      expected: keep,
    },
    {
      rule: 'a StatefulSet Pod past its deletion deadline on a node that is not Ready keeps its address',
      record: bound,
      world: { pods: [stsPod({ deleting: now - 100 })], notReady: ['node-1'] },
      expected: keep,
    },
    {
      rule: 'a StatefulSet Pod re-created (another UID) that claims the address gets the record bound to its UID',
      record: bound,
      world: { pods: [stsPod({ uid: 'uid-2' })] },
      expected: { action: 'bind', pod: 'default/web-1', uid: 'uid-2' },
    },
    {
      rule: 'a re-created StatefulSet Pod that Failed still gets the record (sticky)',
      record: bound,
      world: { pods: [stsPod({ uid: 'uid-2', phase: 'Failed' })] },
      expected: { action: 'bind', pod: 'default/web-1', uid: 'uid-2' },
    },
    {
      rule: 'a re-created StatefulSet Pod that does not claim the address releases it (uid-mismatch)',
      record: bound,
      world: { pods: [stsPod({ uid: 'uid-2', claims: [{ pool: 'pool-b', ip }] })] },
      expected: release('uid-mismatch'),
    },
    {
      rule: 'a re-created StatefulSet Pod this IPAM did not admit leaves the bound record alone',
      record: bound,
      world: { pods: [stsPod({ uid: 'uid-2', claims: [] })] },
      expected: keep,
    },
    {
      rule: 'a pending StatefulSet reservation is bound when its Pod appears and claims it',
      record: pending,
      world: { pods: [stsPod()] },
      expected: { action: 'bind', pod: 'default/web-1', uid: 'uid-1' },
    },
    {
      rule: 'a pending StatefulSet reservation whose seen Pod names another address waits (it may be the previous incarnation)',
      record: pending,
      world: { pods: [stsPod({ claims: [{ pool, ip: '10.6.0.11' }] })] },
      expected: { action: 'keep', recheckAt: (pending.at ?? 0) + ttl },
    },
    {
      rule: 'a pending StatefulSet reservation whose seen Pod is an incarnation this IPAM did not admit waits out its grace period',
      record: pending,
      world: { pods: [stsPod({ uid: 'old-uid', claims: [] })] },
      expected: { action: 'keep', recheckAt: (pending.at ?? 0) + ttl },
    },
    {
      rule: 'a bound record is kept while its Running Pod has a result annotation that cannot be read',
      record: { pod: 'default/web-abc', podUid: 'uid-1' },
      world: {
        pods: [
          pod({
            name: 'web-abc',
            annotations: { [assignedAnnotationKey('eth0')]: '{"interface":"net1","ipv4":"10.6.0.10/24","ipv4pool":"pool-a"}' },
          }),
        ],
      },
      expected: { action: 'keep' },
    },
    {
      rule: 'a pending reservation by name is bound to a Pod that is not a StatefulSet Pod when it claims it',
      record: { pod: 'default/web-abc', podUid: '', at: now - 10 },
      world: { pods: [pod({ name: 'web-abc', claims: [{ pool, ip }] })] },
      expected: { action: 'bind', pod: 'default/web-abc', uid: 'uid-1' },
    },
    {
      rule: 'a pending reservation by name is released (pod-finished) when its Pod, not a StatefulSet Pod, Failed',
      record: { pod: 'default/web-abc', podUid: '', at: now - 10 },
      world: { pods: [pod({ name: 'web-abc', phase: 'Failed', claims: [{ pool, ip }] })] },
      expected: release('pod-finished'),
    },
    {
      rule: 'Pod gone, StatefulSet wants the ordinal (replicas 3, 0..2): kept',
      record: bound,
      world: { statefulSets: { 'default/web': sts('web', 3) } },
      expected: keep,
    },
    {
      rule: 'Pod gone, scaled down to 1 (ordinal 1 no longer wanted): released (statefulset-released)',
      record: bound,
      world: { statefulSets: { 'default/web': sts('web', 1) } },
      expected: release('statefulset-released'),
    },
    {
      rule: 'Pod gone, scaled to 0: released (statefulset-released)',
      record: bound,
      world: { statefulSets: { 'default/web': sts('web', 0) } },
      expected: release('statefulset-released'),
    },
    {
      rule: 'Pod gone, StatefulSet deleted: released (pod-gone)',
      record: bound,
      world: {},
      expected: release('pod-gone'),
    },
    {
      rule: 'Pod gone, a StatefulSet of that name in another namespace does not keep it (pod-gone)',
      record: bound,
      world: { statefulSets: { 'other/web': sts('web', 3) } },
      expected: release('pod-gone'),
    },
    {
      rule: 'Pod gone, ordinals.start 5 and replicas 3 (5..7): ordinal 1 released (statefulset-released)',
      record: bound,
      world: { statefulSets: { 'default/web': sts('web', 3, 5) } },
      expected: release('statefulset-released'),
    },
    {
      rule: 'Pod gone, ordinals.start 5 and replicas 3: ordinal 5 kept',
      record: { pod: 'default/web-5', podUid: 'uid-5' },
      world: { statefulSets: { 'default/web': sts('web', 3, 5) } },
      expected: keep,
    },
    {
      rule: 'Pod gone, ordinals.start 5 and replicas 3: ordinal 7 kept',
      record: { pod: 'default/web-7', podUid: 'uid-7' },
      world: { statefulSets: { 'default/web': sts('web', 3, 5) } },
      expected: keep,
    },
    {
      rule: 'Pod gone, ordinals.start 5 and replicas 3: ordinal 8 released (statefulset-released)',
      record: { pod: 'default/web-8', podUid: 'uid-8' },
      world: { statefulSets: { 'default/web': sts('web', 3, 5) } },
      expected: release('statefulset-released'),
    },
    {
      rule: 'Pod gone, the StatefulSet name has dashes ("my-db-2" of "my-db"): kept while wanted',
      record: { pod: 'default/my-db-2', podUid: 'u' },
      world: { statefulSets: { 'default/my-db': sts('my-db', 3) } },
      expected: keep,
    },
    {
      rule: 'pending StatefulSet reservation, Pod not seen yet, ordinal wanted: kept (no expiry)',
      record: pending,
      world: { statefulSets: { 'default/web': sts('web', 3) }, now: now + 3600 },
      expected: keep,
    },
    {
      rule: 'pending StatefulSet reservation, Pod and StatefulSet not seen yet: kept until the TTL',
      record: pending,
      world: {},
      expected: { action: 'keep', recheckAt: now + 50 },
    },
    {
      rule: 'pending StatefulSet reservation, Pod and StatefulSet not seen, TTL passed: released (expired)',
      record: pending,
      world: { now: now + 50 },
      expected: release('expired'),
    },
    {
      rule: 'pending StatefulSet reservation whose ordinal is not wanted: kept until the TTL, then expired',
      record: pending,
      world: { statefulSets: { 'default/web': sts('web', 1) } },
      expected: { action: 'keep', recheckAt: now + 50 },
    },
    {
      rule: 'pending record by name without a time: released (expired)',
      record: { pod: 'default/web-1', podUid: '' },
      world: {},
      expected: release('expired'),
    },
    {
      rule: 'pending record "<ns>/" without a token (not ours): kept until the TTL',
      record: { pod: 'default/', podUid: '', at: now - 10 },
      world: {},
      expected: { action: 'keep', recheckAt: now + 50 },
    },
  ];
  it.each(cases)('$rule', (c) => {
    expect(decide(c)).toEqual(c.expected);
  });
});

describe('property: a live Pod never loses the address it holds', () => {
  const otherPools = ['pool-a', 'pool-b'];
  const otherIPs = ['10.6.0.10', '10.6.0.11', '10.6.0.12'];
  const arbClaim = fc.record({
    pool: fc.constantFrom(...otherPools),
    ip: fc.constantFrom(...otherIPs),
    token: fc.constantFrom('', 'tok-1', 'tok-2'),
  });
  const arbOptional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const arbSts = arbOptional(
    fc.record({
      replicas: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
      start: arbOptional(fc.integer({ min: 0, max: 5 })),
    }),
  );
  const arbWorld = fc.record({
    now: fc.integer({ min: now - 1000, max: now + 100_000 }),
    ttl: fc.integer({ min: 1, max: 1000 }),
    tokenDeleted: fc.boolean(),
    nodeReady: fc.boolean(),
    stsFacts: arbSts,
    otherPod: arbOptional(fc.record({ uid: fc.constantFrom('', 'uid-x'), phase: fc.constantFrom('Running', 'Failed', 'Succeeded') })),
  });
  const arbCase = fc.record({
    name: fc.constantFrom('web-0', 'web-3', 'web-abc', 'web-7c9f8d6b5-x2x4q'),
    uid: fc.constantFrom('uid-1', 'uid-2'),
    sts: fc.boolean(),
    node: fc.constantFrom('', 'node-1'),
    /** A Pod being deleted whose deadline is still ahead: it still uses the address. */
    deletingIn: arbOptional(fc.integer({ min: 1, max: 1000 })),
    extraClaims: fc.array(arbClaim, { maxLength: 3 }),
    ownClaimFirst: fc.boolean(),
    ownToken: fc.constantFrom('', 'tok-1', 'tok-3'),
    recordToken: arbOptional(fc.constantFrom('tok-1', 'tok-3')),
    recordAt: arbOptional(fc.integer({ min: 0, max: now })),
    world: arbWorld,
  });

  it('a bound record whose Pod exists with its UID, claims the address and is Running is never released', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const own = { pool, ip, token: c.ownToken };
        const claims = c.ownClaimFirst ? [own, ...c.extraClaims] : [...c.extraClaims, own];
        const holder = pod({
          name: c.name,
          uid: c.uid,
          phase: 'Running',
          node: c.node,
          ...(c.sts ? { sts: 'web' } : {}),
          ...(c.deletingIn !== undefined ? { deleting: c.world.now + c.deletingIn } : {}),
          claims,
        });
        const record: PoolRecord = {
          pod: holder.key,
          podUid: c.uid,
          ...(c.recordToken !== undefined ? { token: c.recordToken } : {}),
          ...(c.recordAt !== undefined ? { at: c.recordAt } : {}),
        };
        const other =
          c.world.otherPod &&
          pod({ name: 'other', uid: c.world.otherPod.uid, phase: c.world.otherPod.phase, claims: [{ pool, ip, token: 'tok-1' }] });
        const stsFacts = c.world.stsFacts;
        const decision = decideRecord(pool, ip, record, {
          now: c.world.now,
          pendingTTLSeconds: c.world.ttl,
          podByKey: (key) => (key === holder.key ? holder : key === other?.key ? other : undefined),
          podByToken: (token) => (other?.claims.some((x) => x.token === token) ? other : undefined),
          tokenDeleted: () => c.world.tokenDeleted,
          statefulSet: (_, name) =>
            stsFacts === undefined
              ? undefined
              : { metadata: { name }, spec: { replicas: stsFacts.replicas, ordinals: { start: stsFacts.start ?? null } } },
          nodeReady: () => c.world.nodeReady,
        });
        expect(decision.action).not.toBe('release');
      }),
      { numRuns: 500 },
    );
  });

  it('a reservation pending by token whose Pod appeared carrying the token and claiming it, Running, is bound, never released', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const token = 'tok-p';
        const holder = pod({
          name: c.name,
          uid: c.uid,
          node: c.node,
          ...(c.sts ? { sts: 'web' } : {}),
          ...(c.deletingIn !== undefined ? { deleting: c.world.now + c.deletingIn } : {}),
          claims: c.ownClaimFirst ? [{ pool, ip, token }, ...c.extraClaims] : [...c.extraClaims, { pool, ip, token }],
        });
        const record: PoolRecord = { pod: 'default/', podUid: '', token, ...(c.recordAt !== undefined ? { at: c.recordAt } : {}) };
        const decision = decideRecord(pool, ip, record, {
          now: c.world.now,
          pendingTTLSeconds: c.world.ttl,
          podByKey: (key) => (key === holder.key ? holder : undefined),
          podByToken: (t) => (t === token ? holder : undefined),
          tokenDeleted: () => c.world.tokenDeleted,
          statefulSet: () => undefined,
          nodeReady: () => c.world.nodeReady,
        });
        expect(decision).toEqual({ action: 'bind', pod: holder.key, uid: c.uid });
      }),
      { numRuns: 300 },
    );
  });
});

describe('decisions depend on the record, not on the object passed', () => {
  it('does not modify the record or the Pod view', () => {
    const record: PoolRecord = { pod: 'default/', podUid: '', token: 'tok-1', at: now - 10 };
    const holder = pod({ name: 'web-abc', claims: [{ pool, ip, token: 'tok-1' }] });
    const before = structuredClone({ record, holder });
    decideRecord(pool, ip, record, facts({ pods: [holder] }));
    expect({ record, holder }).toEqual(before);
  });

  it('reads the pool and address it is given: the same Pod claims 10.6.0.10 of pool-a, not of pool-b', () => {
    const record: PoolRecord = { pod: 'default/web-abc', podUid: 'uid-1' };
    const world = facts({ pods: [pod({ name: 'web-abc', claims: [{ pool, ip }] })] });
    expect(decideRecord('pool-a', ip, record, world)).toEqual(keep);
    expect(decideRecord('pool-b', ip, record, world)).toEqual(release('not-claimed'));
    expect(decideRecord('pool-a', '10.6.0.11', record, world)).toEqual(release('not-claimed'));
  });
});
