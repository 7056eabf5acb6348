// Automatic pools from SpiderSubnets, wired for `serve`: the workload caches, what the Pod webhook needs to make or
// grow a workload's pool, the workload lookup of the status controller, and the controller itself.
import { AppsV1Api, BatchV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { entryApplication, type NativeWorkloadKind } from '../ipam/allocate/index.js';
import { type ControlledPool, type OwnerReference, plurals } from '../ipam/model/index.js';
import { isNotFound } from '../kube/api-errors.js';
import { autoPoolStore, dryRunStore, ensureAutoPool } from '../kube/auto-pools.js';
import type { ClusterCaches } from '../kube/cluster-caches.js';
import { customResourceWriter } from '../kube/custom-resources.js';
import { eventRecorder } from '../kube/events.js';
import { getIfFound, jsonClient } from '../kube/json-client.js';
import { resourceLocator } from '../kube/resource-discovery.js';
import { type KubeObject, ResourceCache } from '../kube/watch/index.js';
import {
  cachedWorkloadUID,
  createWorkloadCaches,
  type WorkloadCaches,
  type WorkloadObject,
  workloadReader,
} from '../kube/workload-caches.js';
import { startAutoPoolController } from '../scaler/auto-pool-controller.js';
import { startThirdPartyReclaimer } from '../scaler/third-party-reclaimer.js';
import type { Logger } from './log.js';
import type { AutoPoolAdmission } from './mutate/pod-auto-pools.js';

export interface AutoPools {
  workloads: WorkloadCaches;
  /** The caches made here, to start with the others and to wait for before answering ready. */
  caches: Array<Pick<ResourceCache<WorkloadObject>, 'start' | 'stop' | 'isSynced'>>;
  admission: AutoPoolAdmission;
  /** For the status controller: keep a controlledIPPools entry whose pool does not exist yet while its workload lives. */
  workloadLives(poolName: string, entry: ControlledPool): 'present' | 'absent' | 'unknown';
  startController(log: Logger): { stop(): void };
  /** Deletes the automatic pools of third-party controllers once their owner is gone. */
  startThirdPartyReclaimer(log: Logger): { stop(): Promise<void> };
}

export function autoPools(kc: KubeConfig, caches: ClusterCaches, options: { defaultRedundant: number }): AutoPools {
  const { caches: workloads, own } = createWorkloadCaches(kc, caches);
  const store = autoPoolStore(kc, caches);
  const readWorkload = workloadReader(kc);
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const admission: AutoPoolAdmission = {
    async owners(kind, namespace, name) {
      try {
        const object =
          kind === 'ReplicaSet'
            ? await apps.readNamespacedReplicaSet({ namespace, name })
            : await batch.readNamespacedJob({ namespace, name });
        return (object.metadata?.ownerReferences ?? []) as OwnerReference[];
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async workload(kind: NativeWorkloadKind, namespace, name, uid) {
      const cached = workloads[kind].get(`${namespace}/${name}`);
      if (cached && (uid === undefined || cached.metadata.uid === uid)) return cached;
      return readWorkload(kind, namespace, name);
    },
    ensure: (owner, claim, dryRun) => ensureAutoPool(dryRun ? dryRunStore(store) : store, owner, claim, 'grow'),
    pools: () => caches.pools.list(),
    defaultRedundant: options.defaultRedundant,
  };
  return {
    workloads,
    caches: own,
    admission,
    workloadLives: (poolName, entry) =>
      entry.application === undefined ? 'unknown' : entryApplication(poolName, entry.application, (w) => cachedWorkloadUID(workloads, w)),
    startController: (log) =>
      startAutoPoolController({
        workloads,
        pools: caches.pools,
        ensure: (owner, claim) => ensureAutoPool(store, owner, claim, 'exact'),
        deletePool: (name) => customResourceWriter(kc).delete(plurals.ipPool, name),
        readWorkload,
        events: eventRecorder(kc.makeApiClient(CoreV1Api)),
        defaultRedundant: options.defaultRedundant,
        log,
      }),
    startThirdPartyReclaimer: (log) => {
      const client = jsonClient(kc);
      return startThirdPartyReclaimer({
        pools: caches.pools,
        locate: resourceLocator(client),
        // Only the identity is read (and the version, which tells a replayed event): the rest is not kept.
        watchCollection: (path) =>
          new ResourceCache<KubeObject>(kc, path, {
            transform: ({ metadata: m }) => ({
              metadata: { name: m?.name, namespace: m?.namespace, uid: m?.uid, resourceVersion: m?.resourceVersion },
            }),
          }),
        read: (path) => getIfFound<KubeObject>(client, path),
        deletePool: (name) => customResourceWriter(kc).delete(plurals.ipPool, name),
        log,
      });
    },
  };
}
