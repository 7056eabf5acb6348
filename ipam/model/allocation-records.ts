// The records of SpiderIPPool.status.allocatedIPs: one JSON object, serialised into a string, keyed by bare IP.
//
// Bound (Spiderpool's shape, which other tools parse):  {"pod": "<ns>/<name>", "podUid": "<uid>"}
// Pending (made at admission, before the Pod has a UID and often a name):
//   by token (every Pod but StatefulSet Pods):  {"pod": "<ns>/", "podUid": "", "token": "<22 chars>", "at": 1767225600}
//   by name (StatefulSet Pods):                 {"pod": "<ns>/<sts>-<n>", "podUid": "", "at": 1767225600}
// `pod` and `podUid` stay present so parsers that expect them keep working; an empty `podUid` is what makes a record
// pending. `token` ties the record to the admission request that made it (the Pod's annotations carry the same
// token) and `at` dates it, so the releaser can expire a reservation whose Pod never appeared.
import type { IPFamily, Parsed } from '../ip/index.js';
import { type KeyOrder, keyOrder, readKey } from './ip-keys.js';
import { poolFamily } from './pool-family.js';
import type { SpiderIPPool } from './resources.js';
import { isJSONObject, parseStatusDocument } from './status-document.js';

export interface PoolRecord {
  /** "<namespace>/<name>"; "<namespace>/" while a generateName Pod has no name yet. */
  pod: string;
  /** The Pod's UID; "" until the reservation is bound. */
  podUid: string;
  /** Pending, keyed by admission: the reservation token. */
  token?: string;
  /** Pending: when the reservation was made, in whole seconds since the epoch. */
  at?: number;
  /** Fields another writer put there; kept as they are. */
  [extra: string]: unknown;
}

/** Records keyed by canonical IP text; parseRecords returns them in ascending address order. */
export type PoolRecords = Map<string, PoolRecord>;

export interface RecordEntry {
  ip: string;
  record: PoolRecord;
}

/** Whole seconds since the epoch: `at` is a number, not a timestamp string, because every byte is paid once per record. */
export const epochSeconds = (now: Date): number => Math.floor(now.getTime() / 1000);

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The token recorded for an admission request: its UID (a UUID, 36 characters) as 22 base64url characters. The
 * webhook writes this same value into the Pod's annotations, so the scaler finds the record by string equality.
 * Anything that is not a UUID is kept as it is (API servers always send UUIDs; test fixtures may not).
 */
export function reservationToken(admissionRequestUID: string): string {
  if (!uuidPattern.test(admissionRequestUID)) return admissionRequestUID;
  // 128 bits padded to 132 = 22 groups of 6 bits.
  let value = BigInt(`0x${admissionRequestUID.replaceAll('-', '')}`) << 4n;
  let out = '';
  for (let i = 0; i < 22; i++) {
    out = base64url[Number(value & 63n)] + out;
    value >>= 6n;
  }
  return out;
}

export const isPending = (record: PoolRecord): boolean => record.podUid === '';

/**
 * A pending record older than the grace period. One without `at` cannot be dated and counts as expired: every
 * pending record this IPAM writes has one, so such a record was left by something else.
 */
export function isExpired(record: PoolRecord, now: Date, ttlSeconds: number): boolean {
  if (!isPending(record)) return false;
  return record.at === undefined || epochSeconds(now) - record.at >= ttlSeconds;
}

/** The namespace part of "<ns>/<name>". */
export const podNamespace = (pod: string): string => pod.slice(0, Math.max(0, pod.indexOf('/')));

/** A new pending record. A StatefulSet reservation (keyed by name) has no token. */
export function pendingRecord(pod: string, token: string | undefined, now: Date): PoolRecord {
  return token === undefined ? { pod, podUid: '', at: epochSeconds(now) } : { pod, podUid: '', token, at: epochSeconds(now) };
}

/** The bound form, Spiderpool's {pod, podUid}: `token` and `at` go, fields of other writers stay. */
export function bind(record: PoolRecord, pod: string, uid: string): PoolRecord {
  const { pod: _pod, podUid: _uid, token: _token, at: _at, ...extras } = record;
  return { pod, podUid: uid, ...extras };
}

/**
 * Parses the status text. Keys are made canonical (so "FD00::1" and "fd00::1" are one address); a key that is not an
 * IP of `family`, a duplicate, or a record without string `pod`/`podUid` fails the whole parse, because writing back
 * a status we could not read would destroy what we did not understand.
 */
export function parseRecords(text: string | null | undefined, family?: IPFamily): Parsed<PoolRecords> {
  const records: PoolRecords = new Map();
  const read = parseStatusDocument('status.allocatedIPs', text, 'IP');
  if (!read.ok) return read;
  const doc = read.value;
  // Stored order is ascending whenever this IPAM wrote the status; anything else is re-sorted once, here, so every
  // reader (findBy*, the StatefulSet plan) sees records in address order, however another writer stored them.
  let previous: KeyOrder | undefined;
  let sorted = true;
  for (const [key, value] of Object.entries(doc)) {
    const read = readKey(key, family);
    if (!read.ok) return { ok: false, reason: `status.allocatedIPs has the key "${key}", ${read.reason}` };
    const { text: ip, order } = read.value;
    if (records.has(ip)) return { ok: false, reason: `status.allocatedIPs holds ${ip} twice` };
    const problem = recordProblem(value);
    if (problem) return { ok: false, reason: `status.allocatedIPs["${key}"] ${problem}` };
    if (previous !== undefined && order < previous) sorted = false;
    previous = order;
    records.set(ip, value as PoolRecord);
  }
  return { ok: true, value: sorted ? records : new Map(sortedKeys(records).map((k) => [k, records.get(k) as PoolRecord])) };
}

/** The last parse of each pool's status, by pool name; bounded so pools deleted long ago do not linger. */
const lastParses = new Map<string, { text: string; family: IPFamily | undefined; parsed: Parsed<PoolRecords> }>();
const maxRemembered = 10_000;

/**
 * parseRecords of a stored pool, in the pool's family, done once per status text. The releaser, the status
 * controller and reservation batches read the same version of a pool again and again (in the 500-Pod admission and
 * release-storm tests, 56 % of the text parsed had been parsed before). The map and its frozen records are shared by
 * every caller: a writer copies the map (`new Map(...)`) before changing it.
 */
export function poolRecords(pool: SpiderIPPool): Parsed<ReadonlyMap<string, PoolRecord>> {
  const text = pool.status?.allocatedIPs;
  const family = poolFamily(pool);
  const name = pool.metadata.name;
  if (!name || !text) return parseRecords(text, family);
  let last = lastParses.get(name);
  if (!last || last.text !== text || last.family !== family) {
    const parsed = parseRecords(text, family);
    if (parsed.ok) for (const record of parsed.value.values()) Object.freeze(record);
    last = { text, family, parsed };
    lastParses.delete(name);
    lastParses.set(name, last);
    if (lastParses.size > maxRemembered) lastParses.delete(lastParses.keys().next().value as string);
  }
  return last.parsed;
}

function sortedKeys(records: ReadonlyMap<string, unknown>): string[] {
  const keyed = [...records.keys()].map((ip) => ({ ip, key: keyOrder(ip) }));
  // Mostly sorted already (the stored order plus a few new keys): the engine's merge sort is near linear on that.
  keyed.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return keyed.map(({ ip }) => ip);
}

function recordProblem(value: unknown): string | undefined {
  if (!isJSONObject(value) || typeof value.pod !== 'string' || typeof value.podUid !== 'string') {
    return 'is not a record {"pod": "<namespace>/<name>", "podUid": "<uid>"}';
  }
  if (value.token !== undefined && typeof value.token !== 'string') return 'has a "token" that is not a string';
  if (value.at !== undefined && !(typeof value.at === 'number' && Number.isSafeInteger(value.at))) {
    return 'has an "at" that is not whole seconds since the epoch';
  }
  return undefined;
}

const knownFields = new Set(['pod', 'podUid', 'token', 'at']);
const noKeys: readonly string[] = [];

/** Fields of other writers. Almost every record has none, so count first and allocate only when there are some. */
function extraKeys(record: PoolRecord): readonly string[] {
  let fields = 0;
  for (const _ in record) fields++;
  if (fields === 2 + (record.token !== undefined ? 1 : 0) + (record.at !== undefined ? 1 : 0)) return noKeys;
  return Object.keys(record).filter((k) => !knownFields.has(k) && record[k] !== undefined);
}

/** One record as JSON with a fixed key order, so equal records always serialise to equal bytes. */
export function recordJSON(record: PoolRecord): string {
  let out = `{"pod":${JSON.stringify(record.pod)},"podUid":${JSON.stringify(record.podUid)}`;
  if (record.token !== undefined) out += `,"token":${JSON.stringify(record.token)}`;
  if (record.at !== undefined) out += `,"at":${record.at}`;
  for (const key of extraKeys(record)) out += `,${JSON.stringify(key)}:${JSON.stringify(record[key])}`;
  return `${out}}`;
}

/**
 * The status text: keys in ascending address order (diffs and `kubectl get -o yaml` stay readable), or null when
 * there is no record, because Spiderpool never stores an empty map.
 */
export function serializeRecords(records: ReadonlyMap<string, PoolRecord>): string | null {
  if (records.size === 0) return null;
  const parts = sortedKeys(records).map((ip) => `${JSON.stringify(ip)}:${recordJSON(records.get(ip) as PoolRecord)}`);
  return `{${parts.join(',')}}`;
}

function findAll(records: ReadonlyMap<string, PoolRecord>, match: (record: PoolRecord) => boolean): RecordEntry[] {
  const found: RecordEntry[] = [];
  for (const [ip, record] of records) if (match(record)) found.push({ ip, record });
  return found;
}

/** Every record of a reservation token: a Pod with two interfaces on one pool holds two. */
export const findByToken = (records: ReadonlyMap<string, PoolRecord>, token: string): RecordEntry[] =>
  findAll(records, (r) => r.token === token);

/** Every record of "<ns>/<name>", bound or pending: how a StatefulSet Pod finds its IPs again. */
export const findByPod = (records: ReadonlyMap<string, PoolRecord>, pod: string): RecordEntry[] => findAll(records, (r) => r.pod === pod);

/** Spiderpool's idempotency key (behaviour §3.8 step 1). */
export const findByPodUid = (records: ReadonlyMap<string, PoolRecord>, uid: string): RecordEntry[] =>
  uid === '' ? [] : findAll(records, (r) => r.podUid === uid);

// Stored size: the status is a JSON string inside the JSON object etcd keeps, so each `"` costs two bytes there.
const boundOverhead = 36; // `"":{"pod":"","podUid":""},`: 16 characters and 10 quotes, each escaped to two
/** A generateName Pod's final name is at most 63 characters (58 of prefix + 5 random). */
export const maxGeneratedNameLength = 63;
const uidLength = 36;

/**
 * What a record will cost in the stored object once bound: reservations are limited by this, so binding (which
 * replaces token and time with a name and a UID) can never push a pool past the etcd object limit.
 */
export function boundRecordBytes(ip: string, record: PoolRecord): number {
  const pending = isPending(record);
  const podBytes = record.pod.length + (pending && record.pod.endsWith('/') ? maxGeneratedNameLength : 0);
  const uidBytes = pending ? uidLength : record.podUid.length;
  const extras = extraKeys(record);
  const extraBytes =
    extras.length === 0 ? 0 : JSON.stringify(JSON.stringify(Object.fromEntries(extras.map((k) => [k, record[k]])))).length - 3;
  return boundOverhead + ip.length + podBytes + uidBytes + extraBytes;
}
