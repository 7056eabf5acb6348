// Validation of SpiderSubnet on create, update and delete.
import { intersect, isEmpty, isSubset, parseRangeList, subtract } from '../ip/index.js';
import { kinds, parseControlledIPPools, type SpiderIPPool, type SpiderSubnet } from '../model/index.js';
import { type AddressAnalysis, checkAddressSpec } from './address-spec.js';
import type { RulesConfig } from './config.js';
import { storedAddresses } from './existing.js';
import { formatRanges } from './format.js';
import { immutable, terminatingUpdate } from './update-rules.js';
import { alreadyExists, forbidden, invalid, type Violation } from './violations.js';

export interface SubnetValidationContext {
  /** Subnets already stored (the subnet under validation is recognised by name and skipped). */
  subnets: readonly SpiderSubnet[];
  pools: readonly SpiderIPPool[];
  config: RulesConfig;
}

/** One subnet per network: a subnet overlaps no other subnet, and no pool of another CIDR. */
function checkNeighbours(subnet: SpiderSubnet, a: AddressAnalysis, ctx: SubnetValidationContext): Violation[] {
  if (!a.family || !a.cidr) return [];
  const own = storedAddresses(subnet);
  if (!own.ok) return [];
  const out: Violation[] = [];
  for (const other of ctx.subnets) {
    if (other.metadata.name === subnet.metadata.name) continue;
    const stored = storedAddresses(other);
    if (!stored.ok) {
      out.push(
        invalid(
          'spec.subnet',
          subnet.spec.subnet,
          `cannot be compared with SpiderSubnet "${stored.name}", which is unreadable: ${stored.problem}`,
        ),
      );
    } else if (stored.family === own.family && !isEmpty(intersect(stored.network, own.network))) {
      out.push(
        invalid(
          'spec.subnet',
          subnet.spec.subnet,
          `overlaps ${stored.cidr} of SpiderSubnet "${stored.name}"; one SpiderSubnet per network`,
        ),
      );
    }
  }
  for (const pool of ctx.pools) {
    const stored = storedAddresses(pool);
    if (!stored.ok || stored.family !== own.family) continue;
    if (stored.cidr !== own.cidr) {
      if (!isEmpty(intersect(stored.network, own.network))) {
        out.push(
          invalid('spec.subnet', subnet.spec.subnet, `overlaps ${stored.cidr} of SpiderIPPool "${stored.name}", which has another subnet`),
        );
      }
    }
  }
  return [...out, ...checkPoolsCovered(subnet, a, ctx)];
}

/**
 * Every pool of the subnet's CIDR keeps its IPs inside the subnet's: on create, and on every update, because a pool
 * is adopted by the subnet of its CIDR at its next write, whatever the subnet's IPs have become meanwhile.
 */
function checkPoolsCovered(
  subnet: SpiderSubnet,
  a: AddressAnalysis,
  ctx: SubnetValidationContext,
  skip: ReadonlySet<string> = new Set(),
): Violation[] {
  const own = storedAddresses(subnet);
  if (!own.ok || !a.usable) return [];
  const out: Violation[] = [];
  for (const pool of ctx.pools) {
    if (skip.has(pool.metadata.name ?? '')) continue;
    const stored = storedAddresses(pool);
    if (!stored.ok || stored.family !== own.family || stored.cidr !== own.cidr || isSubset(stored.usable, a.usable)) continue;
    out.push(
      invalid(
        'spec.ips',
        subnet.spec.ips,
        `SpiderIPPool "${stored.name}" of the same subnet holds ${formatRanges(subtract(stored.usable, a.usable))}, which these IPs would not cover`,
      ),
    );
  }
  return out;
}

export function validateSubnetCreate(subnet: SpiderSubnet, ctx: SubnetValidationContext): Violation[] {
  if (ctx.subnets.some((s) => s.metadata.name === subnet.metadata.name)) {
    return [alreadyExists('metadata.name', subnet.metadata.name, 'a SpiderSubnet of this name exists')];
  }
  const { analysis, violations } = checkAddressSpec(subnet.spec ?? { subnet: '' }, ctx.config, { checkCanonical: true });
  return [...violations, ...checkNeighbours(subnet, analysis, ctx)];
}

export function validateSubnetUpdate(old: SpiderSubnet, subnet: SpiderSubnet, ctx: SubnetValidationContext): Violation[] {
  const terminating = terminatingUpdate(kinds.subnet, old, subnet);
  if (terminating) return terminating;
  const out = [
    ...immutable('spec.ipVersion', old.spec?.ipVersion, subnet.spec?.ipVersion),
    ...immutable('spec.subnet', old.spec?.subnet, subnet.spec?.subnet),
  ];
  const { analysis, violations } = checkAddressSpec(subnet.spec ?? { subnet: '' }, ctx.config, { checkCanonical: false });
  // Pools in controlledIPPools are checked against what they hold; the other pools of the CIDR by their IPs.
  const recorded = parseControlledIPPools(old.status?.controlledIPPools);
  const skip = new Set(recorded.ok ? recorded.value.keys() : []);
  out.push(...violations, ...checkControlledIPs(old, analysis), ...checkPoolsCovered(subnet, analysis, ctx, skip));
  return out;
}

/** IPs the subnet has handed to pools must stay IPs of the subnet. */
function checkControlledIPs(old: SpiderSubnet, a: AddressAnalysis): Violation[] {
  const controlled = parseControlledIPPools(old.status?.controlledIPPools);
  if (!controlled.ok) return [invalid('status.controlledIPPools', old.status?.controlledIPPools, controlled.reason)];
  if (!a.usable) return [];
  const out: Violation[] = [];
  for (const [pool, entry] of controlled.value) {
    const held = parseRangeList(entry.ips, a.usable.family);
    if (!held.set) {
      out.push(
        invalid(
          'status.controlledIPPools',
          entry.ips,
          `the IPs recorded for SpiderIPPool "${pool}" are unreadable: ${held.errors[0]?.reason}`,
        ),
      );
      continue;
    }
    const lost = subtract(held.set, a.usable);
    if (!isEmpty(lost)) {
      out.push(
        forbidden(
          'spec.ips',
          `${formatRanges(lost)} are held by SpiderIPPool "${pool}" and cannot be removed from spec.ips or added to spec.excludeIPs`,
        ),
      );
    }
  }
  return out;
}

export function validateSubnetDelete(subnet: SpiderSubnet, ctx: SubnetValidationContext): Violation[] {
  if (!ctx.config.validateDeletion) return [];
  const controlled = parseControlledIPPools(subnet.status?.controlledIPPools);
  const pools = controlled.ok ? [...controlled.value.keys()] : [];
  const count = subnet.status?.allocatedIPCount ?? 0;
  if (count === 0 && pools.length === 0) return [];
  // An entry outlives its pool for a few seconds (it is written before the pool and kept while the workload's
  // caches may lag): name those apart, or the message would tell the user to delete a pool that is already gone.
  const stored = new Set(ctx.pools.map((p) => p.metadata.name));
  const existing = pools.filter((p) => stored.has(p));
  const gone = pools.filter((p) => !stored.has(p));
  const held = `SpiderSubnet "${subnet.metadata.name}" has handed ${count} IPs to pools`;
  const message =
    gone.length === 0
      ? `${held} (${existing.join(', ') || 'unknown'}); delete those pools first`
      : existing.length === 0
        ? `${held} (${gone.join(', ')}) that are already deleted; their entries leave status.controlledIPPools within seconds, try again then`
        : `${held}: delete ${existing.join(', ')} first; ${gone.join(', ')} are already deleted and their entries leave status.controlledIPPools within seconds`;
  return [forbidden('status.allocatedIPCount', message)];
}
