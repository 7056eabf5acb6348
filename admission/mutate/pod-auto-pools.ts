// The automatic pools a Pod draws from (behaviour §4): for each (interface, family) its `subnet(s)` annotation
// names, the pool of its workload, made or grown here when it is missing or too small, so that a Pod admitted
// before the controller has run is served, not refused. The workload (UID, replica count) comes from the caches,
// or from a live read when the cache has not seen a just-created one yet.
import {
  type AutoPoolClaim,
  type AutoPoolOwner,
  autoPoolClaims,
  findAutoPool,
  fixedNumberRequired,
  type NativeWorkloadKind,
  nativeWorkloadKind,
  workloadReplicas,
} from '../../ipam/allocate/index.js';
import { count, parseRangeList } from '../../ipam/ip/index.js';
import { labels, type OwnerReference, type PodFacts, type PoolRequest, poolRecords, type SpiderIPPool } from '../../ipam/model/index.js';
import type { EnsureResult } from '../../kube/auto-pools.js';
import type { PodView } from '../pod-facts.js';

/** What the webhook needs for automatic pools; serve wires it to the caches and the API server. */
export interface AutoPoolAdmission {
  /** The owners of a ReplicaSet or Job: the cache, else a live read; undefined when it does not exist. */
  owners(kind: 'ReplicaSet' | 'Job', namespace: string, name: string): Promise<OwnerReferences | undefined>;
  /** A native workload: the cache when it holds this UID, else a live read; undefined when it does not exist. */
  workload(kind: NativeWorkloadKind, namespace: string, name: string, uid: string | undefined): Promise<Workload | undefined>;
  /** ensureAutoPool in `grow` mode; on a dry run nothing is written and the pool is the one that would be. */
  ensure(owner: AutoPoolOwner, claim: AutoPoolClaim, dryRun: boolean): Promise<EnsureResult>;
  pools(): readonly SpiderIPPool[];
  /** Added to the replica count when the template has no ippool-ip-number (docs/adr/0008). */
  defaultRedundant: number;
}

type OwnerReferences = OwnerReference[];
interface Workload {
  apiVersion?: string;
  kind?: string;
  metadata: { uid?: string };
  spec?: unknown;
  status?: unknown;
}

export const autoPoolKey = (interfaceName: string, family: 4 | 6): string => `${interfaceName}/${family}`;

/** `written`: the pools this admission made or grew (for the log). */
type Outcome = { ok: true; pools: Map<string, SpiderIPPool>; written: string[] } | { ok: false; reason: string };

/** The workload that owns the Pod's automatic pools, and what its template claims. */
async function ownerAndClaims(
  facts: PodFacts,
  deps: AutoPoolAdmission,
): Promise<{ ok: true; owner: AutoPoolOwner; claims: AutoPoolClaim[] } | { ok: false; reason: string }> {
  const top = facts.topController;
  const what = `${top.kind} ${top.namespace}/${top.name}`;
  const kind = nativeWorkloadKind(top);
  let uid = top.uid;
  let replicas: number | undefined;
  if (kind) {
    const workload = await deps.workload(kind, top.namespace, top.name, top.uid);
    if (!workload?.metadata.uid) return { ok: false, reason: `the Pod's ${what} does not exist` };
    if (top.uid && workload.metadata.uid !== top.uid) {
      return { ok: false, reason: `the Pod belongs to a deleted ${what} (UID ${top.uid}); its automatic pools are gone with it` };
    }
    uid = workload.metadata.uid;
    replicas = workloadReplicas({ ...workload, apiVersion: `${top.group}/${top.version}`, kind });
  }
  if (!uid) return { ok: false, reason: `the UID of the Pod's ${what} is not known` };
  const claims = autoPoolClaims(facts.annotations, replicas, deps.defaultRedundant);
  if (!claims.ok) {
    // Spiderpool's words for a third-party controller without a fixed size: "<Kind>/<ns>/<name> only supports ...".
    const reason = claims.reason.startsWith(fixedNumberRequired)
      ? `${top.kind}/${top.namespace}/${top.name} ${claims.reason}`
      : claims.reason;
    return { ok: false, reason };
  }
  return { ok: true, owner: { ...top, uid }, claims: claims.value };
}

const sizeOf = (pool: SpiderIPPool): bigint => {
  const family = pool.spec.ipVersion === 6 ? 6 : 4;
  return count(parseRangeList(pool.spec.ips ?? [], family).set ?? { family, ranges: [] });
};

/** The pool's records, parsed once per version however many of a DaemonSet's Pods ask (poolRecords). */
const allocatedCount = (pool: SpiderIPPool | undefined): number => {
  const records = pool ? poolRecords(pool) : undefined;
  return records?.ok ? records.value.size : 0;
};

/**
 * The pool of each (interface, family) a `subnet` request names, keyed by autoPoolKey. A pool that has enough IPs
 * is used as the cache shows it; otherwise it is made or grown before the Pod takes an address from it.
 */
export async function autoPoolsForPod(
  requests: readonly PoolRequest[],
  facts: PodFacts,
  deps: AutoPoolAdmission,
  dryRun: boolean,
): Promise<Outcome> {
  const pools = new Map<string, SpiderIPPool>();
  const written: string[] = [];
  const wanted = requests.filter((r) => r.source === 'subnet');
  if (wanted.length === 0) return { ok: true, pools, written };
  const resolved = await ownerAndClaims(facts, deps);
  if (!resolved.ok) return resolved;
  const { owner, claims } = resolved;
  for (const request of wanted) {
    for (const family of [4, 6] as const) {
      const subnet = (family === 4 ? request.ipv4 : request.ipv6)?.[0];
      if (subnet === undefined) continue;
      const at = `${request.interface} IPv${family}`;
      const claim = claims.find((c) => c.interfaceName === request.interface && c.family === family && c.subnet === subnet);
      if (!claim) return { ok: false, reason: `${at}: the Pod template claims no automatic pool from SpiderSubnet "${subnet}"` };
      const cached = findAutoPool(deps.pools(), owner, claim.interfaceName, family);
      // A DaemonSet's desiredNumberScheduled is still 0 while its first Pods are made: make room for this one.
      const size = owner.kind === 'DaemonSet' ? Math.max(claim.size, allocatedCount(cached) + 1) : claim.size;
      if (cached && sizeOf(cached) >= BigInt(size) && cached.metadata.labels?.[labels.ownerSubnet] === subnet) {
        pools.set(autoPoolKey(request.interface, family), cached);
        continue;
      }
      const ensured = await deps.ensure(owner, { ...claim, size }, dryRun);
      if ('error' in ensured) return { ok: false, reason: `${at}: ${ensured.error.message}` };
      pools.set(autoPoolKey(request.interface, family), ensured.pool);
      if (ensured.wrote) written.push(ensured.pool.metadata.name ?? '');
    }
  }
  return { ok: true, pools, written };
}

/**
 * The Pod's view with the owners of its ReplicaSet or Job read live when the cache does not have them yet: the
 * first Pods of a new Deployment or CronJob are often admitted before the cache sees their ReplicaSet or Job, and
 * without its owner the Pod would be taken for the ReplicaSet's (and get a pool of its own).
 */
export async function withLiveOwners(
  ownerReferences: readonly { apiVersion: string; kind: string; name: string; controller?: boolean }[] | undefined,
  namespace: string,
  view: PodView,
  deps: Pick<AutoPoolAdmission, 'owners'>,
): Promise<PodView> {
  const direct = ownerReferences?.find((r) => r.controller === true);
  if (!direct) return view;
  const kind =
    direct.kind === 'ReplicaSet' && direct.apiVersion.startsWith('apps/')
      ? 'ReplicaSet'
      : direct.kind === 'Job' && direct.apiVersion.startsWith('batch/')
        ? 'Job'
        : undefined;
  if (!kind || view.owners(kind, namespace, direct.name) !== undefined) return view;
  const live = await deps.owners(kind, namespace, direct.name);
  if (!live) return view;
  return {
    ...view,
    owners: (k, ns, name) => (k === kind && ns === namespace && name === direct.name ? live : view.owners(k, ns, name)),
  };
}
