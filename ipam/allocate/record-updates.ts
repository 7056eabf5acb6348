// Status writes other than reserving: binding a pending reservation to the Pod that appeared (the scaler), and
// releasing records (GC, expiry, StatefulSet scale-down). Each returns the new status text for one guarded write;
// doing it again on the written result changes nothing, so a retry after a conflict is harmless.
import {
  bind,
  isPending,
  type PoolRecord,
  type PoolRecords,
  podNamespace,
  poolRecords,
  type RecordEntry,
  type SpiderIPPool,
  serializeRecords,
} from '../model/index.js';
import { type AllocationError, allocationError } from './allocation-error.js';
import type { StatusUpdate } from './reserve.js';

const namedPod = /^[^/]+\/[^/]+$/;

function readRecords(pool: SpiderIPPool, binding?: { pod: string; uid: string }): { records: PoolRecords } | { error: AllocationError } {
  const name = pool.metadata.name ?? '';
  // An empty UID would leave the record pending; a Pod without a name cannot be looked up by GC.
  if (binding && (binding.uid === '' || !namedPod.test(binding.pod))) {
    return { error: allocationError('bad-request', name, `pool "${name}": cannot bind to pod "${binding.pod}" with UID "${binding.uid}"`) };
  }
  const parsed = poolRecords(pool);
  if (!parsed.ok) return { error: allocationError('unreadable', name, `pool "${name}": ${parsed.reason}; it is left as it is`) };
  // The parse is shared (poolRecords): the writes below change a copy.
  return { records: new Map(parsed.value) };
}

const update = (pool: SpiderIPPool, records: PoolRecords, changed: boolean): StatusUpdate => ({
  allocatedIPs: changed ? serializeRecords(records) : (pool.status?.allocatedIPs ?? null),
  allocatedIPCount: records.size,
  changed,
});

/** Removes every record the predicate picks (GC, expiry, StatefulSet scale-down): a release is a status write too. */
export function releaseFromPool(
  pool: SpiderIPPool,
  predicate: (ip: string, record: PoolRecord) => boolean,
): (StatusUpdate & { released: RecordEntry[] }) | { error: AllocationError } {
  const read = readRecords(pool);
  if ('error' in read) return read;
  const released: RecordEntry[] = [];
  for (const [ip, record] of read.records) {
    if (!predicate(ip, record)) continue;
    released.push({ ip, record });
    read.records.delete(ip);
  }
  return { ...update(pool, read.records, released.length > 0), released };
}

/**
 * Binds the pending records of a reservation token to the Pod that carries the token: they become Spiderpool's
 * {pod, podUid}. Binding again is a no-op, so the scaler may retry after a conflict.
 */
export function bindInPool(
  pool: SpiderIPPool,
  token: string,
  pod: string,
  uid: string,
): (StatusUpdate & { ips: string[] }) | { error: AllocationError } {
  const name = pool.metadata.name ?? '';
  const read = readRecords(pool, { pod, uid });
  if ('error' in read) return read;
  const { records } = read;
  const pending = [...records].filter(([, r]) => r.token === token);
  if (pending.length === 0) {
    const done = [...records].filter(([, r]) => r.pod === pod && r.podUid === uid && r.token === undefined).map(([ip]) => ip);
    if (done.length > 0) return { ...update(pool, records, false), ips: done };
    return {
      error: allocationError('not-found', name, `pool "${name}" holds no reservation with token "${token}" (expired and released?)`),
    };
  }
  for (const [ip, record] of pending) {
    // A token names one admission request, so one Pod; refuse to hand its IP to a Pod of another name.
    const named = !record.pod.endsWith('/');
    if (podNamespace(record.pod) !== podNamespace(pod) || (named && record.pod !== pod)) {
      return {
        error: allocationError(
          'mismatch',
          name,
          `pool "${name}": the reservation of ${ip} with token "${token}" belongs to ${record.pod}, not ${pod}`,
        ),
      };
    }
    records.set(ip, bind(record, pod, uid));
  }
  return { ...update(pool, records, true), ips: pending.map(([ip]) => ip) };
}

/** Binds (or re-binds, after the Pod was re-created) the records of a StatefulSet Pod, found by its name. */
export function bindStatefulSetPodInPool(
  pool: SpiderIPPool,
  pod: string,
  uid: string,
): (StatusUpdate & { ips: string[] }) | { error: AllocationError } {
  const name = pool.metadata.name ?? '';
  const read = readRecords(pool, { pod, uid });
  if ('error' in read) return read;
  const { records } = read;
  const mine = [...records].filter(([, r]) => r.pod === pod);
  if (mine.length === 0) return { error: allocationError('not-found', name, `pool "${name}" holds no record of ${pod}`) };
  let changed = false;
  for (const [ip, record] of mine) {
    if (!isPending(record) && record.podUid === uid && record.token === undefined && record.at === undefined) continue;
    records.set(ip, bind(record, pod, uid));
    changed = true;
  }
  return { ...update(pool, records, changed), ips: mine.map(([ip]) => ip) };
}
