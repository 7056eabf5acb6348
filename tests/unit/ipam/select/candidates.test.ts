// candidatePools end to end: wildcards, pre-check, the filter vectors of validation-and-allocation-cases.md §3.2,
// Spiderpool-shaped errors, ordering, and the node requirement carried while the Pod is unscheduled.
import { describe, expect, it } from 'vitest';
import type { IPPoolSpec, ObjectMeta, PodFacts, SpiderIPPool } from '../../../../ipam/model/index.js';
import { type CandidateRequest, candidatePools } from '../../../../ipam/select/candidates.js';

const pool = (name: string, spec: Partial<IPPoolSpec> = {}, meta: Partial<ObjectMeta> = {}): SpiderIPPool => ({
  metadata: { name, ...meta },
  spec: { ipVersion: 4, subnet: '10.0.0.0/24', ...spec },
});
const ipam = { defaultIPv4Pools: [], defaultIPv6Pools: [], cleanGateway: false };
const facts = (over: Partial<PodFacts> = {}): PodFacts => ({
  namespace: 'default',
  name: '',
  labels: { app: 'web' },
  annotations: {},
  namespaceLabels: {},
  namespaceAnnotations: {},
  topController: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'default', name: 'web' },
  interfaces: [
    { name: 'eth0', index: 0, ipam },
    { name: 'net1', index: 1, network: 'kube-system/macvlan', ipam },
  ],
  ...over,
});
const nodes = [
  { name: 'master', labels: { zone: 'a' } },
  { name: 'worker1', labels: { zone: 'b' } },
];
const options = { installNamespace: 'kube-system' };
const req = (names: string[], over: Partial<CandidateRequest> = {}): CandidateRequest => ({ interface: 'eth0', family: 4, names, ...over });
const names = (r: ReturnType<typeof candidatePools>) => (r.ok ? r.pools.map((c) => c.pool.metadata.name) : r.reason);

describe('cases §3.2: each rule drops the pool, and an emptied list is an error naming the pools and reasons', () => {
  it.each<[string, SpiderIPPool, Partial<PodFacts>, string]>([
    ['1 terminating', pool('p', {}, { deletionTimestamp: '2026-07-01T00:00:00Z' }), {}, 'p: terminating IPPool'],
    ['2 spec.disable', pool('p', { disable: true }), {}, 'p: disabled IPPool'],
    ['3 wrong ipVersion', pool('p', { ipVersion: 6, subnet: 'fd00::/120' }), {}, 'p: expect an IPv4 IPPool'],
    ['4 nodeName without the Pod node', pool('p', { nodeName: ['master'] }), { nodeName: 'worker1' }, 'p: unmatched Node name'],
    [
      '4 otherwise nodeAffinity mismatch',
      pool('p', { nodeAffinity: { matchLabels: { zone: 'a' } } }),
      { nodeName: 'worker1' },
      'p: unmatched Node affinity',
    ],
    ['5 namespaceName without the namespace', pool('p', { namespaceName: ['kube-system'] }), {}, 'p: unmatched Namespace name'],
    [
      '5 otherwise namespaceAffinity mismatch',
      pool('p', { namespaceAffinity: { matchLabels: { team: 'x' } } }),
      {},
      'p: unmatched Namespace affinity',
    ],
    ['6 podAffinity mismatch', pool('p', { podAffinity: { matchLabels: { app: 'db' } } }), {}, 'p: unmatched Pod affinity'],
    [
      '6 auto pool of another application',
      pool(
        'auto-deploy-other-v4-eth0',
        {
          podAffinity: {
            matchLabels: {
              'ipam.spidernet.io/app-api-group': 'apps',
              'ipam.spidernet.io/app-api-version': 'v1',
              'ipam.spidernet.io/app-kind': 'Deployment',
              'ipam.spidernet.io/app-namespace': 'default',
              'ipam.spidernet.io/app-name': 'other',
            },
          },
        },
        { labels: { 'ipam.spidernet.io/owner-application-name': 'other' } },
      ),
      {},
      'unmatched Pod affinity of auto-created IPPool',
    ],
    ['7 multusName without the NIC network', pool('p', { multusName: ['kube-system/ipvlan'] }), {}, 'p: unmatched multusName'],
  ])('rule %s', (_n, p, factsOver, reason) => {
    const r = candidatePools(req([p.metadata.name ?? '']), facts(factsOver), [p], nodes, options);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toContain(`no IPPool available, all IPv4 IPPools [${p.metadata.name}] of eth0 filtered out: `);
    expect(r.reason).toContain(reason);
  });

  it('lists every pool and every reason, in the user order', () => {
    const r = candidatePools(req(['b', 'a']), facts(), [pool('a', { disable: true }), pool('b', { namespaceName: ['x'] })], nodes, options);
    expect(r).toEqual({
      ok: false,
      reason:
        'no IPPool available, all IPv4 IPPools [b a] of eth0 filtered out: ' +
        'b: unmatched Namespace name: namespace "default" is not in spec.namespaceName [x]; a: disabled IPPool (spec.disable is true)',
    });
  });

  it('keeps the pools that pass and drops the others silently', () => {
    const r = candidatePools(req(['a', 'b', 'c']), facts(), [pool('a', { disable: true }), pool('b'), pool('c')], nodes, options);
    expect(names(r)).toEqual(['b', 'c']);
  });

  it('multusName: a bare name means the install namespace; other NICs match their own network', () => {
    const pools = [pool('mac', { multusName: ['macvlan'] }), pool('any')];
    expect(names(candidatePools(req(['mac', 'any'], { interface: 'net1' }), facts(), pools, nodes, options))).toEqual(['mac', 'any']);
    expect(names(candidatePools(req(['mac', 'any']), facts(), pools, nodes, options))).toEqual(['any']);
  });

  it('the same pool named twice for one NIC is wrong input', () => {
    expect(names(candidatePools(req(['a', 'a']), facts(), [pool('a')], nodes, options))).toBe(
      'wrong input: pool "a" is named twice for IPv4 of eth0',
    );
  });

  it('a missing pool is a hard error, not a filtered one', () => {
    expect(names(candidatePools(req(['a', 'gone']), facts(), [pool('a')], nodes, options))).toContain('failed to get original IPPool gone');
  });

  it('a glob that matches nothing leaves no candidate', () => {
    expect(names(candidatePools(req(['aaa*']), facts(), [pool('a')], nodes, options))).toBe(
      'no IPPool available, [aaa*] match no IPv4 pool of eth0',
    );
  });

  it('an empty name list leaves no candidate', () => {
    expect(names(candidatePools(req([]), facts(), [pool('a')], nodes, options))).toBe(
      'no IPPool available, no IPv4 pool is named for eth0',
    );
  });

  it('a malformed glob is wrong input', () => {
    expect(names(candidatePools(req(['a', '[x][']), facts(), [pool('a')], nodes, options))).toContain(
      'wrong input: syntax error in pattern',
    );
  });

  it('IPv6 requests see IPv6 pools', () => {
    const pools = [pool('v4-a'), pool('v6-a', { ipVersion: 6, subnet: 'fd00::/120' })];
    expect(names(candidatePools(req(['*-a'], { family: 6, interface: 'net1' }), facts(), pools, nodes, options))).toEqual(['v6-a']);
  });
});

describe('order of candidates', () => {
  it('more specific pools first, ties in the user order, globs expanded in pool-name order', () => {
    const pools = [
      pool('shared-2'),
      pool('shared-1'),
      pool('team', { namespaceName: ['default'] }),
      pool('mine', { podAffinity: { matchLabels: { app: 'web' } } }),
      pool('plain'),
    ];
    const r = candidatePools(req(['plain', 'shared-*', 'team', 'mine']), facts(), pools, nodes, options);
    expect(names(r)).toEqual(['mine', 'team', 'plain', 'shared-1', 'shared-2']);
  });

  it('is deterministic for the same snapshot, whatever the order of the pool list', () => {
    const pools = [pool('b-2'), pool('a'), pool('b-1', { multusName: ['kube-system/macvlan'] }), pool('b-3')];
    const first = candidatePools(req(['a', 'b-*'], { interface: 'net1' }), facts(), pools, nodes, options);
    const again = candidatePools(req(['a', 'b-*'], { interface: 'net1' }), facts(), [...pools].reverse(), nodes, options);
    expect(names(first)).toEqual(['b-1', 'a', 'b-2', 'b-3']);
    expect(again).toEqual(first);
  });
});

describe('node restrictions at admission (preface point b)', () => {
  const pools = [
    pool('on-worker', { nodeName: ['worker1', 'gone'] }),
    pool('zone-a', { nodeAffinity: { matchLabels: { zone: 'a' } } }),
    pool('nowhere', { nodeName: ['gone'] }),
    pool('free'),
  ];

  it('unscheduled Pod: keeps pools some current Node satisfies and carries their node requirement', () => {
    const r = candidatePools(req(['on-worker', 'zone-a', 'nowhere', 'free']), facts(), pools, nodes, options);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.pools.map((c) => [c.pool.metadata.name, c.nodeRequirement])).toEqual([
      [
        'on-worker',
        {
          nodeSelectorTerms: [
            { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['worker1'] }] },
            { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['gone'] }] },
          ],
        },
      ],
      ['zone-a', { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] }],
      ['free', undefined],
    ]);
    expect(Object.hasOwn(r.pools[2] ?? {}, 'nodeRequirement')).toBe(false);
  });

  it('Pod with a known node: checked exactly as Spiderpool does, and nothing to inject', () => {
    const r = candidatePools(req(['on-worker', 'zone-a', 'nowhere', 'free']), facts({ nodeName: 'worker1' }), pools, nodes, options);
    expect(r.ok && r.pools.map((c) => [c.pool.metadata.name, c.nodeRequirement])).toEqual([
      ['on-worker', undefined],
      ['free', undefined],
    ]);
  });

  it('no current Node qualifies: the reason says so', () => {
    expect(names(candidatePools(req(['nowhere']), facts(), pools, nodes, options))).toContain(
      'nowhere: unmatched Node name: no current Node is in spec.nodeName [gone]',
    );
  });
});
