// The candidate pools of one (interface, family): expand wildcards (§3.3), pre-check the names (§3.5), filter
// (§3.6) and order (§3.7). Pure: the pools and nodes are a snapshot handed in by the caller.
import type { IPFamily } from '../ip/index.js';
import type { PodFacts, SpiderIPPool } from '../model/index.js';
import { type FilterContext, filterPools, type NodeFacts, type SelectOptions } from './filters.js';
import { type NodeSelector, nodeRequirementOf } from './node-affinity.js';
import { orderPools } from './order.js';
import { expandPoolNames } from './wildcards.js';

export interface CandidateRequest {
  interface: string;
  family: IPFamily;
  /** Pool names or globs, in the user's order, from the winning source (sources.ts). */
  names: readonly string[];
}

export interface Candidate {
  pool: SpiderIPPool;
  /**
   * Set when the Pod's node is not known yet and the pool is tied to nodes: the Pod must be given this required
   * node affinity (mergeRequiredNodeAffinity) if it takes an IP from this pool.
   */
  nodeRequirement?: NodeSelector;
}

export type CandidateResult = { ok: true; pools: Candidate[] } | { ok: false; reason: string };

export function candidatePools(
  request: CandidateRequest,
  facts: PodFacts,
  pools: readonly SpiderIPPool[],
  nodes: readonly NodeFacts[],
  options: SelectOptions,
): CandidateResult {
  const { family, interface: nic } = request;
  if (request.names.length === 0) return { ok: false, reason: `no IPPool available, no IPv${family} pool is named for ${nic}` };
  const expanded = expandPoolNames(request.names, pools, { family, interface: nic });
  if (!expanded.ok) return expanded;
  if (expanded.names.length === 0) {
    // Only globs can expand to nothing (a literal that names no pool was refused above).
    return { ok: false, reason: `no IPPool available, [${request.names.join(' ')}] match no IPv${family} pool of ${nic}` };
  }

  const byName = new Map(pools.map((p) => [p.metadata.name ?? '', p]));
  const named = expanded.names.map((name) => byName.get(name) as SpiderIPPool);
  const ctx: FilterContext = { facts, interfaceName: nic, family, nodes, options };
  const { kept, excluded } = filterPools(named, ctx);
  if (kept.length === 0) {
    const reasons = excluded.map((e) => `${e.pool.metadata.name}: ${e.reason}`).join('; ');
    return {
      ok: false,
      reason: `no IPPool available, all IPv${family} IPPools [${expanded.names.join(' ')}] of ${nic} filtered out: ${reasons}`,
    };
  }

  // With the node known, the node filter already checked it exactly, as Spiderpool does; nothing to pin.
  const nodeKnown = Boolean(facts.nodeName);
  const candidates = kept.map((pool): Candidate => {
    const nodeRequirement = nodeKnown ? undefined : nodeRequirementOf(pool);
    return nodeRequirement ? { pool, nodeRequirement } : { pool };
  });
  return { ok: true, pools: orderPools(candidates, (c) => c.pool) };
}
