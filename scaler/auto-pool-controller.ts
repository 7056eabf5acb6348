// Keeps the automatic pools of native workloads the size their Pod templates ask for (behaviour §4.2-§4.7):
// a workload key is queued when the workload is added, deleted, or changes what its pools depend on (subnet
// annotations, ippool-ip-number, ippool-reclaim, replica count, UID), and when one of its pools changes (Pods
// releasing addresses let a blocked shrink or a reclaim go on). The reconcile re-reads the caches: pools of a gone
// workload (or of an earlier incarnation) are deleted unless `ippool-reclaim: "false"`; otherwise each claimed pool
// is brought to exactly its size through ensureAutoPool, the same path the Pod webhook takes, so the two never
// make two pools or hand one IP twice. ReplicaSets owned by a Deployment and Jobs owned by a CronJob are handled
// through their owner; hostNetwork templates are ignored.
import type { Logger } from '../admission/log.js';
import {
  type AutoPoolClaim,
  type AutoPoolOwner,
  autoPoolClaims,
  isAutoPoolOf,
  isReclaimed,
  type NativeWorkloadKind,
  nativeWorkloadKinds,
  podTemplateOf,
  wantsAutoPools,
  workloadReplicas,
} from '../ipam/allocate/index.js';
import { labels, podAnnotations, type SpiderIPPool, type TopController } from '../ipam/model/index.js';
import { apiErrorMessage, httpStatusOf } from '../kube/api-errors.js';
import type { EnsureResult } from '../kube/auto-pools.js';
import type { EventRecorder } from '../kube/events.js';
import type { CacheEvent, ResourceCache } from '../kube/watch/index.js';
import { type WorkloadCaches, type WorkloadObject, workloadAPIVersion } from '../kube/workload-caches.js';
import { WorkQueue, type WorkQueueOptions } from './work-queue.js';

export interface AutoPoolControllerDependencies {
  workloads: WorkloadCaches;
  pools: ResourceCache<SpiderIPPool & { metadata: { name: string } }>;
  /** ensureAutoPool in `exact` mode. */
  ensure(owner: AutoPoolOwner, claim: AutoPoolClaim): Promise<EnsureResult>;
  deletePool(name: string): Promise<void>;
  /** A live read, to confirm a workload is gone before its pools are deleted (caches lag a quick re-create). */
  readWorkload(kind: NativeWorkloadKind, namespace: string, name: string): Promise<WorkloadObject | undefined>;
  events: EventRecorder;
  /** Added to the replica count when the template has no ippool-ip-number (docs/adr/0010). */
  defaultRedundant: number;
  log: Logger;
  queue?: WorkQueueOptions;
}

export const applicationSubnetChanged = 'ApplicationSubnetChanged';
const controller = 'auto-pool';
const kinds = Object.keys(nativeWorkloadKinds) as NativeWorkloadKind[];

const keyOf = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

/** A ReplicaSet of a Deployment and a Job of a CronJob belong to their owner's pools. */
function handledByOwner(kind: NativeWorkloadKind, object: WorkloadObject): boolean {
  const owner = object.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!owner) return false;
  return (
    (kind === 'ReplicaSet' && owner.kind === 'Deployment' && owner.apiVersion.startsWith('apps/')) ||
    (kind === 'Job' && owner.kind === 'CronJob' && owner.apiVersion.startsWith('batch/'))
  );
}

const withKind = (kind: NativeWorkloadKind, object: WorkloadObject): WorkloadObject & { kind: string } => ({
  ...object,
  apiVersion: workloadAPIVersion(kind),
  kind,
});

/** What the pools of a workload depend on; an update that changes none of it needs no reconcile (§4.2). */
function fingerprint(kind: NativeWorkloadKind, object: WorkloadObject): string {
  const w = withKind(kind, object);
  const { annotations, hostNetwork } = podTemplateOf(w);
  const keys = [podAnnotations.subnet, podAnnotations.subnets, podAnnotations.ippoolIPNumber, podAnnotations.ippoolReclaim];
  return JSON.stringify([
    object.metadata.uid,
    object.metadata.deletionTimestamp !== undefined,
    keys.map((k) => annotations[k]),
    hostNetwork,
    workloadReplicas(w),
    handledByOwner(kind, object),
  ]);
}

export function startAutoPoolController(deps: AutoPoolControllerDependencies): { stop(): void; queue: WorkQueue } {
  const { workloads, pools, log } = deps;
  /** The last Warning per workload, so a retried failure does not repeat its Event every backoff. */
  const warned = new Map<string, string>();

  const warn = async (key: string, object: WorkloadObject, kind: NativeWorkloadKind, reason: string, message: string) => {
    log.warn({ controller, key, reason, message }, 'automatic pool not reconciled');
    if (warned.get(key) === `${reason}:${message}`) return;
    warned.set(key, `${reason}:${message}`);
    const { name, namespace, uid } = object.metadata;
    await deps.events.warn({ apiVersion: workloadAPIVersion(kind), kind, namespace, name, ...(uid ? { uid } : {}) }, reason, message);
  };

  /** Deletes the reclaimable pools of a workload that is gone or was re-created; says which still hold IPs. */
  const reclaim = async (key: string, identity: TopController, cachedUID: string | undefined): Promise<string[]> => {
    const waiting: string[] = [];
    const staleFor = (uid: string | undefined) =>
      pools
        .list()
        .filter(
          (p) =>
            isAutoPoolOf(p, identity) &&
            isReclaimed(p) &&
            !p.metadata.deletionTimestamp &&
            p.metadata.labels?.[labels.ownerApplicationUID] !== uid,
        );
    if (staleFor(cachedUID).length === 0) return waiting;
    // The Pod webhook may have made the pool of a workload this cache has not seen yet: ask the API server.
    const live = await deps.readWorkload(identity.kind as NativeWorkloadKind, identity.namespace, identity.name);
    const uid = live && !live.metadata.deletionTimestamp ? live.metadata.uid : undefined;
    for (const pool of staleFor(uid)) {
      try {
        await deps.deletePool(pool.metadata.name);
        log.info({ controller, key, pool: pool.metadata.name }, 'deleted the automatic pool of a deleted workload');
      } catch (err) {
        const status = httpStatusOf(err);
        if (status === 404) continue;
        // Refused while Pods still hold its IPs (--validate-deletion): tried again when the pool changes.
        if (status === 403 || status === 422) waiting.push(`${pool.metadata.name}: ${apiErrorMessage(err)}`);
        else throw err;
      }
    }
    return waiting;
  };

  const reconcile = async (key: string) => {
    const [kindText = '', namespace = '', name = ''] = key.split('/');
    const kind = kindText as NativeWorkloadKind;
    if (!kinds.includes(kind)) return;
    const identity: TopController = { group: nativeWorkloadKinds[kind], version: 'v1', kind, namespace, name };
    const object = workloads[kind].get(`${namespace}/${name}`);
    if (object && handledByOwner(kind, object)) return;
    const live = object && !object.metadata.deletionTimestamp ? object : undefined;
    const blocked = await reclaim(key, identity, live?.metadata.uid);
    if (!live?.metadata.uid) {
      warned.delete(key);
      if (blocked.length > 0) throw new Error(`waiting for Pods to release the IPs of ${blocked.join('; ')}`);
      return;
    }
    const workload = withKind(kind, live);
    const template = podTemplateOf(workload);
    if (template.hostNetwork || !wantsAutoPools(template.annotations)) return;
    const claims = autoPoolClaims(template.annotations, workloadReplicas(workload), deps.defaultRedundant);
    if (!claims.ok) {
      await warn(key, live, kind, 'InvalidAutoPoolAnnotation', claims.reason);
      return; // only a change of the template can fix it, and that queues the key again
    }
    const owner: AutoPoolOwner = { ...identity, uid: live.metadata.uid };
    const retry: string[] = [...blocked];
    let failed = false;
    for (const claim of claims.value) {
      const result = await deps.ensure(owner, claim);
      if ('pool' in result) {
        if (result.wrote) {
          log.info(
            { controller, key, pool: result.pool.metadata.name, ips: result.pool.spec.ips, size: claim.size },
            'automatic pool reconciled',
          );
        }
        continue;
      }
      const { code, message } = result.error;
      failed = true;
      if (code === 'subnet-changed') await warn(key, live, kind, applicationSubnetChanged, message);
      else if (code === 'pool-shrink-blocked') retry.push(message);
      else {
        await warn(key, live, kind, 'AutoPoolFailed', message);
        retry.push(message);
      }
    }
    if (retry.length > 0) throw new Error(retry.join('; '));
    if (!failed) warned.delete(key);
  };

  const queue = new WorkQueue(reconcile, {
    ...deps.queue,
    onError: (key, err, retryInMs) => log.warn({ controller, key, err, retryInMs }, 'reconcile failed; will retry'),
  });

  const offs = kinds.map((kind) =>
    workloads[kind].on((e: CacheEvent<WorkloadObject>) => {
      if (e.type === 'listed') {
        for (const o of workloads[kind].list()) if (!handledByOwner(kind, o)) queue.add(keyOf(kind, o.metadata.namespace, o.metadata.name));
        return;
      }
      if (e.type !== 'added' && e.type !== 'modified' && e.type !== 'deleted') return;
      const { namespace, name } = e.object.metadata;
      if (handledByOwner(kind, e.object) && (e.type !== 'modified' || handledByOwner(kind, e.old))) return;
      if (e.type === 'modified' && fingerprint(kind, e.old) === fingerprint(kind, e.object)) return;
      queue.add(keyOf(kind, namespace, name));
    }),
  );

  /** A change of an automatic pool may unblock its workload's shrink or reclaim. */
  const workloadOfPool = (pool: SpiderIPPool): string | undefined => {
    const l = pool.metadata.labels ?? {};
    const kind = l[labels.ownerApplicationKind] as NativeWorkloadKind | undefined;
    const namespace = l[labels.ownerApplicationNamespace];
    const name = l[labels.ownerApplicationName];
    if (!kind || !kinds.includes(kind) || !namespace || !name) return undefined;
    if (l[labels.ownerApplicationGV] !== `${nativeWorkloadKinds[kind]}_v1`) return undefined;
    return keyOf(kind, namespace, name);
  };
  offs.push(
    pools.on((e: CacheEvent<SpiderIPPool & { metadata: { name: string } }>) => {
      if (e.type === 'listed') {
        // Pools of workloads deleted while no controller ran are reclaimed from here.
        for (const p of pools.list()) {
          const key = workloadOfPool(p);
          if (key) queue.add(key);
        }
        return;
      }
      if (e.type !== 'added' && e.type !== 'modified' && e.type !== 'deleted') return;
      const key = workloadOfPool(e.object);
      if (key) queue.add(key);
    }),
  );

  return {
    queue,
    stop() {
      for (const off of offs) off();
      queue.stop();
    },
  };
}
