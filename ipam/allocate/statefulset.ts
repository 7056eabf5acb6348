// StatefulSet sticky IPs (behaviour §5). A StatefulSet Pod is keyed by "<ns>/<sts>-<ordinal>", so its record
// outlives each incarnation of the Pod; it keeps its IP while the ordinal is still wanted, and moves to another pool
// when the pools asked for no longer include the one holding its record.
import type { IPFamily } from '../ip/index.js';
import { poolFamily, poolRecords, type SpiderIPPool } from '../model/index.js';

/** The fields of an apps/v1 StatefulSet this module reads. */
export interface StatefulSetFacts {
  metadata: { name?: string };
  spec?: { replicas?: number | null; ordinals?: { start?: number | null } | null };
}

const statefulPodName = /^(.*)-([0-9]+)$/;
const maxInt32 = 2 ** 31 - 1;

/** "<sts>-<ordinal>" split as Spiderpool splits it: the last dash, an ordinal that fits an int32. */
export function parseStatefulSetPodName(podName: string): { statefulSet: string; ordinal: number } | undefined {
  const match = statefulPodName.exec(podName);
  if (!match) return undefined;
  const ordinal = Number(match[2]);
  if (!Number.isSafeInteger(ordinal) || ordinal > maxInt32) return undefined;
  return { statefulSet: match[1] ?? '', ordinal };
}

/**
 * A Pod whose ordinal its StatefulSet still wants: in [ordinals.start, ordinals.start + replicas - 1]. A missing
 * StatefulSet (undefined) means invalid, so the IP is released. A nil `replicas` is read as 1, the value the API server
 * defaults it to; a stored object never has nil.
 */
export function isValidStatefulSetPod(podName: string, statefulSet: StatefulSetFacts | undefined): boolean {
  const parsed = parseStatefulSetPodName(podName);
  if (!parsed || !statefulSet || statefulSet.metadata.name !== parsed.statefulSet) return false;
  const replicas = statefulSet.spec?.replicas ?? 1;
  const start = statefulSet.spec?.ordinals?.start ?? 0;
  return parsed.ordinal >= start && parsed.ordinal <= start + replicas - 1;
}

/** A record of the Pod in some pool. */
export interface StickyRecord {
  pool: string;
  family: IPFamily;
  ip: string;
}

/** The Pod's records in every pool, in pool order and, within a pool, in stored (ascending) order. */
export function findStickyRecords(pools: readonly SpiderIPPool[], pod: string): StickyRecord[] {
  const found: StickyRecord[] = [];
  for (const pool of pools) {
    const family = poolFamily(pool);
    const records = poolRecords(pool);
    if (!records.ok || family === undefined) continue;
    for (const [ip, record] of records.value) if (record.pod === pod) found.push({ pool: pool.metadata.name ?? '', family, ip });
  }
  return found;
}

/** One (interface, family) of the Pod and the pools it may use, before affinity filters (behaviour §5 step 1). */
export interface StickyCandidate {
  interface: string;
  family: IPFamily;
  pools: readonly string[];
}

export interface StickyPlan {
  /** Interfaces that keep their address: send their request to this pool first, where the record answers it. */
  reuse: Array<{ interface: string; family: IPFamily; pool: string; ip: string }>;
  /** Records in pools no interface asks for any more: release them, and the Pod gets new addresses elsewhere. */
  release: StickyRecord[];
}

/** Whether the pool holding a record is still among the pools asked for. */
export const storedPoolIsCandidate = (storedPool: string, candidates: readonly string[]): boolean => candidates.includes(storedPool);

/**
 * Matches the Pod's stored records to its interfaces. Records carry no interface name (Spiderpool's shape has none),
 * so each (interface, family) takes the first unclaimed record of its family in one of its candidate pools; when two
 * interfaces share a pool they take its records in ascending order, which is the order a batch hands them out.
 */
export function planStickyReuse(records: readonly StickyRecord[], candidates: readonly StickyCandidate[]): StickyPlan {
  const claimed = new Set<StickyRecord>();
  const reuse: StickyPlan['reuse'] = [];
  for (const candidate of candidates) {
    const record = records.find((r) => !claimed.has(r) && r.family === candidate.family && storedPoolIsCandidate(r.pool, candidate.pools));
    if (!record) continue;
    claimed.add(record);
    reuse.push({ interface: candidate.interface, family: candidate.family, pool: record.pool, ip: record.ip });
  }
  return { reuse, release: records.filter((r) => !claimed.has(r)) };
}
