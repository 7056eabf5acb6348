// The next step towards a workload's automatic pool of the right size (behaviour §4.4, §4.5), decided from the
// subnet and the pool as last read. The subnet's status.controlledIPPools is the source of truth, and a pool's IPs
// are always a subset of its entry there, whoever runs the steps (the Pod webhook, the controller, another
// replica). Two objects cannot be written together, so the order of writes keeps that true:
//   * growing: IPs go into the entry first (a status write guarded by the subnet's resourceVersion), then into the
//     pool (guarded by the pool's);
//   * shrinking: IPs leave the pool and, in the same pool write, are marked as releasing in an annotation of the
//     pool; then they leave the entry; then the mark goes. No pool write ever adds a marked IP, and pool writes are
//     serialised by resourceVersion, so an IP cannot re-enter the pool between the two writes of a shrink.
// Each step is decided afresh from what was read: a conflict or an AlreadyExists just means reading again.
import {
  count,
  emptySet,
  formatRangeSet,
  type IPFamily,
  type IPRangeSet,
  intersect,
  isEmpty,
  isSubset,
  lowestSubset,
  parseRangeList,
  subtract,
  union,
} from '../ip/index.js';
import { labels, parseControlledIPPools, parseRecords, podAnnotations, type SpiderIPPool, type SpiderSubnet } from '../model/index.js';
import { sameCIDR, storedAddresses } from '../rules/index.js';
import { controlledStatus } from '../status/index.js';
import { type AllocationError, allocationError } from './allocation-error.js';
import { autoPoolName, buildAutoPool, resizePoolIPs, subnetFreeIPs } from './auto-pool.js';
import { type AutoPoolClaim, type AutoPoolOwner, applicationGV, applicationKey } from './auto-pool-claims.js';
import { allocatedAddresses } from './pick.js';

/**
 * `grow`: the Pod webhook, which only needs enough IPs for the Pod it admits: it never shrinks a pool, never gives
 * IPs back to the subnet and leaves the reclaim label and size annotation to the controller. `exact`: the
 * controller, which brings the pool to exactly the claimed size and its labels up to date.
 */
export type AutoPoolMode = 'grow' | 'exact';

export interface AutoPoolState {
  subnet: SpiderSubnet;
  /** The workload's pool for this interface and family (found by findAutoPool, or by its name), if it exists. */
  pool?: SpiderIPPool;
  /** The reserved IPs of the claim's family. */
  reservedIPs?: IPRangeSet;
}

export type AutoPoolStep =
  /** Write these status fields of the subnet, guarded by the resourceVersion it was read with. */
  | { kind: 'write-subnet'; status: { controlledIPPools: string | null; allocatedIPCount: number } }
  | { kind: 'create-pool'; pool: SpiderIPPool }
  /** Write labels, annotations and spec.ips of the pool, guarded by the resourceVersion it was read with. */
  | { kind: 'update-pool'; pool: SpiderIPPool }
  | { kind: 'done'; pool: SpiderIPPool }
  | { kind: 'error'; error: AllocationError };

/**
 * IPs that have left the pool's spec.ips and are on their way out of its subnet entry (a JSON list of IP ranges).
 * Ours, not Spiderpool's: a pool without it is simply not shrinking.
 */
export const releasingIPsAnnotation = 'admission-ipam.spidernet.io/releasing-ips';

const label = (pool: SpiderIPPool, key: string): string | undefined => pool.metadata.labels?.[key];

/** Whether the pool is one of the workload's automatic pools (behaviour §4.4 step 1, without the subnet label). */
export function isAutoPoolOf(pool: SpiderIPPool, owner: Omit<AutoPoolOwner, 'uid'>, interfaceName?: string, family?: IPFamily): boolean {
  return (
    label(pool, labels.ownerApplicationGV) === applicationGV(owner) &&
    label(pool, labels.ownerApplicationKind) === owner.kind &&
    label(pool, labels.ownerApplicationNamespace) === owner.namespace &&
    label(pool, labels.ownerApplicationName) === owner.name &&
    (interfaceName === undefined || label(pool, labels.interface) === interfaceName) &&
    (family === undefined || label(pool, labels.ipVersion) === `IPv${family}`)
  );
}

/** An auto pool is deleted with its workload unless labelled `ippool-reclaim: "false"`. */
export const isReclaimed = (pool: SpiderIPPool): boolean => label(pool, labels.reclaimIPPool) !== 'false';

/**
 * The workload's pool for (interface, family): one carrying its UID, else one kept from an earlier workload of the
 * same kind/namespace/name with `ippool-reclaim: "false"` (adopted). A reclaimable pool of another UID is left over
 * from a deleted incarnation and about to be deleted; a terminating pool is never reused.
 */
export function findAutoPool(
  pools: readonly SpiderIPPool[],
  owner: AutoPoolOwner,
  interfaceName: string,
  family: IPFamily,
): SpiderIPPool | undefined {
  const mine = pools.filter(
    (p) =>
      !p.metadata.deletionTimestamp &&
      isAutoPoolOf(p, owner, interfaceName, family) &&
      (label(p, labels.ownerApplicationUID) === owner.uid || !isReclaimed(p)),
  );
  const byName = (a: SpiderIPPool, b: SpiderIPPool) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
  return mine.find((p) => label(p, labels.ownerApplicationUID) === owner.uid) ?? mine.sort(byName)[0];
}

/** The name the workload's pool has, or gets when it is created. */
export const claimedPoolName = (pool: SpiderIPPool | undefined, owner: AutoPoolOwner, claim: AutoPoolClaim): string =>
  pool?.metadata.name ?? autoPoolName(claim.family, owner.name, claim.interfaceName, owner.uid);

const sameSet = (a: IPRangeSet, b: IPRangeSet): boolean => isSubset(a, b) && isSubset(b, a);

function readSet(items: readonly string[], family: IPFamily): IPRangeSet | string {
  const parsed = parseRangeList(items, family);
  if (parsed.errors.length > 0 || !parsed.set) return parsed.errors.map((e) => e.reason).join('; ') || 'no IP family';
  return parsed.set;
}

function labelsUpToDate(pool: SpiderIPPool, owner: AutoPoolOwner, claim: AutoPoolClaim, mode: AutoPoolMode): boolean {
  if (label(pool, labels.ownerApplicationUID) !== owner.uid) return false;
  if (mode === 'grow') return true;
  return (
    label(pool, labels.reclaimIPPool) === String(claim.reclaim) &&
    pool.metadata.annotations?.[podAnnotations.ippoolIPNumber] === claim.ipNumber
  );
}

function updatedPool(
  pool: SpiderIPPool,
  owner: AutoPoolOwner,
  claim: AutoPoolClaim,
  mode: AutoPoolMode,
  ips: IPRangeSet,
  releasing: IPRangeSet,
): SpiderIPPool {
  const more: Record<string, string> = mode === 'exact' ? { [labels.reclaimIPPool]: String(claim.reclaim) } : {};
  const annotations: Record<string, string> = { ...pool.metadata.annotations };
  if (mode === 'exact') annotations[podAnnotations.ippoolIPNumber] = claim.ipNumber;
  if (isEmpty(releasing)) delete annotations[releasingIPsAnnotation];
  else annotations[releasingIPsAnnotation] = JSON.stringify(formatRangeSet(releasing));
  return {
    ...pool,
    metadata: { ...pool.metadata, labels: { ...pool.metadata.labels, [labels.ownerApplicationUID]: owner.uid, ...more }, annotations },
    spec: { ...pool.spec, ips: formatRangeSet(ips) },
  };
}

function readReleasing(pool: SpiderIPPool | undefined, family: IPFamily): IPRangeSet | string {
  const text = pool?.metadata.annotations?.[releasingIPsAnnotation];
  if (text === undefined) return emptySet(family);
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    return `annotation ${releasingIPsAnnotation} is not JSON`;
  }
  if (!Array.isArray(list) || !list.every((i) => typeof i === 'string'))
    return `annotation ${releasingIPsAnnotation} is not a list of IP ranges`;
  return readSet(list, family);
}

/**
 * The IPs the pool should have. Growing takes first what its entry already holds beyond the pool (a grow another
 * writer started), then the lowest free IPs of the subnet; shrinking drops the lowest IPs no Pod holds. The webhook
 * (`grow`) keeps a pool that is big enough as it is.
 */
function targetIPs(
  free: IPRangeSet,
  held: IPRangeSet,
  poolIPs: IPRangeSet | undefined,
  allocated: IPRangeSet,
  size: number,
  mode: AutoPoolMode,
  poolName: string,
): { ips: IPRangeSet } | { error: AllocationError } {
  const want = BigInt(size);
  if (poolIPs && want <= count(poolIPs))
    return mode === 'grow' ? { ips: poolIPs } : resizePoolIPs(free, poolIPs, allocated, size, poolName);
  const current = poolIPs ?? emptySet(held.family);
  const spare = subtract(held, current);
  const missing = want - count(current);
  const fromEntry = lowestSubset(spare, missing < count(spare) ? missing : count(spare));
  return resizePoolIPs(free, union(current, fromEntry), allocated, size, poolName);
}

/** The next step to bring the workload's pool for one claim to its size; `done` when nothing is left to write. */
export function planAutoPool(state: AutoPoolState, owner: AutoPoolOwner, claim: AutoPoolClaim, mode: AutoPoolMode): AutoPoolStep {
  const { subnet, pool } = state;
  const { family } = claim;
  const subnetName = subnet.metadata.name ?? '';
  const poolName = claimedPoolName(pool, owner, claim);
  const who = `the automatic IPv${family} pool "${poolName}" of ${owner.kind} ${owner.namespace}/${owner.name} for ${claim.interfaceName}`;
  const fail = (code: AllocationError['code'], message: string, object = poolName): AutoPoolStep => ({
    kind: 'error',
    error: allocationError(code, object, message),
  });
  if (pool?.metadata.deletionTimestamp) {
    return fail('unavailable', `${who} is terminating; a new one is made once the Pods holding its IPs are gone`);
  }
  const own = storedAddresses(subnet);
  if (!own.ok) return fail('unreadable', `SpiderSubnet "${subnetName}": its spec cannot be read: ${own.problem}`, subnetName);
  if (own.family !== family) {
    return fail(
      'bad-request',
      `SpiderSubnet "${subnetName}" is IPv${own.family} but is named for IPv${family} of ${claim.interfaceName}`,
      subnetName,
    );
  }
  if (pool) {
    const from = label(pool, labels.ownerSubnet);
    if ((from !== undefined && from !== subnetName) || !sameCIDR(pool.spec.subnet, subnet.spec.subnet)) {
      return fail(
        'subnet-changed',
        `${who} was carved from SpiderSubnet "${from ?? pool.spec.subnet}" (${pool.spec.subnet}); moving a workload to SpiderSubnet "${subnetName}" (${subnet.spec.subnet}) is not supported: name "${from ?? pool.spec.subnet}" again, or delete the workload and its pools`,
      );
    }
  }
  const controlled = parseControlledIPPools(subnet.status?.controlledIPPools);
  if (!controlled.ok) return fail('unreadable', `SpiderSubnet "${subnetName}": ${controlled.reason}`, subnetName);
  const free = subnetFreeIPs(subnet, controlled.value, state.reservedIPs);
  if ('error' in free) return { kind: 'error', error: free.error };

  const entry = controlled.value.get(poolName);
  const held = entry ? readSet(entry.ips, family) : emptySet(family);
  if (typeof held === 'string') return fail('unreadable', `SpiderSubnet "${subnetName}": status.controlledIPPools["${poolName}"]: ${held}`);
  const poolIPs = pool ? readSet(pool.spec.ips ?? [], family) : undefined;
  if (typeof poolIPs === 'string') return fail('unreadable', `${who}: spec.ips cannot be read: ${poolIPs}`);
  // IPs the pool has beyond its entry (a step interrupted by another writer) are taken back into the entry, when
  // nothing else holds them.
  const beyond = poolIPs ? subtract(poolIPs, held) : emptySet(family);
  if (!isSubset(beyond, free.ips)) {
    return fail(
      'unavailable',
      `${who} has ${formatRangeSet(subtract(beyond, free.ips)).join(', ')}, which SpiderSubnet "${subnetName}" gives to other pools or reserves`,
    );
  }
  const releasing = readReleasing(pool, family);
  if (typeof releasing === 'string') return fail('unreadable', `${who}: ${releasing}`);
  const records = parseRecords(pool?.status?.allocatedIPs, family);
  if (!records.ok) return fail('unreadable', `${who}: ${records.reason}`);
  const allocated = allocatedAddresses(records.value, family);
  const application = applicationKey(owner);
  const entries = new Map(controlled.value);
  const writeEntry = (ips: IPRangeSet): AutoPoolStep => {
    entries.set(poolName, { ips: formatRangeSet(ips), application });
    return { kind: 'write-subnet', status: controlledStatus(subnet, entries) };
  };

  // 1. (controller) A shrink in progress: the IPs marked on the pool leave the entry; the mark goes in step 4.
  if (mode === 'exact' && !isEmpty(intersect(held, releasing))) return writeEntry(subtract(held, releasing));

  // Marked IPs are not handed out again until their release is finished.
  const target = targetIPs(subtract(free.ips, releasing), subtract(held, releasing), poolIPs, allocated, claim.size, mode, poolName);
  if ('error' in target) return { kind: 'error', error: target.error };

  // 2. Growing: the entry first; it must hold every IP the pool is about to have.
  if (!entry || entry.application !== application || !isSubset(target.ips, held)) return writeEntry(union(held, target.ips));

  // 3. Then the pool. The controller marks what the entry holds beyond the pool, to give it back (step 1).
  const surplus = mode === 'exact' ? subtract(held, target.ips) : releasing;
  if (!pool) {
    const created = buildAutoPool({
      subnet,
      workload: owner,
      interfaceName: claim.interfaceName,
      family,
      ips: target.ips,
      ipNumber: claim.ipNumber,
      reclaim: claim.reclaim,
    });
    if (!isEmpty(surplus))
      created.metadata.annotations = { ...created.metadata.annotations, [releasingIPsAnnotation]: JSON.stringify(formatRangeSet(surplus)) };
    return { kind: 'create-pool', pool: created };
  }
  // 4. ... and unmarks what step 1 gave back.
  if (!poolIPs || !sameSet(poolIPs, target.ips) || !sameSet(releasing, surplus) || !labelsUpToDate(pool, owner, claim, mode)) {
    return { kind: 'update-pool', pool: updatedPool(pool, owner, claim, mode, target.ips, surplus) };
  }
  return { kind: 'done', pool };
}
