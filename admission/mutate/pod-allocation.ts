// Allocation for one Pod: for each of its interfaces and each family the winning
// source names, try the candidate pools in order until one reserves an address.
// Any (interface, family) that gets nothing fails the whole Pod, and what this
// admission reserved is given back: a refused Pod holds no address.

import { findStickyRecords, type ReservationRequest, type ReservationResult } from '../../ipam/allocate/index.js';
import type { IPFamily } from '../../ipam/ip/index.js';
import { labels, type PodFacts, type PoolRequest, type SpiderIPPool } from '../../ipam/model/index.js';
import { type Candidate, candidatePools, type NodeFacts, type NodeSelector, type SelectOptions } from '../../ipam/select/index.js';

export type ReservationKey = ReservationRequest['key'];

/** Where reservations are made: the group-commit writer, or (dry run) a plan that writes nothing. */
export interface Reserver {
  reserve(pool: string, request: ReservationRequest): Promise<ReservationResult>;
  /** Gives back addresses this admission reserved, while they still carry its key. */
  release(pool: string, ips: string[], key: ReservationKey): Promise<void>;
}

export interface FamilyAllocation {
  pool: SpiderIPPool;
  ip: string;
  /** False when the record already existed (webhook reinvocation, a StatefulSet Pod's sticky address). */
  created: boolean;
}

export interface InterfaceAllocation {
  interface: string;
  cleanGateway: boolean;
  ipv4?: FamilyAllocation;
  ipv6?: FamilyAllocation;
  nodeRequirements: NodeSelector[];
}

export interface AllocationContext {
  facts: PodFacts;
  pools: readonly SpiderIPPool[];
  nodes: readonly NodeFacts[];
  select: SelectOptions;
  key: ReservationKey;
  /** Addresses the Pod's result annotations already name, per interface and family (webhook re-invocation). */
  previous?: ReadonlyMap<string, { ipv4?: string; ipv6?: string }>;
  /** The automatic pools made or found for this Pod, keyed "<interface>/<family>". */
  autoPools?: ReadonlyMap<string, SpiderIPPool>;
}

/** The automatic pool of the Pod's workload for this interface and family, made by the scaler from the subnet. */
function autoPoolOf(
  facts: PodFacts,
  pools: readonly SpiderIPPool[],
  subnet: string,
  nic: string,
  family: IPFamily,
): SpiderIPPool | undefined {
  const w = facts.topController;
  const gv = w.group ? `${w.group}_${w.version}` : w.version;
  return pools.find((p) => {
    const l = p.metadata.labels ?? {};
    return (
      l[labels.ownerSubnet] === subnet &&
      l[labels.ownerApplicationGV] === gv &&
      l[labels.ownerApplicationKind] === w.kind &&
      l[labels.ownerApplicationNamespace] === w.namespace &&
      l[labels.ownerApplicationName] === w.name &&
      l[labels.interface] === nic &&
      l[labels.ipVersion] === `IPv${family}` &&
      !p.metadata.deletionTimestamp
    );
  });
}

function candidatesFor(
  request: PoolRequest,
  family: IPFamily,
  names: string[],
  ctx: AllocationContext,
): { ok: true; pools: Candidate[] } | { ok: false; reason: string } {
  if (request.source === 'subnet') {
    const subnet = names[0] ?? '';
    const pool =
      ctx.autoPools?.get(`${request.interface}/${family}`) ?? autoPoolOf(ctx.facts, ctx.pools, subnet, request.interface, family);
    if (!pool) {
      const w = ctx.facts.topController;
      return {
        ok: false,
        reason: `the automatic IPv${family} pool of ${w.kind} ${w.namespace}/${w.name} for ${request.interface} from SpiderSubnet "${subnet}" does not exist yet`,
      };
    }
    return { ok: true, pools: [{ pool }] };
  }
  return candidatePools({ interface: request.interface, family, names }, ctx.facts, ctx.pools, ctx.nodes, ctx.select);
}

/** A StatefulSet Pod goes back to the pool that still holds its address, if that pool is a candidate. */
function stickyFirst(candidates: Candidate[], key: ReservationKey): Candidate[] {
  if ('token' in key) return candidates;
  const holding = new Set(
    findStickyRecords(
      candidates.map((c) => c.pool),
      key.pod,
    ).map((r) => r.pool),
  );
  return [
    ...candidates.filter((c) => holding.has(c.pool.metadata.name ?? '')),
    ...candidates.filter((c) => !holding.has(c.pool.metadata.name ?? '')),
  ];
}

export async function allocatePod(
  requests: readonly PoolRequest[],
  ctx: AllocationContext,
  reserver: Reserver,
): Promise<{ ok: true; interfaces: InterfaceAllocation[] } | { ok: false; reason: string }> {
  const done: InterfaceAllocation[] = [];
  const rollback = () => releaseAllocations(done, ctx.key, reserver);
  // Addresses this Pod already got, per pool: its next interface on the same pool must get another one.
  const held = new Map<string, string[]>();
  for (const request of requests) {
    const allocation: InterfaceAllocation = { interface: request.interface, cleanGateway: request.cleanGateway, nodeRequirements: [] };
    done.push(allocation);
    for (const family of [4, 6] as const) {
      const names = family === 4 ? request.ipv4 : request.ipv6;
      if (!names || names.length === 0) continue;
      const candidates = candidatesFor(request, family, names, ctx);
      if (!candidates.ok) {
        await rollback();
        return { ok: false, reason: `${request.interface} IPv${family}: ${candidates.reason}` };
      }
      const failures: string[] = [];
      for (const candidate of stickyFirst(candidates.pools, ctx.key)) {
        const poolName = candidate.pool.metadata.name ?? '';
        let result: ReservationResult;
        try {
          const prefer = ctx.previous?.get(request.interface)?.[family === 4 ? 'ipv4' : 'ipv6'];
          result = await reserver.reserve(poolName, {
            id: `${request.interface}/${family}`,
            family,
            key: ctx.key,
            skip: held.get(poolName) ?? [],
            ...(prefer ? { prefer } : {}),
          });
        } catch (err) {
          // The write failed (API server trouble, conflicts on every attempt): try the next pool like Spiderpool does.
          failures.push(err instanceof Error ? err.message : String(err));
          continue;
        }
        if ('ip' in result) {
          held.set(poolName, [...(held.get(poolName) ?? []), result.ip]);
          allocation[family === 4 ? 'ipv4' : 'ipv6'] = { pool: candidate.pool, ip: result.ip, created: !result.idempotent };
          if (candidate.nodeRequirement) allocation.nodeRequirements.push(candidate.nodeRequirement);
          break;
        }
        failures.push(result.error.message);
      }
      if (!allocation[family === 4 ? 'ipv4' : 'ipv6']) {
        await rollback();
        return { ok: false, reason: `${request.interface} IPv${family}: ${failures.join('; ')}` };
      }
    }
  }
  return { ok: true, interfaces: done };
}

/**
 * Gives back what this admission created. A failed release is left to the scaler, which expires pending
 * reservations whose Pod never appeared; the admission's answer does not wait on it.
 */
export async function releaseAllocations(
  interfaces: readonly InterfaceAllocation[],
  key: ReservationKey,
  reserver: Reserver,
): Promise<void> {
  for (const a of interfaces) {
    for (const f of [a.ipv4, a.ipv6]) {
      if (f?.created) await reserver.release(f.pool.metadata.name ?? '', [f.ip], key).catch(() => undefined);
    }
  }
}
