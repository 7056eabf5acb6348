// The pure half of group commit: every request queued for one pool is answered from one reading of the pool and
// written back in one status update (the kube layer guards it with resourceVersion and re-plans on conflict).
// Re-planning must be harmless, so a request whose key already has a record gets that record's IP again.
import { addresses, type IPFamily, type IPRangeSet } from '../ip/index.js';
import {
  bind,
  boundRecordBytes,
  compareIPs,
  type PoolRecord,
  type PoolRecords,
  pendingRecord,
  poolFamily,
  poolRecords,
  type SpiderIPPool,
  serializeRecords,
} from '../model/index.js';
import { storedAddresses } from '../rules/index.js';
import { type AllocationError, allocationError, usedOutSubstring } from './allocation-error.js';
import { allocatedAddresses, formatIPOf, freeAddresses, usedOutError, whyPoolCannotAllocate } from './pick.js';

/**
 * `token`: a reservation made at admission (the admission request's token; `pod` is "<ns>/" or "<ns>/<name>").
 * `pod` alone: a StatefulSet Pod, whose final name is its key from the start ("<ns>/<sts>-<ordinal>").
 */
export type ReservationKey = { token: string; pod: string } | { pod: string };

export interface ReservationRequest {
  /** Unique within a batch; the result is reported under it. */
  id: string;
  family: IPFamily;
  key: ReservationKey;
  /** When the Pod's UID is already known, the record is made bound and the UID is also an idempotency key. */
  podUid?: string;
  /**
   * Addresses of this key already handed to the Pod's other interfaces in earlier calls: never taken over again.
   * (One admission reserves interface by interface; both records carry the same key.)
   */
  skip?: readonly string[];
  /**
   * The address the Pod's own result annotation names for this interface (set by an earlier invocation of the
   * webhook for the same request): taken first when the key holds it, so a re-invocation answers the same.
   */
  prefer?: string;
}

export type ReservationResult = { ip: string; idempotent: boolean } | { error: AllocationError };

export interface StatusUpdate {
  /** The new status.allocatedIPs (null when empty); the stored text itself when nothing changed. */
  allocatedIPs: string | null;
  allocatedIPCount: number;
  /** False when no write is needed (every request was idempotent, or every one failed). */
  changed: boolean;
}

export interface PoolReservation extends StatusUpdate {
  results: Map<string, ReservationResult>;
}

export interface ReserveOptions {
  /** Bound on status.allocatedIPs as stored (escaped), counting pending records at their bound size. */
  maxAllocatedIPsBytes?: number;
}

/**
 * etcd refuses objects above ~1.5 MiB (1,572,864 bytes); the rest of the pool (spec, metadata, managedFields, a
 * last-applied annotation) gets the remaining ~370 KB. At ~120 stored bytes per record this is ~10,000 records.
 */
export const defaultMaxAllocatedIPsBytes = 1_200_000;

const tokenPod = /^[^/]+\/[^/]*$/;
const namedPod = /^[^/]+\/[^/]+$/;

function requestProblem(request: ReservationRequest): string | undefined {
  const { key } = request;
  if ('token' in key) {
    if (key.token === '') return 'has an empty token';
    if (!tokenPod.test(key.pod)) return `has pod "${key.pod}", expected "<namespace>/" or "<namespace>/<name>"`;
  } else if (!namedPod.test(key.pod)) return `has pod "${key.pod}", expected "<namespace>/<name>"`;
  if (request.podUid && !namedPod.test(key.pod)) return 'has a Pod UID but no Pod name';
  return undefined;
}

type KeyField = 'token' | 'pod' | 'podUid';

/** IPs of the records per key value; a batch takes each record at most once. */
class RecordIndex {
  private readonly lists = new Map<KeyField, Map<string, string[]>>();
  private readonly claimed = new Set<string>();

  /** Only the fields some request looks up are indexed: a batch pays for one pass over the records, not three. */
  constructor(records: PoolRecords, requests: readonly ReservationRequest[]) {
    for (const request of requests) {
      this.lists.set('token' in request.key ? 'token' : 'pod', new Map());
      if (request.podUid) this.lists.set('podUid', new Map());
    }
    for (const [ip, record] of records) {
      for (const [field, index] of this.lists) {
        const value = record[field];
        if (value === undefined || value === '') continue;
        const list = index.get(value);
        if (list) list.push(ip);
        else index.set(value, [ip]);
      }
    }
  }

  /** Up to `count` records of the request's UID or key that no earlier group took, lowest address first. */
  claim(request: ReservationRequest, count: number): string[] {
    const { key } = request;
    const byUid = request.podUid ? (this.lists.get('podUid')?.get(request.podUid) ?? []) : [];
    const byKey = ('token' in key ? this.lists.get('token')?.get(key.token) : this.lists.get('pod')?.get(key.pod)) ?? [];
    const skip = new Set(request.skip ?? []);
    const mine = [...new Set([...byUid, ...byKey])].filter((ip) => !this.claimed.has(ip) && !skip.has(ip)).sort(compareIPs);
    const preferred = request.prefer !== undefined ? mine.indexOf(request.prefer) : -1;
    if (preferred > 0) mine.unshift(...mine.splice(preferred, 1));
    const taken = mine.slice(0, count);
    for (const ip of taken) this.claimed.add(ip);
    return taken;
  }
}

/** Requests with one key (the interfaces of one Pod on this pool) and the records they take over. */
interface Group {
  /** The first request, carrying the UID if any request of the group gives one: it makes the group's records. */
  lead: ReservationRequest;
  requests: ReservationRequest[];
  held: string[];
  fresh: string[];
}

/** One key is one Pod, so requests sharing it share the Pod's UID: the first one given stands for the group. */
const groupKey = (r: ReservationRequest): string => ('token' in r.key ? `token ${r.key.token}` : `pod ${r.key.pod}`);

/**
 * Reserves one address per request in `pool`: requests whose key already has records get those back
 * (`idempotent: true`); the others get the lowest free addresses, in request order. A request that cannot be served
 * gets an error and the others still succeed. `reservedIPs`: the SpiderReservedIP addresses of the pool's family.
 *
 * Several requests with one key (one Pod's interfaces on a shared pool) receive the key's addresses in ascending
 * order, in request order, whether the addresses are old or new: records have no interface field, and this is the
 * only assignment a re-run on the written status reproduces. The results are in request order.
 */
export function reserveInPool(
  pool: SpiderIPPool,
  requests: readonly ReservationRequest[],
  reservedIPs: IPRangeSet | undefined,
  now: Date,
  options: ReserveOptions = {},
): PoolReservation {
  const name = pool.metadata.name ?? '';
  const stored = pool.status?.allocatedIPs ?? null;
  const outcome = new Map<string, ReservationResult>();
  const inOrder = () => new Map(requests.filter((r) => outcome.has(r.id)).map((r) => [r.id, outcome.get(r.id) as ReservationResult]));
  const family = poolFamily(pool);
  const parsed = poolRecords(pool);
  if (!parsed.ok) {
    const error = allocationError('unreadable', name, `pool "${name}": ${parsed.reason}; it is left as it is`);
    for (const request of requests) outcome.set(request.id, { error });
    return { allocatedIPs: stored, allocatedIPCount: pool.status?.allocatedIPCount ?? 0, changed: false, results: inOrder() };
  }
  // The parse is shared (poolRecords): this batch changes a copy.
  const records = new Map(parsed.value);

  const groups = new Map<string, Group>();
  const groupOf = new Map<ReservationRequest, Group>();
  const seen = new Set<string>();
  for (const request of requests) {
    if (seen.has(request.id)) continue;
    seen.add(request.id);
    const problem = requestProblem(request);
    const wrongFamily = family !== undefined && request.family !== family;
    if (problem || wrongFamily) {
      outcome.set(request.id, {
        error: problem
          ? allocationError('bad-request', name, `pool "${name}": reservation request "${request.id}" ${problem}`)
          : allocationError('wrong-family', name, `pool "${name}" serves IPv${family}, not the IPv${request.family} asked for`),
      });
      continue;
    }
    const key = groupKey(request);
    const group = groups.get(key) ?? { lead: request, requests: [], held: [], fresh: [] };
    groups.set(key, group);
    group.requests.push(request);
    if (request.podUid && !group.lead.podUid) group.lead = { ...group.lead, podUid: request.podUid };
    groupOf.set(request, group);
  }

  let changed = false;
  const index = new RecordIndex(
    records,
    [...groups.values()].map((g) => g.lead),
  );
  for (const group of groups.values()) {
    const { lead } = group;
    group.held = index.claim(lead, group.requests.length);
    for (const ip of group.held) {
      const record = records.get(ip) as PoolRecord;
      // A StatefulSet Pod re-created under its old name: the record follows the new UID (Spiderpool rewrites it too).
      if (lead.podUid && record.podUid !== lead.podUid) {
        records.set(ip, bind(record, lead.key.pod, lead.podUid));
        changed = true;
      }
    }
  }

  // New addresses, lowest first, for the requests beyond what their key already holds, in request order.
  const maxBytes = options.maxAllocatedIPsBytes ?? defaultMaxAllocatedIPsBytes;
  let allocator: Allocator | undefined;
  const position = new Map<Group, number>();
  for (const request of requests) {
    const group = groupOf.get(request);
    if (!group) continue;
    const i = position.get(group) ?? 0;
    position.set(group, i + 1);
    if (i < group.held.length) continue;
    allocator ??= startAllocator(pool, records, reservedIPs, maxBytes);
    const next = allocator.next(group.lead, now);
    if ('error' in next) {
      outcome.set(request.id, next);
      continue;
    }
    records.set(next.ip, next.record);
    group.fresh.push(next.ip);
    changed = true;
  }

  for (const group of groups.values()) {
    const ips = [...group.held, ...group.fresh].sort(compareIPs);
    const held = new Set(group.held);
    const served = group.requests.filter((r) => !outcome.has(r.id));
    served.forEach((r, i) => {
      const ip = ips[i] as string;
      outcome.set(r.id, { ip, idempotent: held.has(ip) });
    });
  }
  const allocatedIPs = changed ? serializeRecords(records) : stored;
  return { allocatedIPs, allocatedIPCount: records.size, changed, results: inOrder() };
}

interface Allocator {
  next(request: ReservationRequest, now: Date): { ip: string; record: PoolRecord } | { error: AllocationError };
}

/** Built at the first new allocation of a batch, so a batch of idempotent retries never computes a free set. */
function startAllocator(pool: SpiderIPPool, records: PoolRecords, reserved: IPRangeSet | undefined, maxBytes: number): Allocator {
  const name = pool.metadata.name ?? '';
  const why = whyPoolCannotAllocate(pool);
  if (why) return { next: () => ({ error: allocationError('unavailable', name, why) }) };
  const stored = storedAddresses(pool);
  if (!stored.ok) {
    const error = allocationError('unreadable', name, `pool "${name}": its spec cannot be read: ${stored.problem}`);
    return { next: () => ({ error }) };
  }
  const allocated = allocatedAddresses(records, stored.family);
  // Every address this batch takes comes from this one walk, so the batch never hands out one address twice.
  const free = addresses(freeAddresses(stored.usable, allocated, reserved));
  let bytes = 2;
  for (const [ip, record] of records) bytes += boundRecordBytes(ip, record);
  let carried: bigint | undefined;
  let usedOut: AllocationError | undefined;
  return {
    next(request, now) {
      if (usedOut) return { error: usedOut };
      const value = carried ?? free.next().value;
      carried = undefined;
      if (value === undefined) {
        usedOut = usedOutError(name, stored.usable, allocatedAddresses(records, stored.family), reserved);
        return { error: usedOut };
      }
      const ip = formatIPOf(stored.family, value);
      const { key, podUid } = request;
      const record: PoolRecord = podUid ? { pod: key.pod, podUid } : pendingRecord(key.pod, 'token' in key ? key.token : undefined, now);
      const cost = boundRecordBytes(ip, record);
      if (bytes + cost > maxBytes) {
        // The address stays free for a later, smaller request of this batch.
        carried = value;
        const message = `pool "${name}": ${usedOutSubstring}, its ${records.size} records would pass ${maxBytes} bytes of status.allocatedIPs (one object holds them all, and etcd refuses objects over ~1.5 MiB); spread the Pods over more pools`;
        return { error: allocationError('record-limit', name, message) };
      }
      bytes += cost;
      return { ip, record };
    },
  };
}
