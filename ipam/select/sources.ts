// Where each interface's pool names come from (behaviour §3.2, vectors §3.1): the first source in Spiderpool's
// precedence that yields anything wins, and its families are never mixed with another source's. Names and globs
// stay as written; expanding globs, the pre-check, filtering and ordering happen later (candidates.ts).
//
// Spiderpool decides once per CNI ADD, i.e. per interface; here every interface that uses our IPAM is decided in
// one call. The Pod-annotation sources (subnets/subnet, ippools, ippool) win by their mere presence and then
// cover every interface: an interface they do not cover is an error, never a fall-through to a lower source.
// That is Spiderpool's "interface X must be specified" for named ippools (§2.2), and the same rule is applied to
// unnamed ippools (too few items) and to subnet/subnets (§13.11, where Spiderpool fails later and less clearly).
// Items for interfaces that do not use our IPAM are ignored: Spiderpool would reserve IPs for them that no
// interface ever uses. Namespace defaults apply to every interface; below them the choice is per interface:
// its CNI config defaults, else the cluster default pools.
import type { Parsed } from '../ip/index.js';
import { parseCIDR } from '../ip/index.js';
import {
  type IPPoolsAnnotation,
  type PodFacts,
  type PodInterface,
  type PoolNames,
  type PoolRequest,
  type PoolSource,
  parseIPPoolAnnotation,
  parseIPPoolIPNumber,
  parseIPPoolReclaim,
  parseIPPoolsAnnotation,
  parseNamespaceDefaultPools,
  parseSubnetAnnotation,
  parseSubnetsAnnotation,
  podAnnotations,
  type SpiderIPPool,
  type SubnetItem,
} from '../model/index.js';

export interface SourceOptions {
  /** Spiderpool's enableSpiderSubnet: without it the subnet annotations are ignored. */
  enableSpiderSubnet: boolean;
  /** Spiderpool's enableAutoPoolForApplication: with SpiderSubnet on but this off, subnet annotations are an error. */
  enableAutoPools: boolean;
}

export type PoolRequests = { ok: true; requests: PoolRequest[] } | { ok: false; reason: string };

export const noPoolSelectionRule = 'no IPPool available, no pool selection rules of any type are specified';

const wrongInput = (key: string, rule: string) => `wrong input, invalid format of Pod annotation '${key}': ${rule}`;

function request(nic: PodInterface, source: PoolSource, cleanGateway: boolean, pools: PoolNames): PoolRequest {
  const r: PoolRequest = { interface: nic.name, source, cleanGateway };
  if (pools.ipv4.length > 0) r.ipv4 = [...pools.ipv4];
  if (pools.ipv6.length > 0) r.ipv6 = [...pools.ipv6];
  return r;
}

/** Applies `pick` to every interface; the first failure fails the whole Pod, since every interface must get its IPs. */
function forEachInterface(facts: PodFacts, pick: (nic: PodInterface) => Parsed<PoolRequest>): PoolRequests {
  const requests: PoolRequest[] = [];
  for (const nic of facts.interfaces) {
    const r = pick(nic);
    if (!r.ok) return r;
    requests.push(r.value);
  }
  return { ok: true, requests };
}

const hasAnnotation = (facts: PodFacts, key: string) => Object.hasOwn(facts.annotations, key);
const listed = (names: string[]) => (names.length > 0 ? names.join(', ') : 'none');

function fromSubnets(facts: PodFacts, options: SourceOptions): PoolRequests {
  if (!options.enableAutoPools) {
    return {
      ok: false,
      reason: `it's invalid to use '${podAnnotations.subnets}' or '${podAnnotations.subnet}' annotation when Auto-Pool feature is disabled`,
    };
  }
  const multiple = hasAnnotation(facts, podAnnotations.subnets);
  const key = multiple ? podAnnotations.subnets : podAnnotations.subnet;
  const value = facts.annotations[key] ?? '';
  const parsed: Parsed<SubnetItem[]> = multiple ? parseSubnetsAnnotation(value) : wrap(parseSubnetAnnotation(value));
  if (!parsed.ok) return parsed;
  // Spiderpool reads the sizing annotations together with the subnet ones and fails the allocation on a bad value.
  const number = facts.annotations[podAnnotations.ippoolIPNumber];
  if (number !== undefined) {
    const n = parseIPPoolIPNumber(number);
    if (!n.ok) return n;
  }
  const reclaim = parseIPPoolReclaim(facts.annotations[podAnnotations.ippoolReclaim]);
  if (!reclaim.ok) return reclaim;
  // An automatic pool belongs to a workload; a bare Pod has none to size it by or to be reclaimed with.
  if (facts.topController.kind === 'Pod') return { ok: false, reason: "SpiderSubnet feature doesn't support no-controller pod" };
  const items = parsed.value;
  return forEachInterface(facts, (nic) => {
    const item = items.find((i) => i.interface === nic.name);
    if (!item) {
      const rule = multiple
        ? `interface ${nic.name} must be specified (the annotation names ${listed(items.map((i) => i.interface))})`
        : `it serves interface ${items[0]?.interface} (its "interface", default eth0), but ${nic.name} uses this IPAM too; name every interface in '${podAnnotations.subnets}'`;
      return { ok: false, reason: wrongInput(key, rule) };
    }
    const pools = { ipv4: item.ipv4 ? [item.ipv4] : [], ipv6: item.ipv6 ? [item.ipv6] : [] };
    return { ok: true, value: request(nic, 'subnet', nic.ipam.cleanGateway, pools) };
  });
}

const wrap = (p: Parsed<SubnetItem>): Parsed<SubnetItem[]> => (p.ok ? { ok: true, value: [p.value] } : p);

function fromIPPools(facts: PodFacts, annotation: IPPoolsAnnotation): PoolRequests {
  const key = podAnnotations.ippools;
  const { named, items } = annotation;
  return forEachInterface(facts, (nic) => {
    // Unnamed items match by position: item 0 is the first interface, item i the i-th entry of Multus' networks.
    const item = named ? items.find((i) => i.interface === nic.name) : items[nic.index];
    if (!item) {
      const rule = named
        ? `interface ${nic.name} must be specified (the annotation names ${listed(items.map((i) => i.interface))})`
        : `interface ${nic.name} is at position ${nic.index}, but the annotation has ${items.length} unnamed item(s), matched by position`;
      return { ok: false, reason: wrongInput(key, rule) };
    }
    if (item.ipv4.length === 0 && item.ipv6.length === 0) {
      return {
        ok: false,
        reason: wrongInput(key, `the item for interface ${nic.name} names no pool: list at least one in "ipv4" or "ipv6"`),
      };
    }
    return { ok: true, value: request(nic, 'ippools', item.cleanGateway, item) };
  });
}

function familyOf(pool: SpiderIPPool): 4 | 6 | undefined {
  if (pool.spec.ipVersion === 4 || pool.spec.ipVersion === 6) return pool.spec.ipVersion;
  // The defaulting webhook sets ipVersion from the subnet; a pool written before it ran still has the subnet.
  const cidr = typeof pool.spec.subnet === 'string' ? parseCIDR(pool.spec.subnet) : undefined;
  return cidr?.ok ? cidr.value.family : undefined;
}

function clusterDefaults(pools: SpiderIPPool[]): PoolNames {
  const names: PoolNames = { ipv4: [], ipv6: [] };
  for (const pool of pools) {
    const name = pool.metadata?.name;
    if (pool.spec?.default !== true || !name) continue;
    const family = familyOf(pool);
    if (family === 4) names.ipv4.push(name);
    else if (family === 6) names.ipv6.push(name);
  }
  return names;
}

const isEmpty = (p: PoolNames) => p.ipv4.length === 0 && p.ipv6.length === 0;

/**
 * The pool names per family of every interface in `facts.interfaces` (those that use our IPAM), from the first
 * source of Spiderpool's precedence: subnets/subnet, ippools, ippool, Namespace defaults, the interface's CNI
 * config defaults, the pools with `spec.default: true`. Errors name the annotation and the rule; the caller adds
 * the Pod's identity.
 */
export function poolRequests(facts: PodFacts, pools: SpiderIPPool[], options: SourceOptions): PoolRequests {
  if (facts.interfaces.length === 0) return { ok: true, requests: [] };
  if (options.enableSpiderSubnet && (hasAnnotation(facts, podAnnotations.subnets) || hasAnnotation(facts, podAnnotations.subnet))) {
    return fromSubnets(facts, options);
  }
  if (hasAnnotation(facts, podAnnotations.ippools)) {
    const parsed = parseIPPoolsAnnotation(facts.annotations[podAnnotations.ippools] ?? '');
    return parsed.ok ? fromIPPools(facts, parsed.value) : parsed;
  }
  if (hasAnnotation(facts, podAnnotations.ippool)) {
    const parsed = parseIPPoolAnnotation(facts.annotations[podAnnotations.ippool] ?? '');
    if (!parsed.ok) return parsed;
    return forEachInterface(facts, (nic) => ({ ok: true, value: request(nic, 'ippool', nic.ipam.cleanGateway, parsed.value) }));
  }
  const namespaceDefaults = parseNamespaceDefaultPools(facts.namespaceAnnotations);
  if (!namespaceDefaults.ok) return namespaceDefaults;
  if (!isEmpty(namespaceDefaults.value)) {
    const names = namespaceDefaults.value;
    return forEachInterface(facts, (nic) => ({ ok: true, value: request(nic, 'namespace', nic.ipam.cleanGateway, names) }));
  }
  const defaults = clusterDefaults(pools);
  return forEachInterface(facts, (nic) => {
    const fromConfig = { ipv4: nic.ipam.defaultIPv4Pools, ipv6: nic.ipam.defaultIPv6Pools };
    if (!isEmpty(fromConfig)) return { ok: true, value: request(nic, 'cni-config', nic.ipam.cleanGateway, fromConfig) };
    if (!isEmpty(defaults)) return { ok: true, value: request(nic, 'cluster-default', nic.ipam.cleanGateway, defaults) };
    return { ok: false, reason: `${noPoolSelectionRule} for interface ${nic.name}` };
  });
}
