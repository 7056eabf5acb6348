// What a workload asks of automatic pools (behaviour §2.3, §2.4, §4.3, §4.4): one claim per (interface, family)
// named by the Pod template's `ipam.spidernet.io/subnet(s)` annotation, each with the pool size and reclaim policy.
// Also the `application` key Spiderpool writes into SpiderSubnet.status.controlledIPPools, which names the workload.
import type { IPFamily, Parsed } from '../ip/index.js';
import {
  parseIPPoolIPNumber,
  parseIPPoolReclaim,
  parseSubnetAnnotation,
  parseSubnetsAnnotation,
  podAnnotations,
  type SubnetItem,
  type TopController,
} from '../model/index.js';
import { uidSuffix } from './auto-pool.js';
import { desiredSize, ipNumberText } from './auto-pool-size.js';

/** One automatic pool a workload needs. */
export interface AutoPoolClaim {
  interfaceName: string;
  family: IPFamily;
  /** The SpiderSubnet (object name) the pool is carved from. */
  subnet: string;
  /** How many IPs the pool holds. */
  size: number;
  /** The effective `ippool-ip-number` ("+1", "5"), copied onto the pool. */
  ipNumber: string;
  reclaim: boolean;
}

/** A workload that owns automatic pools: its identity and UID (the pool name and labels are made from them). */
export type AutoPoolOwner = TopController & { uid: string };

/** Whether the template asks for automatic pools at all. */
export const wantsAutoPools = (annotations: Readonly<Record<string, string>>): boolean =>
  Object.hasOwn(annotations, podAnnotations.subnets) || Object.hasOwn(annotations, podAnnotations.subnet);

/**
 * The claims of a Pod template's annotations; `replicas` is undefined for a third-party controller, whose size must
 * then be fixed (§4.8). `subnets` wins over `subnet`. An empty list when the template names no subnet.
 */
export function autoPoolClaims(
  annotations: Readonly<Record<string, string>>,
  replicas: number | undefined,
  defaultRedundant: number,
): Parsed<AutoPoolClaim[]> {
  if (!wantsAutoPools(annotations)) return { ok: true, value: [] };
  const multiple = Object.hasOwn(annotations, podAnnotations.subnets);
  const text = annotations[multiple ? podAnnotations.subnets : podAnnotations.subnet] ?? '';
  const items: Parsed<SubnetItem[]> = multiple
    ? parseSubnetsAnnotation(text)
    : ((p) => (p.ok ? { ok: true as const, value: [p.value] } : p))(parseSubnetAnnotation(text));
  if (!items.ok) return items;
  const numberText = annotations[podAnnotations.ippoolIPNumber];
  const ipNumber = numberText === undefined ? undefined : parseIPPoolIPNumber(numberText);
  if (ipNumber && !ipNumber.ok) return ipNumber;
  const reclaim = parseIPPoolReclaim(annotations[podAnnotations.ippoolReclaim]);
  if (!reclaim.ok) return reclaim;
  const size = desiredSize(ipNumber?.value, replicas, defaultRedundant);
  if (!size.ok) return size;
  const claims: AutoPoolClaim[] = [];
  for (const item of items.value) {
    for (const family of [4, 6] as const) {
      const subnet = family === 4 ? item.ipv4 : item.ipv6;
      if (subnet === undefined) continue;
      claims.push({
        interfaceName: item.interface,
        family,
        subnet,
        size: size.value,
        ipNumber: ipNumberText(ipNumber?.value, defaultRedundant),
        reclaim: reclaim.value,
      });
    }
  }
  return { ok: true, value: claims };
}

/** The group_version label value (`apps_v1`; core: `v1`). */
export const applicationGV = (w: Pick<TopController, 'group' | 'version'>): string =>
  w.group === '' ? w.version : `${w.group}_${w.version}`;

/** `status.controlledIPPools[pool].application`: `<group>_<version>_<Kind>_<namespace>_<name>` (core: no group). */
export const applicationKey = (w: TopController): string => `${applicationGV(w)}_${w.kind}_${w.namespace}_${w.name}`;

/**
 * The workload an `application` key names. Names and namespaces are DNS labels or subdomains and a Kind is an
 * identifier, none with "_", so the last three parts are Kind, namespace and name, and what precedes them is the
 * group and version.
 */
export function parseApplicationKey(text: string): TopController | undefined {
  const parts = text.split('_');
  if (parts.length !== 4 && parts.length !== 5) return undefined;
  const [name, namespace, kind] = [parts.pop(), parts.pop(), parts.pop()];
  const version = parts.pop();
  const group = parts.pop() ?? '';
  if (!name || !namespace || !kind || !version) return undefined;
  return { group, version, kind, namespace, name };
}

/** The native kinds whose automatic pools the controller manages (§4.1); anything else is a third-party controller. */
export const nativeWorkloadKinds = {
  Deployment: 'apps',
  ReplicaSet: 'apps',
  StatefulSet: 'apps',
  DaemonSet: 'apps',
  Job: 'batch',
  CronJob: 'batch',
} as const;

export type NativeWorkloadKind = keyof typeof nativeWorkloadKinds;

export function nativeWorkloadKind(w: Pick<TopController, 'group' | 'kind'>): NativeWorkloadKind | undefined {
  const group = (nativeWorkloadKinds as Record<string, string>)[w.kind];
  return group !== undefined && group === w.group ? (w.kind as NativeWorkloadKind) : undefined;
}

/**
 * Whether the workload an entry of status.controlledIPPools was made for still exists: `present` when a workload of
 * that kind/namespace/name exists and its UID gives the suffix the pool name ends with, `absent` when it does not (it
 * was deleted, or re-created with another UID, so the pool of that name will never be made), `unknown` when it
 * cannot be told (a third-party kind, an unreadable key, a cache not synced yet). `uidOf` answers undefined for a
 * workload that does not exist and "unknown" when it cannot tell.
 */
export function entryApplication(
  poolName: string,
  application: string,
  uidOf: (workload: TopController) => string | undefined | 'unknown',
): 'present' | 'absent' | 'unknown' {
  const workload = parseApplicationKey(application);
  if (!workload || !nativeWorkloadKind(workload)) return 'unknown';
  const uid = uidOf(workload);
  if (uid === 'unknown') return 'unknown';
  if (uid === undefined) return 'absent';
  return poolName.endsWith(`-${uidSuffix(uid)}`) ? 'present' : 'absent';
}
