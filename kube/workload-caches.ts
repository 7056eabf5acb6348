// The native workloads automatic pools are made for (behaviour §4.1): Deployment, ReplicaSet, StatefulSet,
// DaemonSet, Job and CronJob, one LIST+WATCH cache each (ReplicaSets, Jobs and StatefulSets share the caches the
// Pod webhook already keeps), and live reads for when a cache has not seen a just-created object yet.
import { AppsV1Api, BatchV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { NativeWorkloadKind } from '../ipam/allocate/index.js';
import type { OwnerReference, TopController } from '../ipam/model/index.js';
import { isNotFound } from './api-errors.js';
import type { ClusterCaches } from './cluster-caches.js';
import { type KubeObject, ResourceCache } from './watch/index.js';

/** A workload as the API server sends it; only what automatic pools read is typed. */
export interface WorkloadObject extends KubeObject {
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    ownerReferences?: OwnerReference[];
  };
  spec?: unknown;
  status?: unknown;
}

export type WorkloadCaches = Record<NativeWorkloadKind, ResourceCache<WorkloadObject>>;

export const workloadPaths: Record<NativeWorkloadKind, string> = {
  Deployment: '/apis/apps/v1/deployments',
  ReplicaSet: '/apis/apps/v1/replicasets',
  StatefulSet: '/apis/apps/v1/statefulsets',
  DaemonSet: '/apis/apps/v1/daemonsets',
  Job: '/apis/batch/v1/jobs',
  CronJob: '/apis/batch/v1/cronjobs',
};

/** The apiVersion of a native kind (objects from a LIST carry none). */
export const workloadAPIVersion = (kind: NativeWorkloadKind): string => (kind === 'Job' || kind === 'CronJob' ? 'batch/v1' : 'apps/v1');

type SharedCaches = Pick<ClusterCaches, 'replicaSets' | 'jobs' | 'statefulSets'>;

/**
 * The six caches; `own` are the ones made here, which the caller starts and stops (the shared ones belong to the
 * cluster caches). Objects are kept as the raw JSON the API server sent, so a shared cache holds whole workloads
 * whatever narrower type its owner declared.
 */
export function createWorkloadCaches(
  kc: KubeConfig,
  shared: SharedCaches,
): { caches: WorkloadCaches; own: ResourceCache<WorkloadObject>[] } {
  const own = {
    Deployment: new ResourceCache<WorkloadObject>(kc, workloadPaths.Deployment),
    DaemonSet: new ResourceCache<WorkloadObject>(kc, workloadPaths.DaemonSet),
    CronJob: new ResourceCache<WorkloadObject>(kc, workloadPaths.CronJob),
  };
  const caches: WorkloadCaches = {
    ...own,
    ReplicaSet: shared.replicaSets as unknown as ResourceCache<WorkloadObject>,
    Job: shared.jobs as unknown as ResourceCache<WorkloadObject>,
    StatefulSet: shared.statefulSets as unknown as ResourceCache<WorkloadObject>,
  };
  return { caches, own: Object.values(own) };
}

/**
 * The UID of the workload a key of controlledIPPools names, from the caches: undefined when it does not exist,
 * "unknown" when its cache has not listed yet or the kind is not one of ours.
 */
export function cachedWorkloadUID(caches: WorkloadCaches, w: TopController): string | undefined | 'unknown' {
  const cache = (caches as Partial<Record<string, ResourceCache<WorkloadObject>>>)[w.kind];
  if (!cache?.isSynced()) return 'unknown';
  return cache.get(`${w.namespace}/${w.name}`)?.metadata.uid;
}

export type WorkloadReader = (kind: NativeWorkloadKind, namespace: string, name: string) => Promise<WorkloadObject | undefined>;

/** Live reads of the six kinds; undefined when the object does not exist. */
export function workloadReader(kc: KubeConfig): WorkloadReader {
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const read = {
    Deployment: (a: { namespace: string; name: string }) => apps.readNamespacedDeployment(a),
    ReplicaSet: (a: { namespace: string; name: string }) => apps.readNamespacedReplicaSet(a),
    StatefulSet: (a: { namespace: string; name: string }) => apps.readNamespacedStatefulSet(a),
    DaemonSet: (a: { namespace: string; name: string }) => apps.readNamespacedDaemonSet(a),
    Job: (a: { namespace: string; name: string }) => batch.readNamespacedJob(a),
    CronJob: (a: { namespace: string; name: string }) => batch.readNamespacedCronJob(a),
  } satisfies Record<NativeWorkloadKind, unknown>;
  return async (kind, namespace, name) => {
    try {
      const object = (await read[kind]({ namespace, name })) as unknown as WorkloadObject;
      return { ...object, apiVersion: workloadAPIVersion(kind), kind };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
}
