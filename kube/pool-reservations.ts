// Reservations and releases of addresses in pool status, for the Pod webhook: one
// group-commit writer shared by every admission in this process, and a planner
// for dry runs that computes the same answer without writing anything.
import type { KubeConfig } from '@kubernetes/client-node';
import {
  type PoolOperation,
  type PoolOperationResult,
  planPoolOperations,
  type ReservationRequest,
  type ReservationResult,
  reservedAddresses,
  type SettleOperation,
} from '../ipam/allocate/index.js';
import { plurals, poolFamily, type SpiderIPPool, type SpiderReservedIP } from '../ipam/model/index.js';
import { customResourceWriter } from './custom-resources.js';
import { PoolStatusWriter, type PoolStatusWriterDependencies } from './pool-status-writer.js';

export interface PoolReserver {
  reserve(pool: string, request: ReservationRequest): Promise<ReservationResult>;
  release(pool: string, ips: string[], key: { token: string } | { pod: string }): Promise<void>;
}

export interface PoolReservationsDependencies {
  pool(name: string): SpiderIPPool | undefined;
  reservedIPs(): SpiderReservedIP[];
  now(): Date;
  onBatch?: PoolStatusWriterDependencies<PoolOperation, PoolOperationResult>['onBatch'];
}

function planner(deps: PoolReservationsDependencies) {
  return (pool: SpiderIPPool, operations: PoolOperation[]) => {
    const family = poolFamily(pool);
    const reserved = family === undefined ? undefined : reservedAddresses(deps.reservedIPs(), family);
    return planPoolOperations(pool, operations, reserved, deps.now());
  };
}

function asReservation(result: PoolOperationResult): ReservationResult {
  return 'released' in result || 'settled' in result
    ? { error: { code: 'bad-request', object: '', message: 'a release answered a reservation' } }
    : result;
}

/** The releaser's way in: its changes share the batches (and the writes) of the reservations of this process. */
export type PoolSettler = (
  pool: string,
  changes: SettleOperation['changes'],
) => Promise<{ released: string[]; bound: string[]; skipped: string[] }>;

export function poolReservations(
  kc: KubeConfig,
  deps: PoolReservationsDependencies,
): { reserver: PoolReserver; dryRun(virtual?: readonly SpiderIPPool[]): PoolReserver; settle: PoolSettler } {
  const api = customResourceWriter(kc);
  const plan = planner(deps);
  const writer = new PoolStatusWriter<PoolOperation, PoolOperationResult>({
    cached: deps.pool,
    fetch: async (name) => (await api.get(plurals.ipPool, name)) as SpiderIPPool,
    write: async (name, rv, status) => (await api.patchStatus(plurals.ipPool, name, rv, status)) as SpiderIPPool,
    plan,
    ...(deps.onBatch ? { onBatch: deps.onBatch } : {}),
  });
  // Requests of many admissions share a batch, and results are matched by id: ids are made unique here, whatever
  // the caller chose (every Pod's first request would otherwise be "eth0/4").
  let nextId = 0;
  const reserver: PoolReserver = {
    reserve: async (pool, request) =>
      asReservation(await writer.submit(pool, { kind: 'reserve', request: { ...request, id: `r${nextId++}` } })),
    release: async (pool, ips, key) => {
      const result = await writer.submit(pool, { kind: 'release', ips, key });
      if ('error' in result) throw new Error(result.error.message);
    },
  };
  // A dry run plans against the cached pools plus what this same request planned before: one request may take two
  // addresses from one pool (two interfaces), and they must differ.
  const dryRun = (virtual: readonly SpiderIPPool[] = []): PoolReserver => {
    const planned = new Map<string, SpiderIPPool>(virtual.map((p) => [p.metadata.name ?? '', p]));
    return {
      reserve: async (name, request) => {
        const pool = planned.get(name) ?? deps.pool(name);
        if (!pool) return { error: { code: 'not-found', object: name, message: `pool "${name}" is not known` } };
        const outcome = plan(pool, [{ kind: 'reserve', request }]);
        if (outcome.status) planned.set(name, { ...pool, status: { ...pool.status, ...outcome.status } });
        return asReservation(outcome.results[0] ?? { error: { code: 'bad-request', object: name, message: 'no result' } });
      },
      release: async () => undefined,
    };
  };
  const settle: PoolSettler = async (pool, changes) => {
    const result = await writer.submit(pool, { kind: 'settle', changes });
    if ('error' in result) throw new Error(result.error.message);
    if (!('settled' in result)) throw new Error(`pool "${pool}": a settle got another answer`);
    return result.settled;
  };
  return { reserver, dryRun, settle };
}
