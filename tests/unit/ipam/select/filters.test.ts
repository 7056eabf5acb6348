// One table per filter rule of behaviour §3.6, plus the rule order of validation-and-allocation-cases.md §3.2.
import { describe, expect, it } from 'vitest';
import type { IPPoolSpec, ObjectMeta, PodFacts, SpiderIPPool } from '../../../../ipam/model/index.js';
import {
  disabledPool,
  exclusionReason,
  type FilterContext,
  filterPools,
  multusMismatch,
  namespaceMismatch,
  nodeMismatch,
  podAffinityMismatch,
  terminatingPool,
  wrongFamily,
} from '../../../../ipam/select/filters.js';

const pool = (name: string, spec: Partial<IPPoolSpec> = {}, meta: Partial<ObjectMeta> = {}): SpiderIPPool => ({
  metadata: { name, ...meta },
  spec: { ipVersion: 4, subnet: '10.0.0.0/24', ...spec },
});
const ipam = { defaultIPv4Pools: [], defaultIPv6Pools: [], cleanGateway: false };
const facts = (over: Partial<PodFacts> = {}): PodFacts => ({
  namespace: 'team-a',
  name: '',
  labels: { app: 'web' },
  annotations: {},
  namespaceLabels: { env: 'prod' },
  namespaceAnnotations: {},
  topController: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'team-a', name: 'web' },
  interfaces: [
    { name: 'eth0', index: 0, ipam },
    { name: 'net1', index: 1, network: 'kube-system/macvlan', ipam },
    { name: 'net2', index: 2, network: 'team-a/sriov', ipam },
  ],
  ...over,
});
const nodes = [
  { name: 'master', labels: { role: 'control-plane', zone: 'a' } },
  { name: 'worker1', labels: { role: 'worker', zone: 'b' } },
];
const ctx = (over: Partial<FilterContext> = {}, factsOver: Partial<PodFacts> = {}): FilterContext => ({
  facts: facts(factsOver),
  interfaceName: 'eth0',
  family: 4,
  nodes,
  options: { installNamespace: 'kube-system' },
  ...over,
});
const onNode = (nodeName: string) => ctx({}, { nodeName });

describe('rule 1: terminating', () => {
  it.each<[string, Partial<ObjectMeta>, string | undefined]>([
    ['kept without deletionTimestamp', {}, undefined],
    [
      'dropped with deletionTimestamp',
      { deletionTimestamp: '2026-07-01T00:00:00Z' },
      'terminating IPPool (deletionTimestamp 2026-07-01T00:00:00Z)',
    ],
  ])('%s', (_n, meta, reason) => {
    expect(terminatingPool(pool('p', {}, meta), ctx())).toBe(reason);
  });
});

describe('rule 2: disabled', () => {
  it.each<[string, boolean | undefined, string | undefined]>([
    ['kept when absent', undefined, undefined],
    ['kept when false', false, undefined],
    ['dropped when true', true, 'disabled IPPool (spec.disable is true)'],
  ])('%s', (_n, disable, reason) => {
    expect(disabledPool(pool('p', { disable }), ctx())).toBe(reason);
  });
});

describe('rule 3: IP family', () => {
  it.each<[string, Partial<IPPoolSpec>, 4 | 6, string | undefined]>([
    ['IPv4 pool for IPv4', { ipVersion: 4 }, 4, undefined],
    ['IPv6 pool for IPv6', { ipVersion: 6, subnet: 'fd00::/120' }, 6, undefined],
    ['IPv6 pool for IPv4', { ipVersion: 6, subnet: 'fd00::/120' }, 4, 'expect an IPv4 IPPool, but spec.ipVersion is 6'],
    ['IPv4 pool for IPv6', { ipVersion: 4 }, 6, 'expect an IPv6 IPPool, but spec.ipVersion is 4'],
    ['no ipVersion: family of the subnet', { ipVersion: undefined, subnet: 'fd00::/120' }, 6, undefined],
    ['no ipVersion, bad subnet', { ipVersion: undefined, subnet: 'nonsense' }, 4, 'expect an IPv4 IPPool, but spec.ipVersion is unknown'],
  ])('%s', (_n, spec, family, reason) => {
    expect(wrongFamily(pool('p', spec), ctx({ family }))).toBe(reason);
  });
});

describe('rule 4: node, with the node known (spec.nodeName or a pinned DaemonSet Pod)', () => {
  it.each<[string, Partial<IPPoolSpec>, string, string | undefined]>([
    ['no restriction', {}, 'worker1', undefined],
    ['nodeName contains the node', { nodeName: ['master', 'worker1'] }, 'worker1', undefined],
    [
      'nodeName lacks the node',
      { nodeName: ['master'] },
      'worker1',
      'unmatched Node name: node "worker1" is not in spec.nodeName [master]',
    ],
    ['nodeAffinity matches the node labels', { nodeAffinity: { matchLabels: { zone: 'b' } } }, 'worker1', undefined],
    [
      'nodeAffinity does not match',
      { nodeAffinity: { matchLabels: { zone: 'a' } } },
      'worker1',
      'unmatched Node affinity: node "worker1" does not match spec.nodeAffinity (zone=a)',
    ],
    [
      'nodeName wins over nodeAffinity (affinity ignored)',
      { nodeName: ['worker1'], nodeAffinity: { matchLabels: { zone: 'a' } } },
      'worker1',
      undefined,
    ],
    [
      'nodeName wins over nodeAffinity (name fails)',
      { nodeName: ['master'], nodeAffinity: { matchLabels: { zone: 'b' } } },
      'worker1',
      'unmatched Node name: node "worker1" is not in spec.nodeName [master]',
    ],
    [
      'nodeAffinity with a node missing from the cache',
      { nodeAffinity: { matchLabels: { zone: 'b' } } },
      'ghost',
      'unmatched Node affinity: node "ghost" is unknown, so spec.nodeAffinity (zone=b) cannot be checked',
    ],
    ['empty nodeName list means no restriction', { nodeName: [] }, 'worker1', undefined],
  ])('%s', (_n, spec, node, reason) => {
    expect(nodeMismatch(pool('p', spec), onNode(node))).toBe(reason);
  });
});

describe('rule 4: node, before scheduling (preface point b): some current Node must qualify', () => {
  it.each<[string, Partial<IPPoolSpec>, string | undefined]>([
    ['nodeName names a current Node', { nodeName: ['gone', 'worker1'] }, undefined],
    ['nodeName names no current Node', { nodeName: ['gone'] }, 'unmatched Node name: no current Node is in spec.nodeName [gone]'],
    [
      'nodeAffinity matched by one Node',
      { nodeAffinity: { matchExpressions: [{ key: 'role', operator: 'In', values: ['worker'] }] } },
      undefined,
    ],
    [
      'nodeAffinity matched by no Node',
      { nodeAffinity: { matchLabels: { gpu: 'true' } } },
      'unmatched Node affinity: no current Node matches spec.nodeAffinity (gpu=true)',
    ],
    ['empty nodeAffinity selector allows every node', { nodeAffinity: {} }, undefined],
  ])('%s', (_n, spec, reason) => {
    expect(nodeMismatch(pool('p', spec), ctx())).toBe(reason);
  });

  it('with no Node known at all, a node-bound pool is unusable', () => {
    expect(nodeMismatch(pool('p', { nodeName: ['worker1'] }), ctx({ nodes: [] }))).toContain('no current Node');
    expect(nodeMismatch(pool('p'), ctx({ nodes: [] }))).toBeUndefined();
  });
});

describe('rule 5: namespace', () => {
  it.each<[string, Partial<IPPoolSpec>, string | undefined]>([
    ['no restriction', {}, undefined],
    ['namespaceName contains the namespace', { namespaceName: ['kube-system', 'team-a'] }, undefined],
    [
      'namespaceName lacks it',
      { namespaceName: ['kube-system'] },
      'unmatched Namespace name: namespace "team-a" is not in spec.namespaceName [kube-system]',
    ],
    ['namespaceAffinity matches', { namespaceAffinity: { matchLabels: { env: 'prod' } } }, undefined],
    [
      'namespaceAffinity does not match',
      { namespaceAffinity: { matchLabels: { env: 'dev' } } },
      'unmatched Namespace affinity: namespace "team-a" does not match spec.namespaceAffinity (env=dev)',
    ],
    [
      'namespaceName wins over namespaceAffinity',
      { namespaceName: ['team-a'], namespaceAffinity: { matchLabels: { env: 'dev' } } },
      undefined,
    ],
  ])('%s', (_n, spec, reason) => {
    expect(namespaceMismatch(pool('p', spec), ctx())).toBe(reason);
  });
});

const autoLabels = { 'ipam.spidernet.io/owner-application-name': 'web' };
const autoAffinity = (over: Record<string, string> = {}) => ({
  matchLabels: {
    'ipam.spidernet.io/app-api-group': 'apps',
    'ipam.spidernet.io/app-api-version': 'v1',
    'ipam.spidernet.io/app-kind': 'Deployment',
    'ipam.spidernet.io/app-namespace': 'team-a',
    'ipam.spidernet.io/app-name': 'web',
    ...over,
  },
});

describe('rule 6: pod affinity', () => {
  it.each<[string, SpiderIPPool, string | undefined]>([
    ['no podAffinity', pool('p'), undefined],
    ['selector matches the Pod labels', pool('p', { podAffinity: { matchLabels: { app: 'web' } } }), undefined],
    [
      'selector does not match the Pod labels',
      pool('p', { podAffinity: { matchLabels: { app: 'db' } } }),
      "unmatched Pod affinity: the Pod's labels do not match spec.podAffinity (app=db)",
    ],
    ['empty podAffinity matches every Pod', pool('p', { podAffinity: {} }), undefined],
    ['auto pool of the same workload', pool('auto', { podAffinity: autoAffinity() }, { labels: autoLabels }), undefined],
    [
      'the owner-application-name label makes a pool auto even when empty',
      pool('auto', { podAffinity: autoAffinity() }, { labels: { 'ipam.spidernet.io/owner-application-name': '' } }),
      undefined,
    ],
    [
      'auto pool of another workload with the same Pod labels',
      pool('auto', { podAffinity: autoAffinity({ 'ipam.spidernet.io/app-name': 'web-canary' }) }, { labels: autoLabels }),
      "unmatched Pod affinity of auto-created IPPool: it serves apps/v1 Deployment team-a/web-canary, not the Pod's apps/v1 Deployment team-a/web",
    ],
    [
      'auto pool of another kind',
      pool('auto', { podAffinity: autoAffinity({ 'ipam.spidernet.io/app-kind': 'StatefulSet' }) }, { labels: autoLabels }),
      "unmatched Pod affinity of auto-created IPPool: it serves apps/v1 StatefulSet team-a/web, not the Pod's apps/v1 Deployment team-a/web",
    ],
    [
      'a pool without the owner-application-name label is not auto: its selector is matched against Pod labels',
      pool('manual', { podAffinity: autoAffinity() }),
      expect.stringContaining("unmatched Pod affinity: the Pod's labels do not match"),
    ],
  ])('%s', (_n, p, reason) => {
    expect(podAffinityMismatch(p, ctx())).toEqual(reason);
  });

  it('an absent app-api-group key reads as the empty group of core', () => {
    const top = { group: '', version: 'v1', kind: 'Pod', namespace: 'team-a', name: 'solo' };
    const { 'ipam.spidernet.io/app-api-group': _group, ...rest } = autoAffinity({
      'ipam.spidernet.io/app-kind': 'Pod',
      'ipam.spidernet.io/app-name': 'solo',
    }).matchLabels;
    const affinity = { matchLabels: rest };
    expect(
      podAffinityMismatch(pool('auto', { podAffinity: affinity }, { labels: autoLabels }), ctx({}, { topController: top })),
    ).toBeUndefined();
  });
});

describe('rule 7: multusName', () => {
  it.each<[string, string[] | undefined, string, string | undefined]>([
    ['no multusName: any interface', undefined, 'eth0', undefined],
    ['empty multusName: any interface', [], 'net1', undefined],
    ['ns/name listed', ['kube-system/macvlan'], 'net1', undefined],
    ['bare name means the install namespace', ['macvlan'], 'net1', undefined],
    [
      'bare name in another namespace does not match',
      ['sriov'],
      'net2',
      'unmatched multusName: interface net2 uses "team-a/sriov", not one of spec.multusName [kube-system/sriov]',
    ],
    ['one of several entries', ['other/x', 'team-a/sriov'], 'net2', undefined],
    [
      'not listed',
      ['kube-system/ipvlan'],
      'net1',
      'unmatched multusName: interface net1 uses "kube-system/macvlan", not one of spec.multusName [kube-system/ipvlan]',
    ],
    [
      'interface without a NetworkAttachmentDefinition',
      ['kube-system/macvlan'],
      'eth0',
      'unmatched multusName: interface eth0 uses no NetworkAttachmentDefinition, spec.multusName is [kube-system/macvlan]',
    ],
    [
      'interface unknown to the Pod',
      ['kube-system/macvlan'],
      'net9',
      expect.stringContaining('interface net9 uses no NetworkAttachmentDefinition'),
    ],
  ])('%s', (_n, multusName, iface, reason) => {
    expect(multusMismatch(pool('p', { multusName }), ctx({ interfaceName: iface }))).toEqual(reason);
  });
});

describe('rule order and filterPools (cases §3.2: a pool leaves at the first rule it fails)', () => {
  it.each<[string, SpiderIPPool, string]>([
    ['terminating before disabled', pool('p', { disable: true }, { deletionTimestamp: 't' }), 'terminating'],
    ['disabled before family', pool('p', { disable: true, ipVersion: 6 }), 'disabled'],
    ['family before node', pool('p', { ipVersion: 6, nodeName: ['nowhere'] }), 'expect an IPv4 IPPool'],
    ['node before namespace', pool('p', { nodeName: ['nowhere'], namespaceName: ['elsewhere'] }), 'unmatched Node name'],
    [
      'namespace before pod',
      pool('p', { namespaceName: ['elsewhere'], podAffinity: { matchLabels: { app: 'db' } } }),
      'unmatched Namespace name',
    ],
    ['pod before multus', pool('p', { podAffinity: { matchLabels: { app: 'db' } }, multusName: ['x/y'] }), 'unmatched Pod affinity'],
  ])('%s', (_n, p, prefix) => {
    expect(exclusionReason(p, onNode('worker1'))?.startsWith(prefix)).toBe(true);
  });

  it('keeps usable pools in input order and explains each exclusion', () => {
    const a = pool('a');
    const b = pool('b', { disable: true });
    const c = pool('c', { namespaceName: ['team-a'] });
    const d = pool('d', { ipVersion: 6, subnet: 'fd00::/120' });
    const { kept, excluded } = filterPools([a, b, c, d], ctx());
    expect(kept).toEqual([a, c]);
    expect(excluded).toEqual([
      { pool: b, reason: 'disabled IPPool (spec.disable is true)' },
      { pool: d, reason: 'expect an IPv4 IPPool, but spec.ipVersion is 6' },
    ]);
  });
});
