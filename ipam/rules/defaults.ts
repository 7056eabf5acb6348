// Defaulting of the three resources (the mutating webhook). Defaulting never
// refuses: what it cannot default it leaves alone, and validation explains why.
// Each function returns a modified deep copy; unknown fields are kept as they are.
import { canonicalCIDR, cidrLabelValue, formatRangeSet, type IPFamily, parseCIDR, parseIPRange, parseRangeList } from '../ip/index.js';
import {
  apiVersion,
  finalizer,
  kinds,
  labels,
  type ObjectMeta,
  type SpiderIPPool,
  type SpiderReservedIP,
  type SpiderSubnet,
} from '../model/index.js';

function copy<T>(value: T): T {
  return structuredClone(value);
}

function isTerminating(meta: ObjectMeta): boolean {
  return Boolean(meta.deletionTimestamp);
}

function addFinalizer(meta: ObjectMeta): void {
  if (!(meta.finalizers ?? []).includes(finalizer)) meta.finalizers = [...(meta.finalizers ?? []), finalizer];
}

function familyOfCIDR(text: unknown): IPFamily | undefined {
  if (typeof text !== 'string') return undefined;
  const parsed = parseCIDR(text);
  return parsed.ok ? parsed.value.family : undefined;
}

/** Sorts, de-duplicates and merges a list with more than one item; leaves a list with any bad item untouched. */
function mergedList(items: string[] | undefined, family: unknown): string[] | undefined {
  if (!items || items.length < 2 || (family !== 4 && family !== 6)) return items;
  const parsed = parseRangeList(items, family);
  return parsed.set ? formatRangeSet(parsed.set) : items;
}

function defaultAddressFields(spec: { ipVersion?: number; subnet: string; ips?: string[]; excludeIPs?: string[] }): void {
  // "10.6.0.1/16" means the network 10.6.0.0/16 (manifests written for older Spiderpool releases use this form),
  // so it is stored in canonical form; the mutating webhook tells the user with a warning.
  const cidr = typeof spec.subnet === 'string' ? parseCIDR(spec.subnet) : undefined;
  if (cidr?.ok) spec.subnet = canonicalCIDR(cidr.value);
  if (spec.ipVersion === undefined || spec.ipVersion === null) {
    const family = familyOfCIDR(spec.subnet);
    if (family !== undefined) spec.ipVersion = family;
  }
  if (spec.ips !== undefined) spec.ips = mergedList(spec.ips, spec.ipVersion);
  if (spec.excludeIPs !== undefined) spec.excludeIPs = mergedList(spec.excludeIPs, spec.ipVersion);
}

/** The label is set only for a valid CIDR of the object's own version. */
function cidrLabel(spec: { ipVersion?: number; subnet: string }): string | undefined {
  const family = familyOfCIDR(spec.subnet);
  return family !== undefined && family === spec.ipVersion ? cidrLabelValue(spec.subnet) : undefined;
}

/** Same network, whatever the spelling ("FD00::/64" and "fd00::/64"). */
export function sameCIDR(a: string, b: string): boolean {
  const pa = parseCIDR(a);
  const pb = parseCIDR(b);
  return pa.ok && pb.ok && canonicalCIDR(pa.value) === canonicalCIDR(pb.value);
}

export interface PoolDefaultingContext {
  subnets: readonly SpiderSubnet[];
  enableSpiderSubnet: boolean;
}

export function defaultIPPool(input: SpiderIPPool, ctx: PoolDefaultingContext): SpiderIPPool {
  if (isTerminating(input.metadata)) return input;
  const pool = copy(input);
  pool.spec ??= { subnet: '' };
  addFinalizer(pool.metadata);
  defaultAddressFields(pool.spec);
  const label = cidrLabel(pool.spec);
  if (label) pool.metadata.labels = { ...pool.metadata.labels, [labels.ipPoolCIDR]: label };
  if (ctx.enableSpiderSubnet && label) adoptBySubnet(pool, ctx.subnets);
  return pool;
}

/**
 * A pool with the CIDR of a SpiderSubnet belongs to it: a controller ownerReference and a label, and it inherits
 * the subnet's gateway (when unset) and routes (only when the field is absent: an explicit [] means "none").
 */
function adoptBySubnet(pool: SpiderIPPool, subnets: readonly SpiderSubnet[]): void {
  const subnet = subnets.find((s) => !isTerminating(s.metadata) && sameCIDR(s.spec.subnet, pool.spec.subnet));
  if (!subnet?.metadata.name || !subnet.metadata.uid) return;
  const others = (pool.metadata.ownerReferences ?? []).filter((ref) => !ref.controller);
  const hasOtherController = (pool.metadata.ownerReferences ?? []).some(
    (ref) => ref.controller && !(ref.kind === kinds.subnet && ref.name === subnet.metadata.name),
  );
  if (hasOtherController) return; // an object has at most one controller; never steal it
  pool.metadata.ownerReferences = [
    ...others,
    { apiVersion, kind: kinds.subnet, name: subnet.metadata.name, uid: subnet.metadata.uid, controller: true, blockOwnerDeletion: true },
  ];
  pool.metadata.labels = { ...pool.metadata.labels, [labels.ownerSubnet]: subnet.metadata.name };
  if (!pool.spec.gateway && subnet.spec.gateway) pool.spec.gateway = subnet.spec.gateway;
  if (pool.spec.routes === undefined && subnet.spec.routes !== undefined) pool.spec.routes = copy(subnet.spec.routes);
}

export function defaultSubnet(input: SpiderSubnet): SpiderSubnet {
  if (isTerminating(input.metadata)) return input;
  const subnet = copy(input);
  subnet.spec ??= { subnet: '' };
  addFinalizer(subnet.metadata);
  defaultAddressFields(subnet.spec);
  const label = cidrLabel(subnet.spec);
  if (label) subnet.metadata.labels = { ...subnet.metadata.labels, [labels.subnetCIDR]: label };
  return subnet;
}

export function defaultReservedIP(input: SpiderReservedIP): SpiderReservedIP {
  if (isTerminating(input.metadata) || !input.spec?.ips?.length) return input;
  const reserved = copy(input);
  if (reserved.spec.ipVersion === undefined || reserved.spec.ipVersion === null) {
    const first = parseIPRange(String(reserved.spec.ips?.[0] ?? ''));
    if (first.ok) reserved.spec.ipVersion = first.value.family;
  }
  reserved.spec.ips = mergedList(reserved.spec.ips, reserved.spec.ipVersion);
  return reserved;
}
