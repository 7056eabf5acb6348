// Binds pending reservations to the Pods that carry their token, and releases the addresses no live Pod holds any
// more (behaviour §5, §7). Level-based, one pool per work item: whatever queued a pool (a Pod event naming it, a
// change of the pool, the periodic full scan, a deadline), its reconcile judges every record from the caches and
// sends the changes through the same group-commit writer as the reservations of this process.
import type { Logger } from '../admission/log.js';
import type { StatefulSetFacts } from '../ipam/allocate/index.js';
import { podNamespace, type SpiderIPPool } from '../ipam/model/index.js';
import { type PodObject, type PodView, planPoolRelease, podView, type RecordChange, type ReleaseFacts } from '../ipam/release/index.js';
import { httpStatusOf } from '../kube/api-errors.js';
import type { NodeObject, StatefulSetObject } from '../kube/cluster-caches.js';
import type { PoolSettler } from '../kube/pool-reservations.js';
import type { CacheEvent, ResourceCache } from '../kube/watch/index.js';
import { WorkQueue } from './work-queue.js';

export interface ReleaseControllerSettings {
  /** How long a pending reservation waits for its Pod before its address is released. */
  pendingTTLSeconds: number;
  /** Every pool is judged again this often, whatever happened (Pods deleted while no replica was leading). */
  fullScanIntervalMs: number;
}

export interface ReleaseControllerDependencies extends ReleaseControllerSettings {
  pods: ResourceCache<PodObject>;
  pools: ResourceCache<SpiderIPPool & { metadata: { name: string } }>;
  statefulSets: ResourceCache<StatefulSetObject>;
  nodes: ResourceCache<NodeObject>;
  settle: PoolSettler;
  /**
   * The reservation tokens the Pods of a namespace carry, read live: an expiry is checked against the API server
   * itself before it is released, so a Pod cache that lags behind can never free the address of a Pod that exists.
   */
  liveTokens(namespace: string): Promise<Set<string>>;
  log: Logger;
  /** Counts what each reconcile changed, by reason (`bound` for bindings). */
  onChange?: (reason: string, count: number) => void;
  now?: () => Date;
}

/**
 * How long a reconcile caused by a new Pod or a pool write waits, so that it covers the events of a burst. Binding is
 * not urgent (the address is reserved either way); freeing an address is, and does not wait.
 */
const bindingDelayMs = 1000;

/** Pod views derived once per cached object: a pool's reconcile looks up many records' Pods. */
const views = new WeakMap<PodObject, PodView>();
function viewOf(pod: PodObject): PodView {
  let view = views.get(pod);
  if (!view) {
    view = podView(pod);
    views.set(pod, view);
  }
  return view;
}

const poolsOf = (pod: PodObject): string[] => [
  ...new Set(
    viewOf(pod)
      .claims.map((c) => c.pool)
      .filter((p) => p !== ''),
  ),
];

function nodeIsReady(node: NodeObject | undefined): boolean {
  return node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function startReleaseController(deps: ReleaseControllerDependencies): { stop(): void; queue: WorkQueue; scanAll(): void } {
  const { pods, pools, statefulSets, nodes, settle, log } = deps;
  const now = deps.now ?? (() => new Date());

  // Reservation token → keys of the Pods carrying it (one, unless an annotation was copied), for pending records.
  const byToken = new Map<string, Set<string>>();
  const tokensOfPod = new Map<string, string[]>();
  // Tokens of Pods seen deleted, with when: their reservations need not wait out the grace period.
  const deletedTokens = new Map<string, number>();

  const indexPod = (key: string, pod: PodObject | undefined) => {
    for (const token of tokensOfPod.get(key) ?? []) {
      const holders = byToken.get(token);
      holders?.delete(key);
      if (holders?.size === 0) byToken.delete(token);
    }
    tokensOfPod.delete(key);
    if (!pod) return;
    const tokens = [
      ...new Set(
        viewOf(pod)
          .claims.map((c) => c.token)
          .filter((t) => t !== ''),
      ),
    ];
    for (const token of tokens) byToken.set(token, (byToken.get(token) ?? new Set()).add(key));
    if (tokens.length > 0) tokensOfPod.set(key, tokens);
  };
  const forgetOldDeletions = (nowMs: number) => {
    const keepMs = 2 * deps.pendingTTLSeconds * 1000;
    for (const [token, at] of deletedTokens) if (nowMs - at > keepMs) deletedTokens.delete(token);
  };

  const facts = (at: Date): ReleaseFacts => ({
    now: Math.floor(at.getTime() / 1000),
    pendingTTLSeconds: deps.pendingTTLSeconds,
    podByKey: (key) => {
      const pod = pods.get(key);
      return pod ? viewOf(pod) : undefined;
    },
    podByToken: (token) => {
      const holders = byToken.get(token);
      if (holders && holders.size > 1) return 'ambiguous';
      const key = holders?.values().next().value;
      const pod = key === undefined ? undefined : pods.get(key);
      return pod ? viewOf(pod) : undefined;
    },
    tokenDeleted: (token) => deletedTokens.has(token),
    statefulSet: (namespace, name) => statefulSets.get(`${namespace}/${name}`) as StatefulSetFacts | undefined,
    nodeReady: (name) => nodeIsReady(nodes.get(name)),
  });

  /** Drops expiries whose token a live Pod carries: the cache has not shown that Pod yet, and will bind it. */
  const withoutLiveTokens = async (changes: RecordChange[]): Promise<RecordChange[]> => {
    const expired = changes.filter((c) => 'release' in c.to && c.to.release === 'expired' && c.expect.token !== undefined);
    if (expired.length === 0) return changes;
    const live = new Set<string>();
    for (const namespace of new Set(expired.map((c) => podNamespace(c.expect.pod)))) {
      for (const token of await deps.liveTokens(namespace)) live.add(token);
    }
    const kept = changes.filter(
      (c) => !(c.expect.token !== undefined && 'release' in c.to && c.to.release === 'expired' && live.has(c.expect.token)),
    );
    if (kept.length < changes.length)
      log.info({ held: changes.length - kept.length }, 'expired reservations held: their Pods exist, the cache lags');
    return kept;
  };

  const synced = () => pods.isSynced() && pools.isSynced() && statefulSets.isSynced() && nodes.isSynced();

  const reconcile = async (name: string) => {
    // An empty Pod cache would make every Pod look gone: never judge before every cache has listed once.
    if (!synced()) throw new Error('caches not synced yet');
    const pool = pools.get(name);
    if (!pool) return;
    const at = now();
    const plan = planPoolRelease(pool, facts(at));
    if (plan.unreadable) {
      log.warn({ pool: name, reason: plan.unreadable }, 'pool status unreadable; its records are left as they are');
      return;
    }
    const changes = await withoutLiveTokens(plan.changes);
    if (changes.length > 0) {
      const outcome = await settle(name, changes);
      const reasons = new Map<string, number>();
      const released = new Set(outcome.released);
      for (const change of changes) {
        if (!released.has(change.ip)) continue;
        const reason = 'release' in change.to ? change.to.release : 'bound';
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
      for (const [reason, count] of reasons) deps.onChange?.(reason, count);
      if (outcome.bound.length > 0) deps.onChange?.('bound', outcome.bound.length);
      if (outcome.released.length > 0) {
        log.info(
          { pool: name, released: outcome.released, reasons: Object.fromEntries(reasons), skipped: outcome.skipped.length },
          'released addresses no live Pod holds',
        );
      }
      // A skipped change met a record that moved on meanwhile: judge the pool again on what is there now.
      if (outcome.skipped.length > 0) queue.add(name);
    }
    if (plan.recheckAt !== undefined) queue.addAfter(name, (plan.recheckAt - Math.floor(at.getTime() / 1000)) * 1000 + 500);
  };

  const queue = new WorkQueue(
    async (name) => {
      try {
        await reconcile(name);
      } catch (err) {
        if (httpStatusOf(err) === 404) return; // the pool went meanwhile: nothing to release
        throw err;
      }
    },
    { onError: (key, err, retryInMs) => log.warn({ pool: key, err, retryInMs }, 'release failed; will retry') },
  );

  const scanAll = () => {
    forgetOldDeletions(now().getTime());
    for (const pool of pools.list()) queue.add(pool.metadata.name);
  };

  let stopped = false;
  let unsubscribe = () => {};
  const begin = () => {
    const offPods = pods.on((e: CacheEvent<PodObject>) => {
      if (e.type === 'listed') {
        // A relist may have replaced any Pod: rebuild the token index, then judge every pool.
        byToken.clear();
        tokensOfPod.clear();
        for (const pod of pods.list()) indexPod(`${pod.metadata.namespace}/${pod.metadata.name}`, pod);
        scanAll();
        return;
      }
      if (e.type !== 'added' && e.type !== 'modified' && e.type !== 'deleted') return;
      if (e.type === 'deleted') {
        for (const token of tokensOfPod.get(e.key) ?? []) deletedTokens.set(token, now().getTime());
        indexPod(e.key, undefined);
      } else {
        indexPod(e.key, e.object);
      }
      const named = new Set(poolsOf(e.object));
      if (e.type === 'modified') for (const p of poolsOf(e.old)) named.add(p);
      // A Pod gone, finished or being deleted may free an address now; anything else (a new Pod to bind, a status
      // update) waits a moment so that the Pods of a rollout are bound by a few writes, not one each.
      const urgent =
        e.type === 'deleted' ||
        e.object.metadata.deletionTimestamp !== undefined ||
        e.object.status?.phase === 'Succeeded' ||
        e.object.status?.phase === 'Failed';
      for (const p of named) {
        if (urgent) queue.add(p);
        else queue.addAfter(p, bindingDelayMs);
      }
    });
    const offPools = pools.on((e: CacheEvent<SpiderIPPool & { metadata: { name: string } }>) => {
      if (e.type === 'added' || e.type === 'modified') queue.addAfter(e.object.metadata.name, bindingDelayMs);
    });
    // A StatefulSet scaled down or deleted frees the addresses of ordinals it no longer wants; a node that stops being
    // Ready may strand Pods past their deletion deadline. Both are rare: judge every pool.
    const offStatefulSets = statefulSets.on((e) => {
      if (e.type === 'modified' || e.type === 'deleted') scanAll();
    });
    const offNodes = nodes.on((e: CacheEvent<NodeObject>) => {
      if ((e.type === 'modified' && nodeIsReady(e.old) !== nodeIsReady(e.object)) || e.type === 'deleted') scanAll();
    });

    const timer = setInterval(scanAll, deps.fullScanIntervalMs);
    timer.unref();
    // Pods deleted while no replica was leading: the first scan finds them.
    for (const pod of pods.list()) indexPod(`${pod.metadata.namespace}/${pod.metadata.name}`, pod);
    scanAll();
    unsubscribe = () => {
      clearInterval(timer);
      offPods();
      offPools();
      offStatefulSets();
      offNodes();
    };
  };
  Promise.all([pods.synced(), pools.synced(), statefulSets.synced(), nodes.synced()]).then(
    () => {
      if (!stopped) begin();
    },
    (err: unknown) => log.warn({ err }, 'caches stopped before they synced; nothing is released'),
  );

  return {
    queue,
    scanAll,
    stop() {
      stopped = true;
      unsubscribe();
      queue.stop();
    },
  };
}
