// Automatic pools under concurrency on the real control plane: Pods of a workload admitted at once, before or while
// the controller makes the pool, are all admitted and share exactly one pool per (interface, family); several
// writers running ensureAutoPool at once (as webhook replicas would) end with the same single pool.
// CIDRs 172.21.6.0/24 and fd21::/64 are this file's own (auto-pools.test.ts has 172.21.1.0/24-172.21.5.0/24).
import { afterAll, describe, expect, it } from 'vitest';
import { type AutoPoolOwner, autoPoolClaims } from '../../ipam/allocate/index.js';
import { autoPoolStore, ensureAutoPool } from '../../kube/auto-pools.js';
import {
  addressOf,
  applyYaml,
  deleteSubnets,
  entryOf,
  getSubnet,
  poolsOf,
  recordsOf,
  releaseRecordsOfGonePods,
  sizeOf,
} from '../support/auto-pools.js';
import { clients, createTestNamespace, kubectl, pollUntil } from '../support/cluster.js';
import { createDeployment, createReplicaSet, podOf, runningPods, subnetAnnotation } from '../support/workloads.js';

const { kc, core, apps, custom } = clients();
const v4 = 'auto-race-v4';
const v6 = 'auto-race-v6';
const dualStack = subnetAnnotation({ ipv4: [v4], ipv6: [v6] });
let subnetsMade = false;

function subnets(): void {
  if (subnetsMade) return;
  applyYaml(`apiVersion: spiderpool.spidernet.io/v2beta1
kind: SpiderSubnet
metadata: {name: ${v4}}
spec: {subnet: 172.21.6.0/24, ips: ["172.21.6.10-172.21.6.200"], gateway: 172.21.6.1}
---
apiVersion: spiderpool.spidernet.io/v2beta1
kind: SpiderSubnet
metadata: {name: ${v6}}
spec: {subnet: "fd21::/64", ips: ["fd21::10-fd21::200"], gateway: "fd21::1"}
`);
  subnetsMade = true;
}

async function cleanUp(kind: string, namespace: string, name: string): Promise<void> {
  kubectl(['delete', '-n', namespace, kind.toLowerCase(), name, '--wait=true', '--timeout=60s']);
  await pollUntil(`the Pods in ${namespace} to go`, 60_000, async () => {
    const left = (await core.listNamespacedPod({ namespace })).items.length;
    return left === 0 ? { done: true, value: undefined } : { done: false, seen: `${left} Pods` };
  });
  for (const pool of await poolsOf(custom, kind, namespace, name))
    await releaseRecordsOfGonePods(core, custom, pool.metadata.name ?? '', namespace);
  await pollUntil(`the pools of ${kind} ${namespace}/${name} to go`, 60_000, async () => {
    const left = await poolsOf(custom, kind, namespace, name);
    return left.length === 0 ? { done: true, value: undefined } : { done: false, seen: left.map((p) => p.metadata.name).join(' ') };
  });
}

/** Exactly one pool per family, its IPs exactly its subnet entry, and the Pods' addresses distinct and inside it. */
async function expectOnePoolPerFamily(kind: string, namespace: string, name: string, size: number, pods: number) {
  const pools = await pollUntil(`one settled pool per family for ${kind} ${namespace}/${name}`, 60_000, async () => {
    const found = await poolsOf(custom, kind, namespace, name);
    const settled = found.length === 2 && found.every((p) => sizeOf(p) === size && Object.keys(recordsOf(p)).length === pods);
    return settled ? { done: true, value: found } : { done: false, seen: found.map((p) => `${p.metadata.name}:${sizeOf(p)}`).join(' ') };
  });
  for (const pool of pools) {
    const subnet = pool.spec.ipVersion === 6 ? v6 : v4;
    expect(entryOf(await getSubnet(custom, subnet), pool.metadata.name ?? '')?.ips).toEqual(pool.spec.ips);
    expect(Object.keys(recordsOf(pool))).toHaveLength(pods); // distinct addresses: records are keyed by IP
  }
  return pools;
}

afterAll(() => deleteSubnets([v4, v6]));

describe.sequential('automatic pools under concurrency', () => {
  it('10 Pods of a just-created Deployment, created at once, are all admitted from one pool per family', async () => {
    subnets();
    const namespace = await createTestNamespace(core, 'race-pods');
    const labels = { app: 'burst' };
    const annotations = { ...dualStack, 'ipam.spidernet.io/ippool-ip-number': '10' };
    // No replicas: the Pods are made here, all at once, racing the controller that sees the Deployment appear.
    const deployment = await createDeployment(apps, namespace, { name: 'burst', replicas: 0, labels, annotations });
    const owner = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'burst', uid: deployment.metadata?.uid ?? '', controller: true };
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        core.createNamespacedPod({ namespace, body: podOf({ name: `burst-${i}`, labels, annotations, ownerReferences: [owner] }) }),
      ),
    );
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as { body?: string }).body ?? r.reason)] : []));
    expect(refused).toEqual([]);
    const pods = await runningPods(core, namespace, labels, 10);
    const pools = await expectOnePoolPerFamily('Deployment', namespace, 'burst', 10, 10);
    for (const pod of pods) {
      expect(pools.map((p) => p.metadata.name)).toContain(addressOf(pod).pool);
    }
    await cleanUp('Deployment', namespace, 'burst');
  });

  it('a ReplicaSet of 12 created at once: its Pods are all admitted from one pool per family, with no FailedCreate', async () => {
    subnets();
    const namespace = await createTestNamespace(core, 'race-rs');
    const labels = { app: 'rs' };
    await createReplicaSet(apps, namespace, {
      name: 'rs',
      replicas: 12,
      labels,
      annotations: { ...dualStack, 'ipam.spidernet.io/ippool-ip-number': '+0' },
    });
    await runningPods(core, namespace, labels, 12);
    await expectOnePoolPerFamily('ReplicaSet', namespace, 'rs', 12, 12);
    const events = (await core.listNamespacedEvent({ namespace })).items.filter((e) => e.reason === 'FailedCreate');
    expect(events.map((e) => e.message)).toEqual([]);
    await cleanUp('ReplicaSet', namespace, 'rs');
  });

  it('eight writers at once (webhook replicas and the controller) end with one pool whose IPs are its entry', async () => {
    subnets();
    const namespace = await createTestNamespace(core, 'race-ensure');
    const annotations = { ...subnetAnnotation({ ipv4: [v4] }), 'ipam.spidernet.io/ippool-ip-number': '+4' };
    const deployment = await createDeployment(apps, namespace, { name: 'writers', replicas: 0, annotations });
    const owner: AutoPoolOwner = {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace,
      name: 'writers',
      uid: deployment.metadata?.uid ?? '',
    };
    const claims = autoPoolClaims(annotations, 0, 1);
    if (!claims.ok || !claims.value[0]) throw new Error('no claim');
    const claim = claims.value[0];
    // Each writer with caches that have seen nothing: every one starts by trying to carve the IPs itself.
    const empty = { pools: { list: () => [] }, subnets: { get: () => undefined }, reservedIPs: { list: () => [] } };
    const results = await Promise.all(Array.from({ length: 8 }, () => ensureAutoPool(autoPoolStore(kc, empty), owner, claim, 'grow')));
    const names = new Set(results.map((r) => ('pool' in r ? r.pool.metadata.name : r.error.message)));
    expect(names.size).toBe(1);
    const [pool, ...others] = await poolsOf(custom, 'Deployment', namespace, 'writers');
    expect(others).toEqual([]);
    expect(pool && sizeOf(pool)).toBe(4);
    expect(entryOf(await getSubnet(custom, v4), pool?.metadata.name ?? '')?.ips).toEqual(pool?.spec.ips);
    await cleanUp('Deployment', namespace, 'writers');
  });
});
