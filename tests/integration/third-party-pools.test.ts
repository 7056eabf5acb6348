// Automatic pools of a third-party controller (behaviour §4.8) on the real control plane: a Pod owned by an object of
// a custom resource gets a pool from the subnet, sized by ippool-ip-number; deleting the owner deletes its pool once
// the Pod's address is released, unless `ippool-reclaim: "false"` keeps it. The owners are watched with a
// ClusterRole aggregated into the server's, as an operator would grant it. CIDR 172.20.0.0/16 is this file's own.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteSubnets, poolsOf, sizeOf } from '../support/auto-pools.js';
import { clients, createTestNamespace, kubectl, pollUntil } from '../support/cluster.js';
import { podOf, subnetAnnotation } from '../support/workloads.js';

const { core, custom } = clients();
const suffix = randomBytes(3).toString('hex');
const group = 'ipam-test.admission-ipam.io';
const plural = `widgets${suffix}`;
const kind = `Widget${suffix}`;
const subnet = `third-party-${suffix}`;
const role = `admission-ipam-test-${plural}`;

function apply(yaml: string): void {
  const res = kubectl(['apply', '-f', '-'], yaml);
  if (res.status !== 0) throw new Error(res.stderr);
}

async function createOwner(namespace: string, name: string): Promise<string> {
  apply(`apiVersion: ${group}/v1\nkind: ${kind}\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec: {replicas: 1}\n`);
  const uid = kubectl(['get', '-n', namespace, `${plural}.${group}/${name}`, '-o', 'jsonpath={.metadata.uid}']).stdout;
  expect(uid).toMatch(/^[0-9a-f-]{36}$/);
  return uid;
}

/** A Pod as the third-party controller would make it: owned by its object, asking for a pool of `size`. */
async function createOwnedPod(namespace: string, owner: string, uid: string, extra: Record<string, string> = {}): Promise<void> {
  await core.createNamespacedPod({
    namespace,
    body: podOf({
      name: `${owner}-pod`,
      ownerReferences: [{ apiVersion: `${group}/v1`, kind, name: owner, uid, controller: true }],
      annotations: { ...subnetAnnotation({ ipv4: [subnet] }), 'ipam.spidernet.io/ippool-ip-number': '2', ...extra },
    }),
  });
}

afterAll(async () => {
  await deleteSubnets([subnet]);
  kubectl(['delete', 'clusterrole', role, '--ignore-not-found']);
  kubectl(['delete', 'crd', `${plural}.${group}`, '--ignore-not-found', '--wait=false']);
});

describe('automatic pools of a third-party controller', () => {
  it('are sized by ippool-ip-number and deleted with their owner, unless ippool-reclaim is "false"', async () => {
    apply(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${plural}.${group}}
spec:
  group: ${group}
  scope: Namespaced
  names: {plural: ${plural}, singular: widget${suffix}, kind: ${kind}}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ${role}
  labels: {admission-ipam.spidernet.io/aggregate-to-workload-owners: "true"}
rules:
- apiGroups: [${group}]
  resources: [${plural}]
  verbs: [get, list, watch]
---
apiVersion: spiderpool.spidernet.io/v2beta1
kind: SpiderSubnet
metadata: {name: ${subnet}}
spec: {subnet: 172.20.1.0/24, ips: ["172.20.1.10-172.20.1.40"]}
`);
    expect(kubectl(['wait', '--for=condition=Established', `crd/${plural}.${group}`, '--timeout=60s']).status).toBe(0);
    const namespace = await createTestNamespace(core, 'third-party');
    const reclaimed = await createOwner(namespace, 'reclaimed');
    const kept = await createOwner(namespace, 'kept');
    await createOwnedPod(namespace, 'reclaimed', reclaimed);
    await createOwnedPod(namespace, 'kept', kept, { 'ipam.spidernet.io/ippool-reclaim': 'false' });

    const [pool] = await poolsOf(custom, kind, namespace, 'reclaimed');
    expect(pool?.metadata.labels).toMatchObject({
      'ipam.spidernet.io/owner-application-gv': `${group}_v1`,
      'ipam.spidernet.io/owner-application-uid': reclaimed,
    });
    expect(pool && sizeOf(pool)).toBe(2);
    const [keptPool] = await poolsOf(custom, kind, namespace, 'kept');
    expect(keptPool?.metadata.labels?.['ipam.spidernet.io/ippool-reclaim']).toBe('false');

    // Background deletion: the owners go at once, the garbage collector then deletes their Pods.
    expect(kubectl(['delete', '-n', namespace, `${plural}.${group}`, 'reclaimed', 'kept', '--wait=false']).status).toBe(0);
    await pollUntil('the pool of the deleted owner to be gone', 90_000, async () => {
      const left = await poolsOf(custom, kind, namespace, 'reclaimed');
      return left.length === 0 ? { done: true, value: true } : { done: false, seen: left.map((p) => p.metadata.name).join(', ') };
    });
    // Both owners went together and the reclaimer has acted on one: the pool marked to be kept is still there.
    const stillKept = await poolsOf(custom, kind, namespace, 'kept');
    expect(stillKept.map((p) => p.metadata.name)).toEqual([keptPool?.metadata.name]);
    await pollUntil('the kept pool to hold no address', 60_000, async () => {
      const [p] = await poolsOf(custom, kind, namespace, 'kept');
      return p?.status?.allocatedIPCount === 0 ? { done: true, value: true } : { done: false, seen: `${p?.status?.allocatedIPCount}` };
    });
    expect(kubectl(['delete', 'sp', keptPool?.metadata.name ?? '', '--wait=false']).status).toBe(0);
  });
});
