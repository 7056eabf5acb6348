// The Pod webhook's part of automatic pools: which workload owns them, when a pool is used as cached and when it is
// made or grown first, and the owners of a ReplicaSet the cache has not seen yet.
import { describe, expect, it } from 'vitest';
import { type AutoPoolAdmission, autoPoolsForPod, withLiveOwners } from '../../../admission/mutate/pod-auto-pools.js';
import type { PodView } from '../../../admission/pod-facts.js';
import { type AutoPoolClaim, type AutoPoolOwner, buildAutoPool } from '../../../ipam/allocate/index.js';
import { parseRangeList } from '../../../ipam/ip/index.js';
import type { PodFacts, PoolRequest, SpiderIPPool, TopController } from '../../../ipam/model/index.js';

const deployment: TopController = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'ns', name: 'nginx', uid: 'u-1-abcde' };
const annotations = { 'ipam.spidernet.io/subnet': '{"ipv4":["nginx-subnet-v4"]}', 'ipam.spidernet.io/ippool-ip-number': '+3' };
const facts = (top: TopController = deployment, more: Record<string, string> = annotations): PodFacts => ({
  namespace: 'ns',
  name: '',
  labels: {},
  annotations: more,
  namespaceLabels: {},
  namespaceAnnotations: {},
  topController: top,
  interfaces: [{ name: 'eth0', index: 0, ipam: { defaultIPv4Pools: [], defaultIPv6Pools: [], cleanGateway: false } }],
});
const request: PoolRequest = { interface: 'eth0', source: 'subnet', cleanGateway: false, ipv4: ['nginx-subnet-v4'] };

function poolOf(owner: AutoPoolOwner, ips: string[]): SpiderIPPool {
  const set = parseRangeList(ips, 4).set ?? { family: 4 as const, ranges: [] };
  return buildAutoPool({
    subnet: { metadata: { name: 'nginx-subnet-v4', uid: 's' }, spec: { ipVersion: 4, subnet: '10.244.0.0/16' } },
    workload: owner,
    interfaceName: 'eth0',
    family: 4,
    ips: set,
    ipNumber: '+3',
    reclaim: true,
  });
}

function deps(over: Partial<AutoPoolAdmission> = {}) {
  const ensured: Array<{ owner: AutoPoolOwner; claim: AutoPoolClaim; dryRun: boolean }> = [];
  const d: AutoPoolAdmission = {
    owners: async () => undefined,
    workload: async (kind, _ns, _name, uid) => ({ metadata: { uid: uid ?? 'u-1-abcde' }, spec: { replicas: 2 }, kind }),
    ensure: async (owner, claim, dryRun) => {
      ensured.push({ owner, claim, dryRun });
      return { pool: poolOf(owner, ['10.244.0.10-10.244.0.14']), wrote: true };
    },
    pools: () => [],
    defaultRedundant: 1,
    ...over,
  };
  return { d, ensured };
}

describe('automatic pools at Pod admission', () => {
  it('a missing pool is made for the workload with replicas + N, then used', async () => {
    const { d, ensured } = deps();
    const out = await autoPoolsForPod([request], facts(), d, false);
    expect(out.ok && [...out.pools.keys()]).toEqual(['eth0/4']);
    expect(out.ok && out.written).toEqual(['auto4-nginx-eth0-abcde']);
    expect(ensured).toEqual([
      {
        owner: { ...deployment, uid: 'u-1-abcde' },
        claim: { interfaceName: 'eth0', family: 4, subnet: 'nginx-subnet-v4', size: 5, ipNumber: '+3', reclaim: true },
        dryRun: false,
      },
    ]);
  });

  it('a pool with enough IPs is used as cached, with no write; a smaller one is grown', async () => {
    const owner = { ...deployment, uid: 'u-1-abcde' };
    const big = deps({ pools: () => [poolOf(owner, ['10.244.0.10-10.244.0.14'])] });
    expect((await autoPoolsForPod([request], facts(), big.d, false)).ok).toBe(true);
    expect(big.ensured).toEqual([]);
    const small = deps({ pools: () => [poolOf(owner, ['10.244.0.10-10.244.0.13'])] });
    await autoPoolsForPod([request], facts(), small.d, true);
    expect(small.ensured).toMatchObject([{ claim: { size: 5 }, dryRun: true }]);
  });

  it('a DaemonSet, whose desiredNumberScheduled is 0 while its first Pods are made, gets room for each Pod', async () => {
    const ds: TopController = { ...deployment, kind: 'DaemonSet', name: 'agent' };
    const owner = { ...ds, uid: 'u-1-abcde' };
    const full = poolOf(owner, ['10.244.0.10']);
    full.status = { allocatedIPs: JSON.stringify({ '10.244.0.10': { pod: 'ns/agent-x', podUid: 'x' } }) };
    const { d, ensured } = deps({
      pools: () => [full],
      workload: async () => ({ metadata: { uid: 'u-1-abcde' }, status: { desiredNumberScheduled: 0 } }),
    });
    await autoPoolsForPod([request], facts(ds, { 'ipam.spidernet.io/subnet': '{"ipv4":["nginx-subnet-v4"]}' }), d, false);
    expect(ensured).toMatchObject([{ claim: { size: 2 } }]);
  });

  it.each([
    ['the workload does not exist', { workload: async () => undefined }, "the Pod's Deployment ns/nginx does not exist"],
    [
      'the workload was re-created (another UID)',
      { workload: async () => ({ metadata: { uid: 'other' } }) },
      'the Pod belongs to a deleted Deployment ns/nginx (UID u-1-abcde)',
    ],
    [
      'the subnet cannot give the IPs',
      {
        ensure: async () => ({
          error: { code: 'insufficient-subnet-ips' as const, object: 'p', message: 'pool "p": insufficient subnet FreeIPs' },
        }),
      },
      'eth0 IPv4: pool "p": insufficient subnet FreeIPs',
    ],
  ])('refused when %s', async (_what, over, reason) => {
    const out = await autoPoolsForPod([request], facts(), deps(over).d, false);
    expect(out).toEqual({ ok: false, reason: expect.stringContaining(reason) });
  });

  it('a third-party controller needs a fixed ippool-ip-number (Spiderpool words); "+N" means N', async () => {
    const cloneSet: TopController = {
      group: 'apps.kruise.io',
      version: 'v1alpha1',
      kind: 'CloneSet',
      namespace: 'ns',
      name: 'web',
      uid: 'c-1-fffff',
    };
    const refused = await autoPoolsForPod(
      [request],
      facts(cloneSet, { 'ipam.spidernet.io/subnet': '{"ipv4":["nginx-subnet-v4"]}' }),
      deps().d,
      false,
    );
    expect(refused).toEqual({
      ok: false,
      reason: expect.stringContaining('CloneSet/ns/web only supports fixed auto-created IPPool IP Number'),
    });
    const { d, ensured } = deps();
    await autoPoolsForPod([request], facts(cloneSet, annotations), d, false);
    expect(ensured).toMatchObject([{ owner: { kind: 'CloneSet', uid: 'c-1-fffff' }, claim: { size: 3 } }]);
  });

  it('requests from other sources need nothing', async () => {
    const { d, ensured } = deps();
    expect(await autoPoolsForPod([{ ...request, source: 'ippool' }], facts(), d, false)).toEqual({
      ok: true,
      pools: new Map(),
      written: [],
    });
    expect(ensured).toEqual([]);
  });
});

describe("the owners of a Pod's ReplicaSet", () => {
  const view: PodView = { namespace: () => ({}), networkAttachmentConfig: () => undefined, owners: () => undefined };
  const rs = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'nginx-7c9f', uid: 'r', controller: true }];
  const owner = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'nginx', uid: 'd', controller: true }];

  it('are read live when the cache does not have the ReplicaSet yet', async () => {
    const asked: string[] = [];
    const out = await withLiveOwners(rs, 'ns', view, {
      owners: async (kind, ns, name) => {
        asked.push(`${kind} ${ns}/${name}`);
        return owner;
      },
    });
    expect(asked).toEqual(['ReplicaSet ns/nginx-7c9f']);
    expect(out.owners('ReplicaSet', 'ns', 'nginx-7c9f')).toEqual(owner);
    expect(out.owners('ReplicaSet', 'ns', 'other')).toBeUndefined();
  });

  it('are not read when the cache has it, or the Pod has no ReplicaSet or Job', async () => {
    const cached: PodView = { ...view, owners: () => owner };
    const never = { owners: async () => Promise.reject(new Error('no live read expected')) };
    expect(await withLiveOwners(rs, 'ns', cached, never)).toBe(cached);
    expect(await withLiveOwners([{ ...rs[0], kind: 'StatefulSet' }] as typeof rs, 'ns', view, never)).toBe(view);
    expect(await withLiveOwners(undefined, 'ns', view, never)).toBe(view);
  });
});
