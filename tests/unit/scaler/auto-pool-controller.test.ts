// The automatic-pool controller against in-memory caches: what queues a workload, what a reconcile asks of
// ensureAutoPool, reclaiming the pools of deleted workloads, and its Warning events.
import { afterEach, describe, expect, it } from 'vitest';
import type { AutoPoolClaim, AutoPoolOwner, NativeWorkloadKind } from '../../../ipam/allocate/index.js';
import type { SpiderIPPool } from '../../../ipam/model/index.js';
import type { EnsureResult } from '../../../kube/auto-pools.js';
import type { EventTarget } from '../../../kube/events.js';
import type { ResourceCache } from '../../../kube/watch/index.js';
import type { WorkloadCaches, WorkloadObject } from '../../../kube/workload-caches.js';
import { startAutoPoolController } from '../../../scaler/auto-pool-controller.js';
import { autoPoolOf, silent } from './fixtures.js';
import { MemoryCache } from './memory-cache.js';

function deployment(
  name: string,
  replicas: number,
  annotations: Record<string, string>,
  more: Partial<WorkloadObject['metadata']> = {},
): WorkloadObject {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}-abcde`, ...more },
    spec: { replicas, template: { metadata: { annotations }, spec: {} } },
  };
}
const subnet = { 'ipam.spidernet.io/subnet': '{"ipv4":["s"]}', 'ipam.spidernet.io/ippool-ip-number': '+3' };

function setup(ensureResult?: (claim: AutoPoolClaim) => EnsureResult) {
  const workloads = Object.fromEntries(
    (['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'] as NativeWorkloadKind[]).map((k) => [
      k,
      new MemoryCache<WorkloadObject>(),
    ]),
  ) as unknown as Record<NativeWorkloadKind, MemoryCache<WorkloadObject>>;
  const pools = new MemoryCache<SpiderIPPool & { metadata: { name: string } }>();
  const ensured: Array<{ owner: AutoPoolOwner; claim: AutoPoolClaim }> = [];
  const deleted: string[] = [];
  const events: Array<{ target: EventTarget; reason: string }> = [];
  const refuse = new Set<string>();
  const controller = startAutoPoolController({
    workloads: workloads as unknown as WorkloadCaches,
    pools: pools as unknown as ResourceCache<SpiderIPPool & { metadata: { name: string } }>,
    ensure: async (owner, claim) => {
      ensured.push({ owner, claim });
      return ensureResult?.(claim) ?? { pool: autoPoolOf(owner), wrote: true };
    },
    deletePool: async (name) => {
      if (refuse.has(name)) throw Object.assign(new Error('still has 2 allocated IPs'), { code: 403 });
      deleted.push(name);
    },
    readWorkload: async (kind, ns, name) => workloads[kind].get(`${ns}/${name}`),
    events: { warn: async (target, reason) => void events.push({ target, reason }) },
    defaultRedundant: 1,
    log: silent,
    queue: { baseRetryMs: 5, maxRetryMs: 20 },
  });
  return { workloads, pools, ensured, deleted, events, refuse, controller };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}
const settle = () => new Promise((r) => setTimeout(r, 50));

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('the automatic-pool controller', () => {
  it('sizes the pool of an added Deployment exactly: replicas + N, and again when the replica count changes', async () => {
    const t = setup();
    stop = t.controller.stop;
    t.workloads.Deployment.put(deployment('nginx', 2, subnet));
    await until('a reconcile', () => t.ensured.length === 1);
    expect(t.ensured[0]).toMatchObject({ owner: { kind: 'Deployment', uid: 'uid-nginx-abcde' }, claim: { size: 5, subnet: 's' } });
    t.workloads.Deployment.put(deployment('nginx', 3, subnet, { resourceVersion: '2' }));
    await until('a second reconcile', () => t.ensured.length === 2);
    expect(t.ensured[1]?.claim.size).toBe(6);
  });

  it('ignores updates that change nothing its pools depend on, hostNetwork templates, and ReplicaSets of Deployments', async () => {
    const t = setup();
    stop = t.controller.stop;
    t.workloads.Deployment.put(deployment('nginx', 2, subnet));
    await until('a reconcile', () => t.ensured.length === 1);
    t.workloads.Deployment.put(deployment('nginx', 2, { ...subnet, other: 'x' }, { resourceVersion: '9' }));
    const host = deployment('host', 2, subnet);
    t.workloads.Deployment.put({
      ...host,
      spec: { replicas: 2, template: { metadata: { annotations: subnet }, spec: { hostNetwork: true } } },
    });
    t.workloads.ReplicaSet.put(
      deployment('nginx-7c9f', 2, subnet, {
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'nginx', uid: 'u', controller: true }],
      }),
    );
    await settle();
    expect(t.ensured).toHaveLength(1);
  });

  it('a bare ReplicaSet and a CronJob (through its jobTemplate) have pools of their own', async () => {
    const t = setup();
    stop = t.controller.stop;
    t.workloads.ReplicaSet.put(deployment('rs', 4, subnet));
    t.workloads.CronJob.put({
      metadata: { name: 'cron', namespace: 'ns', uid: 'c-1-fffff' },
      spec: { jobTemplate: { spec: { parallelism: 2, template: { metadata: { annotations: subnet } } } } },
    });
    await until('two reconciles', () => t.ensured.length === 2);
    expect(t.ensured.map((e) => [e.owner.kind, e.owner.group, e.claim.size]).sort()).toEqual([
      ['CronJob', 'batch', 5],
      ['ReplicaSet', 'apps', 7],
    ]);
  });

  it('deletes the reclaimable pools of a deleted workload, keeps ippool-reclaim "false" ones, and retries while IPs are held', async () => {
    const t = setup();
    stop = t.controller.stop;
    const owner: AutoPoolOwner = {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace: 'ns',
      name: 'nginx',
      uid: 'uid-nginx-abcde',
    };
    const kept: AutoPoolOwner = { ...owner, name: 'kept', uid: 'uid-kept-fffff' };
    const pool = autoPoolOf(owner);
    t.pools.put(pool);
    t.pools.put(autoPoolOf(kept, { reclaim: false }));
    t.refuse.add(pool.metadata.name);
    t.workloads.Deployment.put(deployment('nginx', 2, subnet));
    t.workloads.Deployment.put(deployment('kept', 2, { ...subnet, 'ipam.spidernet.io/ippool-reclaim': 'false' }));
    await until('two reconciles', () => t.ensured.length === 2);
    t.workloads.Deployment.remove(deployment('nginx', 2, subnet));
    t.workloads.Deployment.remove(deployment('kept', 2, subnet));
    await settle();
    expect(t.deleted).toEqual([]);
    t.refuse.clear(); // the Pods released their IPs
    await until('the pool deleted', () => t.deleted.length > 0);
    expect(new Set(t.deleted)).toEqual(new Set([pool.metadata.name]));
  });

  it('deletes the reclaimable pool of an earlier incarnation of a re-created workload', async () => {
    const t = setup();
    stop = t.controller.stop;
    const old = autoPoolOf({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'ns', name: 'nginx', uid: 'old-uid-00000' });
    t.pools.put(old);
    t.workloads.Deployment.put(deployment('nginx', 1, subnet));
    await until('the old pool deleted', () => t.deleted.length > 0);
    expect(new Set(t.deleted)).toEqual(new Set([old.metadata.name]));
  });

  it('warns once with ApplicationSubnetChanged when the template names another subnet', async () => {
    const t = setup(() => ({
      error: { code: 'subnet-changed', object: 'p', message: 'moving a workload to SpiderSubnet "t" is not supported' },
    }));
    stop = t.controller.stop;
    t.workloads.Deployment.put(deployment('nginx', 2, subnet));
    await until('an event', () => t.events.length === 1);
    t.pools.put(autoPoolOf({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'ns', name: 'nginx', uid: 'uid-nginx-abcde' }));
    await until('a second reconcile', () => t.ensured.length === 2);
    expect(t.events).toEqual([
      {
        target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns', name: 'nginx', uid: 'uid-nginx-abcde' },
        reason: 'ApplicationSubnetChanged',
      },
    ]);
  });

  it('retries a shrink blocked by allocated IPs until it goes through', async () => {
    let blocked = 2;
    const t = setup((claim) =>
      blocked-- > 0
        ? { error: { code: 'pool-shrink-blocked', object: 'p', message: 'IPPool available free IPs are not enough' } }
        : {
            pool: autoPoolOf({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'ns', name: 'nginx', uid: `u-${claim.size}` }),
            wrote: true,
          },
    );
    stop = t.controller.stop;
    t.workloads.Deployment.put(deployment('nginx', 1, subnet));
    await until('three tries', () => t.ensured.length === 3);
    await settle();
    expect(t.ensured).toHaveLength(3);
    expect(t.events).toEqual([]);
  });
});
