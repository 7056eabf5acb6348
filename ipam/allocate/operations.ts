// One batch of operations on one pool's records, as the group-commit writer hands
// them over: the releaser's changes (release, bind), rollbacks of reservations made
// by a refused admission, then new reservations. Pure: the writer turns the result
// into one guarded status write.
import type { IPRangeSet } from '../ip/index.js';
import { bind, type PoolRecord, poolRecords, type SpiderIPPool, serializeRecords } from '../model/index.js';
import { type AllocationError, allocationError } from './allocation-error.js';
import { releaseFromPool } from './record-updates.js';
import { type ReservationRequest, type ReservationResult, reserveInPool } from './reserve.js';

/** Undo: remove the records of these IPs, but only while they still carry this key (never someone else's). */
export interface ReleaseOperation {
  kind: 'release';
  ips: string[];
  key: { token: string } | { pod: string };
}

/**
 * The releaser's decisions for this pool. Each change applies only while its record is still the one it was decided
 * on (same pod, UID and token): after a conflict the batch is planned again on the fresh status, and a record that
 * changed meanwhile (re-bound, released and handed out again) is skipped, to be judged anew.
 */
export interface SettleOperation {
  kind: 'settle';
  changes: Array<{
    ip: string;
    expect: { pod: string; podUid: string; token?: string };
    to: { release: string } | { bind: { pod: string; uid: string } };
  }>;
}

export type PoolOperation = { kind: 'reserve'; request: ReservationRequest } | ReleaseOperation | SettleOperation;
export type PoolOperationResult =
  | ReservationResult
  | { released: string[] }
  | { settled: { released: string[]; bound: string[]; skipped: string[] } }
  | { error: AllocationError };

const stillExpected = (record: PoolRecord | undefined, expect: SettleOperation['changes'][number]['expect']): record is PoolRecord =>
  record !== undefined && record.pod === expect.pod && record.podUid === expect.podUid && record.token === expect.token;

/** Applies settle operations to the parsed records in place; one result per operation. */
function settle(records: Map<string, PoolRecord>, ops: readonly SettleOperation[]) {
  return ops.map((op) => {
    const result = { released: [] as string[], bound: [] as string[], skipped: [] as string[] };
    for (const change of op.changes) {
      const record = records.get(change.ip);
      if (!stillExpected(record, change.expect)) {
        result.skipped.push(change.ip);
      } else if ('release' in change.to) {
        records.delete(change.ip);
        result.released.push(change.ip);
      } else {
        records.set(change.ip, bind(record, change.to.bind.pod, change.to.bind.uid));
        result.bound.push(change.ip);
      }
    }
    return result;
  });
}

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
  const settleOps = operations.filter((op): op is SettleOperation => op.kind === 'settle');
  let current = pool;
  let changed = false;
  const released = new Map<ReleaseOperation, string[]>();
  const settled = new Map<SettleOperation, { released: string[]; bound: string[]; skipped: string[] }>();
  if (settleOps.length > 0) {
    const parsed = poolRecords(pool);
    if (!parsed.ok) {
      const error = allocationError(
        'unreadable',
        pool.metadata.name ?? '',
        `pool "${pool.metadata.name}": ${parsed.reason}; it is left as it is`,
      );
      return { results: operations.map(() => ({ error })) };
    }
    // The parse is shared (poolRecords): settle changes a copy.
    const records = new Map(parsed.value);
    const results = settle(records, settleOps);
    settleOps.forEach((op, i) => {
      settled.set(op, results[i] as { released: string[]; bound: string[]; skipped: string[] });
    });
    if (results.some((r) => r.released.length > 0 || r.bound.length > 0)) {
      changed = true;
      current = {
        ...pool,
        status: { ...pool.status, allocatedIPs: serializeRecords(records), allocatedIPCount: records.size },
      };
    }
  }
  if (releaseOps.length > 0) {
    const outcome = releaseFromPool(current, (ip, record) => releaseOps.some((op) => releases(op, ip, record)));
    if ('error' in outcome) return { results: operations.map(() => ({ error: outcome.error })) };
    for (const op of releaseOps)
      released.set(
        op,
        outcome.released.filter((e) => releases(op, e.ip, e.record)).map((e) => e.ip),
      );
    changed ||= outcome.changed;
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
    if (op.kind === 'settle') return { settled: settled.get(op) ?? { released: [], bound: [], skipped: [] } };
    return (
      reservation.results.get(op.request.id) ?? { error: { code: 'bad-request', object: pool.metadata.name ?? '', message: 'no result' } }
    );
  });
  return {
    ...(changed ? { status: { allocatedIPs: reservation.allocatedIPs, allocatedIPCount: reservation.allocatedIPCount } } : {}),
    results,
  };
}
