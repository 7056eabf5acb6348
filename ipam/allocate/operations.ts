// One batch of operations on one pool's records, as the group-commit writer hands
// them over: rollbacks of reservations made by a refused admission, then new
// reservations. Pure: the writer turns the result into one guarded status write.
import type { IPRangeSet } from '../ip/index.js';
import type { SpiderIPPool } from '../model/index.js';
import type { AllocationError } from './allocation-error.js';
import { releaseFromPool } from './record-updates.js';
import type { PoolRecord } from './records.js';
import { type ReservationRequest, type ReservationResult, reserveInPool } from './reserve.js';

/** Undo: remove the records of these IPs, but only while they still carry this key (never someone else's). */
export interface ReleaseOperation {
  kind: 'release';
  ips: string[];
  key: { token: string } | { pod: string };
}

export type PoolOperation = { kind: 'reserve'; request: ReservationRequest } | ReleaseOperation;
export type PoolOperationResult = ReservationResult | { released: string[] } | { error: AllocationError };

function releases(op: ReleaseOperation, ip: string, record: PoolRecord): boolean {
  if (!op.ips.includes(ip)) return false;
  return 'token' in op.key ? record.token === op.key.token : record.pod === op.key.pod;
}

export function planPoolOperations(
  pool: SpiderIPPool,
  operations: readonly PoolOperation[],
  reservedIPs: IPRangeSet | undefined,
  now: Date,
): { status?: { allocatedIPs: string | null; allocatedIPCount: number }; results: PoolOperationResult[] } {
  const releaseOps = operations.filter((op): op is ReleaseOperation => op.kind === 'release');
  let current = pool;
  let changed = false;
  const released = new Map<ReleaseOperation, string[]>();
  if (releaseOps.length > 0) {
    const outcome = releaseFromPool(pool, (ip, record) => releaseOps.some((op) => releases(op, ip, record)));
    if ('error' in outcome) return { results: operations.map(() => ({ error: outcome.error })) };
    for (const op of releaseOps)
      released.set(
        op,
        outcome.released.filter((e) => releases(op, e.ip, e.record)).map((e) => e.ip),
      );
    changed = outcome.changed;
    current = { ...pool, status: { ...pool.status, allocatedIPs: outcome.allocatedIPs, allocatedIPCount: outcome.allocatedIPCount } };
  }
  const requests = operations.flatMap((op) => (op.kind === 'reserve' ? [op.request] : []));
  // Results are matched to requests by id: two requests with one id would be handed the same address.
  if (new Set(requests.map((r) => r.id)).size !== requests.length) {
    throw new Error(`pool "${pool.metadata.name}": reservation requests in one batch must have distinct ids`);
  }
  const reservation = reserveInPool(current, requests, reservedIPs, now);
  changed ||= reservation.changed;
  const results = operations.map((op): PoolOperationResult => {
    if (op.kind === 'release') return { released: released.get(op) ?? [] };
    return (
      reservation.results.get(op.request.id) ?? { error: { code: 'bad-request', object: pool.metadata.name ?? '', message: 'no result' } }
    );
  });
  return {
    ...(changed ? { status: { allocatedIPs: reservation.allocatedIPs, allocatedIPCount: reservation.allocatedIPCount } } : {}),
    results,
  };
}
