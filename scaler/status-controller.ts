// Keeps the status of pools and subnets true to their spec (totalIPCount,
// allocatedIPCount, controlledIPPools), and lets terminating pools and subnets go
// once nothing holds their IPs. Level-based: a key is reconciled from the caches,
// whatever event queued it; every write carries the resourceVersion it was decided on.

import type { Logger } from '../admission/log.js';
import { type ControlledPool, finalizer, kinds, plurals, type SpiderIPPool, type SpiderSubnet } from '../ipam/model/index.js';
import { sameCIDR } from '../ipam/rules/index.js';
import {
  type KeepEntryWithoutPool,
  poolCounts,
  poolFinalizerRemovable,
  subnetFinalizerRemovable,
  subnetStatus,
} from '../ipam/status/index.js';
import { httpStatusOf } from '../kube/api-errors.js';
import type { CustomResourceWriter } from '../kube/custom-resources.js';
import type { CacheEvent, ResourceCache } from '../kube/watch/index.js';
import { WorkQueue } from './work-queue.js';

export interface StatusControllerDependencies {
  pools: ResourceCache<SpiderIPPool & { metadata: { name: string } }>;
  subnets: ResourceCache<SpiderSubnet & { metadata: { name: string } }>;
  writer: CustomResourceWriter;
  log: Logger;
  /**
   * Whether the workload a controlledIPPools entry was made for still exists (its pool may not exist yet: the entry
   * is written first). Without it, entries of missing pools are dropped at once.
   */
  workloadLives?: (poolName: string, entry: ControlledPool) => 'present' | 'absent' | 'unknown';
  /** How long an entry whose pool and workload both seem gone is kept, for caches that lag a just-created workload. */
  orphanGraceMs?: number;
  now?: () => number;
}

const poolKey = (name: string) => `pool/${name}`;
const subnetKey = (name: string) => `subnet/${name}`;

function sameStatusDocument(a: string | null | undefined, b: string | null): boolean {
  if (!a || !b) return (a ?? null) === b;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

export function startStatusController(deps: StatusControllerDependencies): { stop(): void; queue: WorkQueue } {
  const { pools, subnets, writer, log } = deps;
  const graceMs = deps.orphanGraceMs ?? 10_000;
  const now = deps.now ?? Date.now;
  /** When each entry (subnet/pool) was first seen without its pool and without its workload. */
  const orphanSince = new Map<string, number>();
  const timers = new Map<string, NodeJS.Timeout>();
  const keepWithoutPool = (subnet: string): KeepEntryWithoutPool | undefined => {
    const lives = deps.workloadLives;
    if (!lives) return undefined;
    return (poolName, entry) => {
      const id = `${subnet}/${poolName}`;
      const state = lives(poolName, entry);
      if (state !== 'absent') {
        orphanSince.delete(id);
        // 'unknown' (the workload caches have not listed yet, say) may turn into 'absent' with no event for this
        // subnet: look again later, or a pool deleted meanwhile would stay in controlledIPPools until a relist.
        if (state === 'unknown') lookAgain(id, subnet, graceMs);
        return true;
      }
      const since = orphanSince.get(id) ?? now();
      orphanSince.set(id, since);
      if (now() - since >= graceMs) {
        orphanSince.delete(id);
        return false;
      }
      // Look again once the grace is over, whatever else happens meanwhile.
      lookAgain(id, subnet, graceMs - (now() - since));
      return true;
    };
  };
  const lookAgain = (id: string, subnet: string, afterMs: number) => {
    if (timers.has(id)) return;
    const timer = setTimeout(() => {
      timers.delete(id);
      queue.add(subnetKey(subnet));
    }, afterMs);
    timer.unref();
    timers.set(id, timer);
  };

  const reconcilePool = async (name: string) => {
    const pool = pools.get(name);
    if (!pool?.metadata.resourceVersion) return;
    const rv = pool.metadata.resourceVersion;
    if (poolFinalizerRemovable(pool)) {
      await writer.setFinalizers(
        plurals.ipPool,
        name,
        rv,
        (pool.metadata.finalizers ?? []).filter((f) => f !== finalizer),
      );
      log.info({ key: poolKey(name) }, 'released the finalizer of a deleted pool');
      return;
    }
    const counts = poolCounts(pool);
    if (pool.status?.totalIPCount !== counts.totalIPCount || pool.status?.allocatedIPCount !== counts.allocatedIPCount) {
      await writer.patchStatus(plurals.ipPool, name, rv, { ...counts });
    }
  };

  const reconcileSubnet = async (name: string) => {
    const subnet = subnets.get(name);
    if (!subnet?.metadata.resourceVersion) return;
    const rv = subnet.metadata.resourceVersion;
    const all = pools.list();
    if (subnet.metadata.deletionTimestamp) {
      // Deleting a subnet deletes the pools it controls (their own finalizers wait for their IPs to be released).
      const owned = all.filter(
        (p) =>
          !p.metadata.deletionTimestamp &&
          p.metadata.ownerReferences?.some((r) => r.controller && r.kind === kinds.subnet && r.name === name),
      );
      for (const pool of owned) await writer.delete(plurals.ipPool, pool.metadata.name);
      if (subnetFinalizerRemovable(subnet, all)) {
        await writer.setFinalizers(
          plurals.subnet,
          name,
          rv,
          (subnet.metadata.finalizers ?? []).filter((f) => f !== finalizer),
        );
        log.info({ key: subnetKey(name) }, 'released the finalizer of a deleted subnet');
        return;
      }
    }
    const next = subnetStatus(subnet, all, keepWithoutPool(name));
    const s = subnet.status ?? {};
    if (
      s.totalIPCount !== next.totalIPCount ||
      s.allocatedIPCount !== next.allocatedIPCount ||
      !sameStatusDocument(s.controlledIPPools, next.controlledIPPools)
    ) {
      await writer.patchStatus(plurals.subnet, name, rv, { ...next });
    }
  };

  const queue = new WorkQueue(
    async (key) => {
      const [kind, name = ''] = key.split('/', 2);
      try {
        await (kind === 'pool' ? reconcilePool(name) : reconcileSubnet(name));
      } catch (err) {
        if (httpStatusOf(err) === 404) return; // gone meanwhile: nothing to keep true
        throw err;
      }
    },
    { onError: (key, err, retryInMs) => log.warn({ key, err, retryInMs }, 'reconcile failed; will retry') },
  );

  /** A pool change can change the subnet of its CIDR (controlledIPPools, counts). */
  const subnetsOfPool = (pool: SpiderIPPool) =>
    subnets
      .list()
      .filter((s) => sameCIDR(s.spec.subnet, pool.spec?.subnet ?? ''))
      .map((s) => s.metadata.name);

  const offPools = pools.on((e: CacheEvent<SpiderIPPool & { metadata: { name: string } }>) => {
    if (e.type === 'listed') {
      for (const p of pools.list()) queue.add(poolKey(p.metadata.name));
      for (const s of subnets.list()) queue.add(subnetKey(s.metadata.name));
    } else if (e.type === 'added' || e.type === 'modified' || e.type === 'deleted') {
      queue.add(poolKey(e.object.metadata.name));
      for (const s of subnetsOfPool(e.object)) queue.add(subnetKey(s));
    }
  });
  const offSubnets = subnets.on((e: CacheEvent<SpiderSubnet & { metadata: { name: string } }>) => {
    if (e.type === 'listed') for (const s of subnets.list()) queue.add(subnetKey(s.metadata.name));
    else if (e.type === 'added' || e.type === 'modified') queue.add(subnetKey(e.object.metadata.name));
  });
  // Started when this replica gains the Lease, usually long after the caches' first LIST: queue what they hold now
  // (a 'listed' event still to come queues the same keys again, and the queue keeps one of each).
  for (const p of pools.list()) queue.add(poolKey(p.metadata.name));
  for (const s of subnets.list()) queue.add(subnetKey(s.metadata.name));
  return {
    queue,
    stop() {
      offPools();
      offSubnets();
      for (const t of timers.values()) clearTimeout(t);
      queue.stop();
    },
  };
}
