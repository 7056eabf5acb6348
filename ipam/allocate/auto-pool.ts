// Automatic pools carved out of a SpiderSubnet for one (workload, interface, family) (behaviour §4.4-§4.6): the name,
// which of the subnet's IPs to take or give back, and the pool object itself. The scaler does the I/O.
import {
  cidrLabelValue,
  count,
  emptySet,
  formatRangeSet,
  type IPFamily,
  type IPRangeSet,
  intersect,
  isSubset,
  lowestSubset,
  parseRangeList,
  subtract,
  union,
} from '../ip/index.js';
import {
  apiVersion,
  autoPoolAffinityKeys,
  type ControlledPool,
  finalizer,
  kinds,
  type LabelSelector,
  labels,
  podAnnotations,
  type SpiderIPPool,
  type SpiderSubnet,
  type TopController,
} from '../model/index.js';
import { storedAddresses } from '../rules/index.js';
import { type AllocationError, allocationError, shrinkBlockedSubstring } from './allocation-error.js';
import { freeAddresses } from './pick.js';

const maxObjectNameLength = 253;
const uidSuffixLength = 5;

/** Dots may not touch another dot or a dash in a DNS subdomain, nor end it; anything but [a-z0-9.-] is replaced. */
const dnsSubdomain = (name: string): string => name.replace(/[^a-z0-9.-]/g, '-').replace(/\.(?=[.-]|$)|(?<=[.-])\./g, '-');

/** The part of a workload UID an auto pool's name ends with: the first 5 characters of its last dash-separated part. */
export const uidSuffix = (uid: string): string => (uid.split('-').pop() ?? '').slice(0, uidSuffixLength).toLowerCase();

/**
 * `auto<v>-<workload>-<interface>-<uid5>`, lower case (behaviour §4.5), e.g. `auto4-test-app-1-eth0-a5bd3`. The
 * workload name is cut so the whole stays within 253 characters; Spiderpool budgets one character too few and can
 * reach 254, which the API server refuses.
 */
export function autoPoolName(family: IPFamily, workloadName: string, interfaceName: string, workloadUID: string): string {
  const suffix = uidSuffix(workloadUID);
  if (!/^[a-z0-9]+$/.test(suffix)) throw new TypeError(`workload UID "${workloadUID}" gives no name suffix for an automatic pool`);
  const fixed = `auto${family}-`.length + 2 + suffix.length;
  const iface = interfaceName.toLowerCase().slice(0, maxObjectNameLength - fixed - 1);
  const name = workloadName.toLowerCase().slice(0, Math.max(1, maxObjectNameLength - fixed - iface.length));
  return dnsSubdomain(`auto${family}-${name}-${iface}-${suffix}`);
}

/** The five matchLabels naming the workload (behaviour §4.6); matching compares them with the Pod's top controller. */
export function autoPoolPodAffinity(workload: TopController): LabelSelector {
  return {
    matchLabels: {
      [autoPoolAffinityKeys.apiGroup]: workload.group,
      [autoPoolAffinityKeys.apiVersion]: workload.version,
      [autoPoolAffinityKeys.kind]: workload.kind,
      [autoPoolAffinityKeys.namespace]: workload.namespace,
      [autoPoolAffinityKeys.name]: workload.name,
    },
  };
}

/**
 * The subnet's IPs no pool holds: (ips − excludeIPs) − every entry of status.controlledIPPools (auto and manual pools)
 * − the reserved IPs of its family. An entry that cannot be read fails the whole computation: handing out IPs a pool
 * may hold would give one address two owners.
 */
export function subnetFreeIPs(
  subnet: SpiderSubnet,
  controlledIPPools: ReadonlyMap<string, ControlledPool>,
  reservedIPs: IPRangeSet | undefined,
): { ips: IPRangeSet } | { error: AllocationError } {
  const name = subnet.metadata.name ?? '';
  // Spiderpool answers NotFound here: a terminating subnet hands out nothing.
  if (subnet.metadata.deletionTimestamp)
    return { error: allocationError('unavailable', name, `subnet "${name}" is terminating and gives no IPs to pools`) };
  const stored = storedAddresses(subnet);
  if (!stored.ok) return { error: allocationError('unreadable', name, `subnet "${name}": its spec cannot be read: ${stored.problem}`) };
  let held = emptySet(stored.family);
  for (const [pool, entry] of controlledIPPools) {
    const parsed = parseRangeList(entry.ips, stored.family);
    if (!parsed.set && parsed.errors.length > 0) {
      const reasons = parsed.errors.map((e) => e.reason).join('; ');
      return {
        error: allocationError('unreadable', name, `subnet "${name}": status.controlledIPPools["${pool}"].ips cannot be read: ${reasons}`),
      };
    }
    if (parsed.set) held = union(held, parsed.set);
  }
  return { ips: freeAddresses(stored.usable, held, reservedIPs) };
}

/**
 * The pool's IPs at the desired size (behaviour §4.5). Growing takes the lowest free IPs of the subnet; shrinking
 * gives back the lowest IPs no Pod holds, and is refused when too few are unallocated (the scaler retries later).
 */
export function resizePoolIPs(
  subnetFree: IPRangeSet,
  current: IPRangeSet,
  allocated: IPRangeSet,
  desired: number,
  poolName = '',
): { ips: IPRangeSet } | { error: AllocationError } {
  if (!Number.isSafeInteger(desired) || desired < 0) {
    return { error: allocationError('bad-request', poolName, `pool "${poolName}": desired size ${desired} is not a whole number ≥ 0`) };
  }
  const have = count(current);
  const want = BigInt(desired);
  if (want === have) return { ips: current };
  if (want > have) {
    // Free IPs of the subnet never include the pool's own (they are in controlledIPPools); subtract anyway, so a
    // stale subnet status cannot make us count an IP twice.
    const free = subtract(subnetFree, current);
    const missing = want - have;
    if (count(free) < missing) {
      return {
        error: allocationError(
          'insufficient-subnet-ips',
          poolName,
          `pool "${poolName}": insufficient subnet FreeIPs: ${missing} more wanted, ${count(free)} free in the subnet`,
        ),
      };
    }
    return { ips: union(current, lowestSubset(free, missing)) };
  }
  const unallocated = subtract(current, allocated);
  const surplus = have - want;
  if (count(unallocated) < surplus) {
    const message = `pool "${poolName}": ${shrinkBlockedSubstring} to shrink from ${have} to ${desired} IPs (${count(unallocated)} unallocated); waiting for Pods to release addresses`;
    return { error: allocationError('pool-shrink-blocked', poolName, message) };
  }
  const ips = subtract(current, lowestSubset(unallocated, surplus));
  // Never drop an address a Pod holds: the check above makes this hold, the assertion keeps it true under change.
  if (!isSubset(intersect(allocated, current), ips)) throw new Error('resize dropped an allocated IP');
  return { ips };
}

export interface AutoPoolFacts {
  subnet: SpiderSubnet;
  workload: TopController & { uid: string };
  interfaceName: string;
  family: IPFamily;
  ips: IPRangeSet;
  /** The effective `ippool-ip-number` ("+1", "5"), copied onto the pool. */
  ipNumber: string;
  reclaim: boolean;
}

/** The automatic pool object (behaviour §4.5 "Pool spec", §2.8 labels): what the scaler creates or updates to. */
export function buildAutoPool(facts: AutoPoolFacts): SpiderIPPool {
  const { subnet, workload, interfaceName, family } = facts;
  const subnetName = subnet.metadata.name ?? '';
  return {
    apiVersion,
    kind: kinds.ipPool,
    metadata: {
      name: autoPoolName(family, workload.name, interfaceName, workload.uid),
      labels: {
        [labels.ipPoolCIDR]: cidrLabelValue(subnet.spec.subnet),
        [labels.ownerSubnet]: subnetName,
        [labels.ownerApplicationGV]: workload.group === '' ? workload.version : `${workload.group}_${workload.version}`,
        [labels.ownerApplicationKind]: workload.kind,
        [labels.ownerApplicationNamespace]: workload.namespace,
        [labels.ownerApplicationName]: workload.name,
        [labels.ownerApplicationUID]: workload.uid,
        [labels.interface]: interfaceName,
        [labels.ipVersion]: `IPv${family}`,
        [labels.reclaimIPPool]: String(facts.reclaim),
      },
      annotations: { [podAnnotations.ippoolIPNumber]: facts.ipNumber },
      ownerReferences: [
        { apiVersion, kind: kinds.subnet, name: subnetName, uid: subnet.metadata.uid ?? '', controller: true, blockOwnerDeletion: true },
      ],
      finalizers: [finalizer],
    },
    spec: {
      ipVersion: family,
      subnet: subnet.spec.subnet,
      ips: formatRangeSet(facts.ips),
      ...(subnet.spec.gateway !== undefined ? { gateway: subnet.spec.gateway } : {}),
      ...(subnet.spec.routes !== undefined ? { routes: subnet.spec.routes } : {}),
      podAffinity: autoPoolPodAffinity(workload),
    },
  };
}
