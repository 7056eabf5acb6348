// Validation of SpiderIPPool on create, update and delete (the validating webhook).
import { contains, type IPRangeSet, intersect, isEmpty, isSubset, subtract } from '../ip/index.js';
import {
  autoPoolAffinityKeys,
  keyAddress,
  kinds,
  labels,
  parseControlledIPPools,
  parseRecords,
  poolFamily,
  type SpiderIPPool,
  type SpiderSubnet,
} from '../model/index.js';
import { type AddressAnalysis, checkAddressSpec } from './address-spec.js';
import type { RulesConfig } from './config.js';
import { storedAddresses } from './existing.js';
import { formatRanges } from './format.js';
import { isEmptySelector, validateLabelSelector } from './label-selector.js';
import { immutable, terminatingUpdate } from './update-rules.js';
import { alreadyExists, forbidden, invalid, required, type Violation } from './violations.js';

export interface PoolValidationContext {
  /** Pools already stored (the pool under validation is recognised by name and skipped). */
  pools: readonly SpiderIPPool[];
  subnets: readonly SpiderSubnet[];
  config: RulesConfig;
}

/** An automatic pool is one that carries ipam.spidernet.io/owner-application-name (Spiderpool's definition, §2.8). */
export function isAutoPool(pool: SpiderIPPool): boolean {
  return pool.metadata.labels?.[labels.ownerApplicationName] !== undefined;
}

export function controllerSubnetName(pool: SpiderIPPool): string | undefined {
  return pool.metadata.ownerReferences?.find((ref) => ref.controller && ref.kind === kinds.subnet)?.name;
}

function checkOtherPools(pool: SpiderIPPool, a: AddressAnalysis, ctx: PoolValidationContext, checkSubnetOverlap: boolean): Violation[] {
  if (!a.family || !a.cidr) return [];
  const out: Violation[] = [];
  const own = storedAddresses(pool);
  if (!own.ok) return [];
  for (const other of ctx.pools) {
    if (other.metadata.name === pool.metadata.name) continue;
    if (other.spec?.ipVersion !== undefined && other.spec.ipVersion !== a.family) continue;
    const stored = storedAddresses(other);
    if (!stored.ok) {
      out.push(
        invalid(
          'spec.subnet',
          pool.spec.subnet,
          `cannot be compared with SpiderIPPool "${stored.name}", which is unreadable: ${stored.problem}`,
        ),
      );
      continue;
    }
    if (stored.family !== own.family) continue;
    if (stored.cidr !== own.cidr) {
      if (checkSubnetOverlap && !isEmpty(intersect(stored.network, own.network))) {
        out.push(
          invalid(
            'spec.subnet',
            pool.spec.subnet,
            `overlaps ${stored.cidr} of SpiderIPPool "${stored.name}"; pools of one IP version must have identical or disjoint subnets`,
          ),
        );
      }
      continue;
    }
    const shared = intersect(stored.usable, own.usable);
    if (!isEmpty(shared)) {
      out.push(
        invalid('spec.ips', pool.spec.ips, `${formatRanges(shared)} already belong to SpiderIPPool "${stored.name}" of the same subnet`),
      );
    }
  }
  return out;
}

function checkAffinity(pool: SpiderIPPool): Violation[] {
  const out: Violation[] = [];
  const { podAffinity, namespaceAffinity, nodeAffinity } = pool.spec;
  if (podAffinity) {
    if (isAutoPool(pool)) {
      const allowed = new Set<string>(Object.values(autoPoolAffinityKeys));
      const extra = Object.keys(podAffinity.matchLabels ?? {}).filter((k) => !allowed.has(k));
      if (extra.length > 0) {
        out.push(
          invalid(
            'spec.podAffinity.matchLabels',
            extra,
            `an automatic pool's podAffinity may only name its workload (${[...allowed].join(', ')})`,
          ),
        );
      }
      if ((podAffinity.matchExpressions ?? []).length > 0) {
        out.push(
          forbidden(
            'spec.podAffinity.matchExpressions',
            'an automatic pool selects Pods by its workload only; matchExpressions are not allowed',
          ),
        );
      }
    } else if (isEmptySelector(podAffinity)) {
      out.push(
        required('spec.podAffinity', 'an empty selector matches every Pod; give matchLabels or matchExpressions, or remove podAffinity'),
      );
    }
    out.push(...validateLabelSelector(podAffinity, 'spec.podAffinity'));
  }
  if (namespaceAffinity) out.push(...validateLabelSelector(namespaceAffinity, 'spec.namespaceAffinity'));
  if (nodeAffinity) out.push(...validateLabelSelector(nodeAffinity, 'spec.nodeAffinity'));
  for (const field of ['nodeName', 'namespaceName', 'multusName'] as const) {
    (pool.spec[field] ?? []).forEach((name, i) => {
      if (typeof name !== 'string' || name === '') out.push(invalid(`spec.${field}[${i}]`, name, 'must be a non-empty name'));
    });
  }
  return out;
}

/**
 * Pools owned by a SpiderSubnet stay inside its IPs; an automatic pool's IPs stay inside what the subnet handed it.
 * Spiderpool asks for equality; a subset is allowed here because the scaler resizes in two writes, the subnet's
 * record first when growing and the pool first when shrinking, so the pool is briefly smaller than its record.
 */
function checkOwnerSubnet(pool: SpiderIPPool, a: AddressAnalysis, ctx: PoolValidationContext, ipsChanged: boolean): Violation[] {
  const ownerName = controllerSubnetName(pool);
  if (!ctx.config.enableSpiderSubnet || ownerName === undefined) return [];
  const owner = ctx.subnets.find((s) => s.metadata.name === ownerName);
  if (!owner) return [invalid('metadata.ownerReferences', ownerName, `the controlling SpiderSubnet "${ownerName}" does not exist`)];
  if (!a.usable || !ipsChanged) return [];
  const stored = storedAddresses(owner);
  if (!stored.ok)
    return [invalid('metadata.ownerReferences', ownerName, `the controlling SpiderSubnet "${ownerName}" is unreadable: ${stored.problem}`)];
  if (!isSubset(a.usable, stored.usable)) {
    return [
      forbidden(
        'spec.ips',
        `${formatRanges(subtract(a.usable, stored.usable))} are not IPs of the controlling SpiderSubnet "${ownerName}"`,
      ),
    ];
  }
  if (!isAutoPool(pool)) return [];
  const controlled = parseControlledIPPools(owner.status?.controlledIPPools);
  if (!controlled.ok)
    return [invalid('metadata.ownerReferences', ownerName, `SpiderSubnet "${ownerName}" has a corrupt ${controlled.reason}`)];
  const record = controlled.value.get(pool.metadata.name ?? '');
  const recorded = checkAddressSpec({ ...pool.spec, ips: record?.ips ?? [], excludeIPs: [] }, ctx.config, { checkCanonical: false })
    .analysis.ips;
  if (!recorded || !isSubset(a.usable, recorded)) {
    return [
      forbidden(
        'spec.ips',
        `the IPs of an automatic pool are managed by the scaler; SpiderSubnet "${ownerName}" holds ${record && recorded ? formatRanges(recorded) : 'nothing'} for it`,
      ),
    ];
  }
  return [];
}

function specChecks(
  pool: SpiderIPPool,
  ctx: PoolValidationContext,
  create: boolean,
  ipsChanged: boolean,
): { a: AddressAnalysis; violations: Violation[] } {
  const { analysis: a, violations } = checkAddressSpec(pool.spec ?? { subnet: '' }, ctx.config, { checkCanonical: create });
  violations.push(...checkOtherPools(pool, a, ctx, create), ...checkAffinity(pool), ...checkOwnerSubnet(pool, a, ctx, ipsChanged));
  return { a, violations };
}

export function validateIPPoolCreate(pool: SpiderIPPool, ctx: PoolValidationContext): Violation[] {
  if (ctx.pools.some((p) => p.metadata.name === pool.metadata.name)) {
    return [alreadyExists('metadata.name', pool.metadata.name, 'a SpiderIPPool of this name exists')];
  }
  return specChecks(pool, ctx, true, true).violations;
}

function sameJSON(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function validateIPPoolUpdate(old: SpiderIPPool, pool: SpiderIPPool, ctx: PoolValidationContext): Violation[] {
  const terminating = terminatingUpdate(kinds.ipPool, old, pool);
  if (terminating) return terminating;
  const out = [
    ...immutable('spec.ipVersion', old.spec?.ipVersion, pool.spec?.ipVersion),
    ...immutable('spec.subnet', old.spec?.subnet, pool.spec?.subnet),
  ];
  const ipsChanged = !sameJSON(old.spec?.ips, pool.spec?.ips) || !sameJSON(old.spec?.excludeIPs, pool.spec?.excludeIPs);
  const { a, violations } = specChecks(pool, ctx, false, ipsChanged);
  out.push(...violations);
  out.push(...checkIPsInUse(old, a.usable));
  return out;
}

/** An address a Pod holds can neither leave spec.ips nor enter spec.excludeIPs. */
function checkIPsInUse(old: SpiderIPPool, usable: IPRangeSet | undefined): Violation[] {
  const records = parseRecords(old.status?.allocatedIPs, poolFamily(old));
  if (!records.ok) return [invalid('status.allocatedIPs', old.status?.allocatedIPs, records.reason)];
  if (!usable) return [];
  const out: Violation[] = [];
  for (const [ip, record] of records.value) {
    // Keys are canonical IPs of the pool's family once parsed: the fast key reader applies.
    const address = keyAddress(ip);
    if (address && address.family === usable.family && contains(usable, address.value)) continue;
    out.push(
      forbidden('spec.ips', `${ip} is allocated to Pod ${record.pod} and cannot be removed from spec.ips or added to spec.excludeIPs`),
    );
  }
  return out;
}

export function validateIPPoolDelete(pool: SpiderIPPool, ctx: PoolValidationContext): Violation[] {
  if (!ctx.config.validateDeletion) return [];
  const records = parseRecords(pool.status?.allocatedIPs, poolFamily(pool));
  // A status that cannot be read may still hold addresses in use, and the finalizer would keep the deleted pool
  // terminating until it is repaired: refusing now says why, where accepting would leave the pool stuck in silence.
  if (!records.ok) {
    return [
      forbidden(
        'status.allocatedIPs',
        `SpiderIPPool "${pool.metadata.name}" may still have allocated IPs, and which ones cannot be told: ${records.reason}; delete the Pods that hold its IPs, then clear status.allocatedIPs (kubectl edit --subresource=status)`,
      ),
    ];
  }
  const count = Math.max(pool.status?.allocatedIPCount ?? 0, records.value.size);
  if (count === 0) return [];
  return [
    forbidden(
      'status.allocatedIPCount',
      `SpiderIPPool "${pool.metadata.name}" still has ${count} allocated IPs; delete the Pods that hold them first`,
    ),
  ];
}
