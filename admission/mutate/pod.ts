// Pod CREATE: choose pools and addresses for every interface that uses our IPAM,
// reserve them in pool status, and write the results into the Pod's annotations
// (plus the node affinity node-restricted pools need). A Pod that cannot get its
// addresses is refused with the reason, and keeps nothing reserved.
import { wantsAutoPools } from '../../ipam/allocate/index.js';
import {
  assignedAnnotationKey,
  parseAssignedResult,
  parseRoutesAnnotation,
  podAnnotations,
  reservationToken,
  type SpiderIPPool,
} from '../../ipam/model/index.js';
import {
  mergeRequiredNodeAffinity,
  type NodeFacts,
  nodeSatisfies,
  poolRequests,
  type SelectOptions,
  type SourceOptions,
} from '../../ipam/select/index.js';
import { type PodFactsOptions, type PodView, podFacts, readPod } from '../pod-facts.js';
import { allowed, type Decision, denied, patched } from '../review.js';
import type { AdmissionHandler } from '../server.js';
import { allocatePod, type ReservationKey, type Reserver, releaseAllocations } from './pod-allocation.js';
import { type AutoPoolAdmission, autoPoolsForPod, withLiveOwners } from './pod-auto-pools.js';
import { assignedResult, mutatedPod } from './pod-patch.js';

export interface PodAdmissionDependencies {
  view: PodView;
  pools(): SpiderIPPool[];
  nodes(): NodeFacts[];
  /** Reservations that are written (group commit). */
  reserver: Reserver;
  /**
   * Reservations that are only planned, for dry-run requests (sideEffects: NoneOnDryRun); `virtual` are pools that
   * exist only in this plan (an automatic pool a dry run would have made).
   */
  planner(virtual?: readonly SpiderIPPool[]): Reserver;
  podFacts: PodFactsOptions;
  select: SelectOptions;
  sources: SourceOptions;
  /** Automatic pools from SpiderSubnets; without it a Pod waits for the controller to make its pool. */
  autoPools?: AutoPoolAdmission;
}

/**
 * What the Pod's result annotations already say, per interface: on a re-invocation they are our own answer, and
 * each interface should get the same address again. A user cannot use this to take an address: it is only
 * preferred among records that already carry this request's key.
 */
function previousAddresses(
  annotations: Record<string, string>,
  interfaces: readonly string[],
): Map<string, { ipv4?: string; ipv6?: string }> {
  const out = new Map<string, { ipv4?: string; ipv6?: string }>();
  for (const name of interfaces) {
    const text = annotations[assignedAnnotationKey(name)];
    const parsed = text === undefined ? undefined : parseAssignedResult(text, name);
    if (!parsed?.ok) continue;
    const bare = (cidr: string) => (cidr ? cidr.split('/')[0] : undefined);
    const v4 = bare(parsed.value.ipv4);
    const v6 = bare(parsed.value.ipv6);
    out.set(name, { ...(v4 ? { ipv4: v4 } : {}), ...(v6 ? { ipv6: v6 } : {}) });
  }
  return out;
}

export function mutatePod(deps: PodAdmissionDependencies): AdmissionHandler {
  return async (request, { log }): Promise<Decision> => {
    if (request.operation !== 'CREATE') return allowed();
    const read = readPod(request.object);
    if (!read.ok) return denied(`pod ${request.namespace ?? ''}/${request.name ?? ''}: ${read.reason}`, { code: 400 });
    const { pod } = read;
    if (pod.spec.hostNetwork === true) return allowed();
    const namespace = request.namespace ?? pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    // A generateName Pod has no name yet at admission: name it the way kubectl will show its family.
    const who = `pod ${namespace}/${name || `${pod.metadata.generateName ?? ''}*`}`;
    const refuse = (reason: string, code = 403) =>
      denied(`${who}: ${reason}`, { code, target: { kind: 'Pod', ...(name ? { name } : {}) } });

    const view =
      deps.autoPools && wantsAutoPools(pod.metadata.annotations ?? {})
        ? await withLiveOwners(pod.metadata.ownerReferences, namespace, deps.view, deps.autoPools)
        : deps.view;
    const facts = podFacts(pod, namespace, view, deps.podFacts);
    if (!facts.ok) return refuse(facts.reason, 400);
    if (facts.facts.interfaces.length === 0) return allowed();
    const pools = deps.pools();
    const requests = poolRequests(facts.facts, pools, deps.sources);
    if (!requests.ok) return refuse(requests.reason, 400);
    const routesText = pod.metadata.annotations?.[podAnnotations.routes];
    const routes = routesText === undefined ? { ok: true as const, value: [] } : parseRoutesAnnotation(routesText);
    if (!routes.ok) return refuse(routes.reason, 400);

    // A StatefulSet Pod has its final name already: keyed by it, it finds its address again in its next life.
    const statefulSetPod = facts.facts.topController.kind === 'StatefulSet' && name !== '';
    const token = reservationToken(request.uid);
    const key: ReservationKey = statefulSetPod ? { pod: `${namespace}/${name}` } : { token, pod: `${namespace}/${name}` };
    const auto = deps.autoPools
      ? await autoPoolsForPod(requests.requests, facts.facts, deps.autoPools, request.dryRun === true)
      : { ok: true as const, pools: new Map<string, SpiderIPPool>(), written: [] };
    if (!auto.ok) {
      log.info({ reason: auto.reason }, 'pod refused: no automatic pool');
      return refuse(auto.reason);
    }
    if (auto.written.length > 0) log.info({ pools: auto.written, dryRun: request.dryRun === true }, 'automatic pools made or grown');
    const known = new Set(pools.map((p) => p.metadata.name));
    const virtual = [...auto.pools.values()].filter((p) => !known.has(p.metadata.name));
    const reserver = request.dryRun ? deps.planner(virtual) : deps.reserver;
    const nodes = deps.nodes();
    const previous = previousAddresses(
      facts.facts.annotations,
      facts.facts.interfaces.map((i) => i.name),
    );
    const allocation = await allocatePod(
      requests.requests,
      { facts: facts.facts, pools, nodes, select: deps.select, key, previous, autoPools: auto.pools },
      reserver,
    );
    if (!allocation.ok) {
      log.info({ reason: allocation.reason }, 'pod refused: no addresses');
      return refuse(allocation.reason);
    }
    // From here on addresses are held: whatever goes wrong gives them back before answering.
    try {
      const requirements = allocation.interfaces.flatMap((a) => a.nodeRequirements);
      const affinity = requirements.length > 0 ? mergeRequiredNodeAffinity(pod.spec.affinity, requirements) : undefined;
      if (affinity && !affinity.ok) {
        await releaseAllocations(allocation.interfaces, key, reserver);
        return refuse(`the pools chosen cannot all be used on one node: ${affinity.reason}`);
      }
      // Pools are chosen per interface and family; together their node restrictions may leave no node at all.
      if (affinity?.affinity && !nodes.some((node) => nodeSatisfies(affinity.affinity, node))) {
        await releaseAllocations(allocation.interfaces, key, reserver);
        const chosen = allocation.interfaces.flatMap((a) => [a.ipv4, a.ipv6]).flatMap((f) => (f ? [f.pool.metadata.name] : []));
        return refuse(`no node satisfies both the Pod's node affinity and the nodes of its pools (${chosen.join(', ')})`);
      }
      const results = allocation.interfaces.map((a) => assignedResult(a, 'token' in key ? key.token : '', routes.value));
      const decision = patched(request.object ?? {}, mutatedPod(request.object ?? {}, results, affinity?.affinity));
      log.info(
        {
          addresses: results.map((r) => ({
            interface: r.interface,
            ipv4: r.ipv4,
            ipv6: r.ipv6,
            ipv4pool: r.ipv4pool,
            ipv6pool: r.ipv6pool,
          })),
          dryRun: request.dryRun === true,
        },
        'addresses assigned',
      );
      return decision;
    } catch (err) {
      await releaseAllocations(allocation.interfaces, key, reserver);
      throw err;
    }
  };
}
