// What the status of a pool or subnet should say, computed from its spec and the
// pools it controls. The controllers only compare and write.
import { count, formatRangeSet, intersect, isEmpty } from '../ip/index.js';
import {
  type ControlledPool,
  finalizer,
  kinds,
  parseControlledIPPools,
  poolRecords,
  type SpiderIPPool,
  type SpiderSubnet,
} from '../model/index.js';
import { storedAddresses } from '../rules/index.js';

/**
 * Counts are int64 in the API but numbers in JSON; past 2^53 a JavaScript number is not exact, so huge IPv6
 * ranges are reported as Number.MAX_SAFE_INTEGER (Spiderpool caps at MaxInt64 for the same reason).
 */
export function cappedCount(n: bigint): number {
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

export interface PoolCounts {
  totalIPCount: number;
  allocatedIPCount: number;
}

/** Total = ips − excludeIPs (reserved IPs are not subtracted); allocated = records in status.allocatedIPs. */
export function poolCounts(pool: SpiderIPPool): PoolCounts {
  const stored = storedAddresses(pool);
  const records = poolRecords(pool);
  return {
    totalIPCount: stored.ok ? cappedCount(count(stored.usable)) : (pool.status?.totalIPCount ?? 0),
    allocatedIPCount: records.ok ? records.value.size : (pool.status?.allocatedIPCount ?? 0),
  };
}

export interface SubnetStatusFields {
  /** JSON text, or null when no pool is controlled. */
  controlledIPPools: string | null;
  totalIPCount: number;
  allocatedIPCount: number;
}

function ownedBySubnet(pool: SpiderIPPool, subnet: SpiderSubnet): boolean {
  return (pool.metadata.ownerReferences ?? []).some((r) => r.controller && r.kind === kinds.subnet && r.name === subnet.metadata.name);
}

/**
 * Whether an automatic pool's entry whose pool does not exist stays: true while its pool is being made (the entry is
 * written before the pool, and the workload is still there), false once the workload is gone.
 */
export type KeepEntryWithoutPool = (poolName: string, entry: ControlledPool) => boolean;

/**
 * The subnet's record of which of its IPs each pool holds. Entries of automatic pools (with `application`) are
 * written by the scaler and kept as they are while the pool exists, or while `keepWithoutPool` says its pool is
 * being made (never for a terminating subnet, which makes no more pools); manual pools the subnet owns are recorded
 * as the intersection of their usable IPs with the subnet's.
 */
export function subnetStatus(
  subnet: SpiderSubnet,
  pools: readonly SpiderIPPool[],
  keepWithoutPool: KeepEntryWithoutPool = () => false,
): SubnetStatusFields {
  const own = storedAddresses(subnet);
  const previous = parseControlledIPPools(subnet.status?.controlledIPPools);
  const entries = new Map<string, ControlledPool>();
  const existing = new Set(pools.map((p) => p.metadata.name));
  const terminating = subnet.metadata.deletionTimestamp !== undefined;
  if (previous.ok) {
    for (const [name, entry] of previous.value) {
      if (entry.application === undefined) continue;
      if (existing.has(name) || (!terminating && keepWithoutPool(name, entry))) entries.set(name, entry);
    }
  }
  if (own.ok) {
    for (const pool of pools) {
      const name = pool.metadata.name ?? '';
      if (entries.has(name) || !ownedBySubnet(pool, subnet)) continue;
      const stored = storedAddresses(pool);
      if (!stored.ok || stored.family !== own.family) continue;
      const held = intersect(stored.usable, own.usable);
      entries.set(name, { ips: isEmpty(held) ? [] : formatRangeSet(held) });
    }
  }
  return {
    ...controlledStatus(subnet, entries),
    totalIPCount: own.ok ? cappedCount(count(own.usable)) : (subnet.status?.totalIPCount ?? 0),
  };
}

/** status.controlledIPPools as stored (sorted by pool name; null when empty) and the count of IPs the entries hold. */
export function controlledStatus(
  subnet: SpiderSubnet,
  entries: ReadonlyMap<string, ControlledPool>,
): { controlledIPPools: string | null; allocatedIPCount: number } {
  let allocated = 0n;
  for (const entry of entries.values()) {
    const stored = storedAddresses({ metadata: {}, spec: { ...subnet.spec, ips: entry.ips, excludeIPs: [] } });
    if (stored.ok) allocated += count(stored.usable);
  }
  const sorted = [...entries.entries()].sort(([a], [b]) => a.localeCompare(b));
  return {
    controlledIPPools: sorted.length === 0 ? null : JSON.stringify(Object.fromEntries(sorted)),
    allocatedIPCount: cappedCount(allocated),
  };
}

/** A terminating pool keeps its finalizer until its last address is released. */
export function poolFinalizerRemovable(pool: SpiderIPPool): boolean {
  if (!pool.metadata.deletionTimestamp || !(pool.metadata.finalizers ?? []).includes(finalizer)) return false;
  const records = poolRecords(pool);
  return records.ok && records.value.size === 0;
}

/** A terminating subnet keeps its finalizer until no pool holds its IPs. */
export function subnetFinalizerRemovable(subnet: SpiderSubnet, pools: readonly SpiderIPPool[]): boolean {
  if (!subnet.metadata.deletionTimestamp || !(subnet.metadata.finalizers ?? []).includes(finalizer)) return false;
  return subnetStatus(subnet, pools).controlledIPPools === null;
}
