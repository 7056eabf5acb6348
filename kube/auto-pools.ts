// Making a workload's automatic pool exist with the right IPs (behaviour §4.4, §4.5), for the Pod webhook and the
// controller alike. Each round reads the subnet and the pool, asks the pure planner for the next step and runs it:
// the subnet's controlledIPPools entry is written first (guarded by resourceVersion), then the pool is created or
// updated with exactly those IPs. Whoever comes second finds the entry (or the pool) and ends with the same pool: a
// conflict re-reads and re-plans, an AlreadyExists reads the pool that won, and the pool name comes from the
// workload UID, so two writers can never make two pools for one (workload, interface, family).
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import {
  type AllocationError,
  type AutoPoolClaim,
  type AutoPoolMode,
  type AutoPoolOwner,
  allocationError,
  claimedPoolName,
  findAutoPool,
  planAutoPool,
  releasingIPsAnnotation,
  reservedAddresses,
} from '../ipam/allocate/index.js';
import { group, plurals, type SpiderIPPool, type SpiderReservedIP, type SpiderSubnet, version } from '../ipam/model/index.js';
import { apiErrorMessage, httpStatusOf, isNotFound } from './api-errors.js';

/** Where ensureAutoPool reads and writes: caches for the first look, live reads after a conflict. */
export interface AutoPoolStore {
  cachedSubnet(name: string): SpiderSubnet | undefined;
  cachedPools(): readonly SpiderIPPool[];
  reservedIPs(): readonly SpiderReservedIP[];
  /** Live reads; undefined when the object does not exist. */
  getSubnet(name: string): Promise<SpiderSubnet | undefined>;
  getPool(name: string): Promise<SpiderIPPool | undefined>;
  /** Status write guarded by the subnet's resourceVersion; resolves to the stored subnet. */
  writeSubnetStatus(subnet: SpiderSubnet, status: Record<string, unknown>): Promise<SpiderSubnet>;
  createPool(pool: SpiderIPPool): Promise<SpiderIPPool>;
  /** Writes labels, annotations and spec.ips, guarded by the pool's resourceVersion. */
  updatePool(pool: SpiderIPPool): Promise<SpiderIPPool>;
}

export interface EnsureOptions {
  /** Rounds of read-plan-write before giving up; a normal creation takes three. */
  maxRounds?: number;
  /** First pause after a conflict or a refusal by a webhook reading a lagging cache; grows ×1.5 with jitter. */
  backoffMs?: number;
  random?: () => number;
}

export type EnsureResult = { pool: SpiderIPPool; wrote: boolean } | { error: AllocationError };

const isConflictStatus = (err: unknown) => httpStatusOf(err) === 409;
/**
 * Our own validating webhook reads the subnet from its cache, which may not show the entry written a moment ago
 * (or, on another replica, for a while): such a refusal is retried after a pause, like a conflict.
 */
const isRefusal = (err: unknown) => httpStatusOf(err) === 403 || httpStatusOf(err) === 422;

/** Brings the workload's pool for one claim to its size (`grow`: at least; `exact`: exactly) and returns it. */
export async function ensureAutoPool(
  store: AutoPoolStore,
  owner: AutoPoolOwner,
  claim: AutoPoolClaim,
  mode: AutoPoolMode,
  options: EnsureOptions = {},
): Promise<EnsureResult> {
  const maxRounds = options.maxRounds ?? 12;
  const random = options.random ?? Math.random;
  let delay = options.backoffMs ?? 20;
  const reservedIPs = reservedAddresses(store.reservedIPs(), claim.family);
  let subnet = store.cachedSubnet(claim.subnet);
  let pool = findAutoPool(store.cachedPools(), owner, claim.interfaceName, claim.family);
  if (!pool) {
    const named = store.cachedPools().find((p) => p.metadata.name === claimedPoolName(undefined, owner, claim));
    if (named) pool = named;
  }
  let wrote = false;
  let last = '';
  const reread = async () => {
    await sleep(delay * (0.8 + 0.4 * random()));
    delay *= 1.5;
    subnet = await store.getSubnet(claim.subnet);
    const fresh = await store.getPool(claimedPoolName(pool, owner, claim));
    pool = fresh;
  };
  for (let round = 0; round < maxRounds; round++) {
    subnet ??= await store.getSubnet(claim.subnet);
    if (!subnet) return { error: allocationError('not-found', claim.subnet, `SpiderSubnet "${claim.subnet}" does not exist`) };
    const step = planAutoPool({ subnet, ...(pool ? { pool } : {}), reservedIPs }, owner, claim, mode);
    try {
      switch (step.kind) {
        case 'done':
          return { pool: step.pool, wrote };
        case 'error':
          return { error: step.error };
        case 'write-subnet':
          subnet = await store.writeSubnetStatus(subnet, step.status);
          break;
        case 'create-pool':
          pool = await store.createPool(step.pool);
          break;
        case 'update-pool':
          pool = await store.updatePool(step.pool);
          break;
      }
      wrote = true;
    } catch (err) {
      last = apiErrorMessage(err);
      if (step.kind === 'create-pool' && isConflictStatus(err)) {
        // AlreadyExists: another writer made it first, from the same entry; use theirs.
        pool = await store.getPool(step.pool.metadata.name ?? '');
        continue;
      }
      if (step.kind === 'update-pool' && isNotFound(err)) {
        pool = undefined;
        continue;
      }
      if (isConflictStatus(err) || isRefusal(err)) {
        await reread();
        continue;
      }
      throw err;
    }
  }
  const name = claimedPoolName(pool, owner, claim);
  return {
    error: allocationError(
      'unavailable',
      name,
      `pool "${name}" could not be brought to ${claim.size} IPs in ${maxRounds} rounds: ${last || 'other writers kept changing it'}`,
    ),
  };
}

export interface AutoPoolCaches {
  pools: { list(): SpiderIPPool[] };
  subnets: { get(name: string): SpiderSubnet | undefined };
  reservedIPs: { list(): SpiderReservedIP[] };
}

/** The store on the API server: caches for the first look, the custom-objects API for the rest. */
export function autoPoolStore(kc: KubeConfig, caches: AutoPoolCaches): AutoPoolStore {
  const api = kc.makeApiClient(CustomObjectsApi);
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const getOrUndefined = async <T>(plural: string, name: string): Promise<T | undefined> => {
    try {
      return (await api.getClusterCustomObject({ group, version, plural, name })) as T;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  return {
    cachedSubnet: (name) => caches.subnets.get(name),
    cachedPools: () => caches.pools.list(),
    reservedIPs: () => caches.reservedIPs.list(),
    getSubnet: (name) => getOrUndefined<SpiderSubnet>(plurals.subnet, name),
    getPool: (name) => getOrUndefined<SpiderIPPool>(plurals.ipPool, name),
    async writeSubnetStatus(subnet, status) {
      const body = { metadata: { resourceVersion: subnet.metadata.resourceVersion }, status };
      const name = subnet.metadata.name ?? '';
      return (await api.patchClusterCustomObjectStatus({ group, version, plural: plurals.subnet, name, body }, merge)) as SpiderSubnet;
    },
    async createPool(pool) {
      return (await api.createClusterCustomObject({ group, version, plural: plurals.ipPool, body: pool })) as SpiderIPPool;
    },
    async updatePool(pool) {
      const { resourceVersion, labels } = pool.metadata;
      // A merge patch removes an annotation only when told so with null.
      const annotations = {
        ...pool.metadata.annotations,
        [releasingIPsAnnotation]: pool.metadata.annotations?.[releasingIPsAnnotation] ?? null,
      };
      const body = { metadata: { resourceVersion, labels, annotations }, spec: { ips: pool.spec.ips } };
      const name = pool.metadata.name ?? '';
      return (await api.patchClusterCustomObject({ group, version, plural: plurals.ipPool, name, body }, merge)) as SpiderIPPool;
    },
  };
}

/**
 * A store whose writes stay in memory, for dry-run admissions (sideEffects: NoneOnDryRun): ensureAutoPool then
 * answers with the pool as it would be, and nothing is written.
 */
export function dryRunStore(base: AutoPoolStore): AutoPoolStore {
  return {
    ...base,
    writeSubnetStatus: async (subnet, status) => ({ ...subnet, status: { ...subnet.status, ...status } }),
    createPool: async (pool) => pool,
    updatePool: async (pool) => pool,
  };
}
