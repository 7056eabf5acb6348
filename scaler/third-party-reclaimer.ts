// Deletes the automatic pools of third-party controllers once their owner is gone (behaviour §4.8). The native
// kinds are the auto-pool controller's; for any other kind, the pool's labels name the owner, discovery gives its
// resource, and a watch of that resource (started the first time a pool names it) says when an owner goes. Each
// decision is confirmed by a live read, so a lagging or forbidden watch can delay a deletion, never cause one.
import type { Logger } from '../admission/log.js';
import { ownerPresent, type ThirdPartyOwner, thirdPartyOwnerOf } from '../ipam/allocate/index.js';
import type { SpiderIPPool } from '../ipam/model/index.js';
import { apiErrorMessage, httpStatusOf } from '../kube/api-errors.js';
import type { ServedResource } from '../kube/resource-discovery.js';
import type { CacheEvent, KubeObject, ResourceCache } from '../kube/watch/index.js';
import { WorkQueue, type WorkQueueOptions } from './work-queue.js';

export type OwnerWatch = Pick<ResourceCache<KubeObject>, 'start' | 'stop' | 'isSynced' | 'get' | 'on'>;

export interface ThirdPartyReclaimerDependencies {
  pools: Pick<ResourceCache<SpiderIPPool & { metadata: { name: string } }>, 'get' | 'list' | 'on'>;
  /** Discovery: where a kind is served, undefined when it is not (its CRD was removed, say). */
  locate(group: string, version: string, kind: string): Promise<ServedResource | undefined>;
  /** A LIST+WATCH of one collection across namespaces, e.g. `/apis/apps.kruise.io/v1alpha1/clonesets`; not started. */
  watchCollection(path: string): OwnerWatch;
  /** A live GET of one object; undefined when it does not exist. */
  read(path: string): Promise<KubeObject | undefined>;
  deletePool(name: string): Promise<void>;
  log: Logger;
  queue?: WorkQueueOptions;
}

const controller = 'third-party-reclaim';
/** The label that adds a ClusterRole to admission-ipam-workload-owners (deploy/base/rbac.yaml). */
export const aggregationLabel = 'admission-ipam.spidernet.io/aggregate-to-workload-owners';

export function startThirdPartyReclaimer(deps: ThirdPartyReclaimerDependencies): { stop(): Promise<void>; queue: WorkQueue } {
  const { pools, log } = deps;
  /** One watch per collection, and the listener that queues the pools of its deleted objects. */
  const watches = new Map<string, { watch: OwnerWatch; off: () => void }>();
  /** Pools whose deletion was refused while Pods hold their addresses. */
  const waiting = new Set<string>();

  const poolsOwnedBy = (match: (owner: ThirdPartyOwner) => boolean): string[] =>
    pools.list().flatMap((p) => {
      const owner = thirdPartyOwnerOf(p);
      return owner && match(owner) ? [p.metadata.name] : [];
    });

  const watchOf = (collection: string, owner: ThirdPartyOwner): OwnerWatch => {
    const known = watches.get(collection);
    if (known) return known.watch;
    const { group, kind } = owner;
    // Pools may have recorded another version of the kind than the one served: an object is the same in every version.
    const sameKind = (o: ThirdPartyOwner) => o.group === group && o.kind === kind;
    const watch = deps.watchCollection(collection);
    const off = watch.on((e: CacheEvent<KubeObject>) => {
      if (e.type === 'listed') for (const name of poolsOwnedBy(sameKind)) queue.add(name);
      if (e.type !== 'deleted') return;
      const { namespace = '', name = '' } = e.object.metadata ?? {};
      for (const pool of poolsOwnedBy((o) => sameKind(o) && o.namespace === namespace && o.name === name)) queue.add(pool);
    });
    watches.set(collection, { watch, off });
    watch.start();
    log.info({ controller, collection, kind }, 'watching the owners of automatic pools');
    return watch;
  };

  /** A live read; a refusal says what to grant, since the kinds to read are the cluster's choice (deploy/README.md). */
  const readOwner = async (path: string, served: ServedResource, owner: ThirdPartyOwner) => {
    try {
      return await deps.read(path);
    } catch (err) {
      if (httpStatusOf(err) !== 403) throw err;
      const resource = owner.group === '' ? served.plural : `${served.plural}.${owner.group}`;
      throw new Error(
        `cannot read ${owner.kind} ${owner.namespace}/${owner.name}, the owner of its pools: grant get, list and watch on ${resource} with a ClusterRole labelled ${aggregationLabel}: "true" (${apiErrorMessage(err)})`,
      );
    }
  };

  const reconcile = async (poolName: string) => {
    // Taken out at each look, put back only while the delete is still refused: no entry outlives its pool.
    const wasWaiting = waiting.delete(poolName);
    const pool = pools.get(poolName);
    const owner = pool && thirdPartyOwnerOf(pool);
    if (!owner) return;
    const served = await deps.locate(owner.group, owner.version, owner.kind);
    // A kind no longer served has no objects left: its pools go too.
    if (served) {
      const collection = `${served.prefix}/${served.plural}`;
      const watch = watchOf(collection, owner);
      const key = served.namespaced ? `${owner.namespace}/${owner.name}` : owner.name;
      if (watch.isSynced() && ownerPresent(owner, watch.get(key))) return;
      const path = served.namespaced
        ? `${served.prefix}/namespaces/${owner.namespace}/${served.plural}/${owner.name}`
        : `${collection}/${owner.name}`;
      if (ownerPresent(owner, await readOwner(path, served, owner))) return;
    }
    try {
      await deps.deletePool(poolName);
      log.info(
        { controller, pool: poolName, owner: `${owner.kind} ${owner.namespace}/${owner.name}`, uid: owner.uid },
        'deleted the automatic pool of a deleted owner',
      );
    } catch (err) {
      const status = httpStatusOf(err);
      if (status === 404) return;
      // Refused while Pods still hold its IPs (--validate-deletion): their release changes the pool, which queues it
      // again, so there is nothing to retry until then. Said once per pool, not at every attempt.
      if (status === 403 || status === 422) {
        if (!wasWaiting)
          log.info(
            { controller, pool: poolName, reason: apiErrorMessage(err) },
            'waiting for Pods to release the addresses of a deleted owner',
          );
        waiting.add(poolName);
        return;
      }
      throw new Error(`deleting ${poolName}: ${apiErrorMessage(err)}`);
    }
  };

  const queue = new WorkQueue(reconcile, {
    ...deps.queue,
    onError: (key, err, retryInMs) => log.warn({ controller, key, err, retryInMs }, 'reconcile failed; will retry'),
  });

  const offPools = pools.on((e: CacheEvent<SpiderIPPool & { metadata: { name: string } }>) => {
    if (e.type === 'listed') for (const name of poolsOwnedBy(() => true)) queue.add(name);
    else if ((e.type === 'added' || e.type === 'modified') && thirdPartyOwnerOf(e.object)) queue.add(e.object.metadata.name);
  });
  for (const name of poolsOwnedBy(() => true)) queue.add(name);

  return {
    queue,
    async stop() {
      offPools();
      queue.stop();
      await Promise.all(
        [...watches.values()].map(async ({ watch, off }) => {
          off();
          await watch.stop();
        }),
      );
      watches.clear();
    },
  };
}
