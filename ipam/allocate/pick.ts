// Choosing an address inside one pool (behaviour §3.8 steps 2-4): free = (ips − excludeIPs) − allocated − reserved
// IPs of the pool's family, and the lowest free address wins (deterministic, whatever Spiderpool's `genRandomIP`
// name says). Everything is range arithmetic, so an IPv6 /64 with 2^64 addresses costs what a /30 costs.
import {
  addresses,
  count,
  emptySet,
  formatIP,
  type IPFamily,
  type IPRange,
  type IPRangeSet,
  intersect,
  parseIPRange,
  rangeSetOf,
  subtract,
  union,
} from '../ip/index.js';
import { ipv4Number, keyAddress, type PoolRecords, type SpiderIPPool, type SpiderReservedIP } from '../model/index.js';
import { storedAddresses } from '../rules/index.js';
import { type AllocationError, allocationError, usedOutSubstring } from './allocation-error.js';

/** Why the pool takes no new allocation (behaviour §3.6 rules 1-2), or undefined when it does. */
export function whyPoolCannotAllocate(pool: SpiderIPPool): string | undefined {
  const name = pool.metadata.name ?? '';
  if (pool.metadata.deletionTimestamp) return `pool "${name}" is terminating (metadata.deletionTimestamp is set) and allocates no new IPs`;
  if (pool.spec.disable === true) return `pool "${name}" is disabled (spec.disable is true) and allocates no new IPs`;
  return undefined;
}

function reservedFamily(object: SpiderReservedIP): IPFamily | undefined {
  if (object.spec.ipVersion === 4 || object.spec.ipVersion === 6) return object.spec.ipVersion;
  const first = (object.spec.ips ?? [])[0];
  const parsed = first === undefined ? undefined : parseIPRange(first);
  return parsed?.ok ? parsed.value.family : undefined;
}

/**
 * Addresses no pool of `family` may hand out: those of every SpiderReservedIP of that family that is not
 * terminating (behaviour §1.3). An item that does not parse reserves nothing; validation refuses such objects.
 */
export function reservedAddresses(objects: readonly SpiderReservedIP[], family: IPFamily): IPRangeSet {
  const ranges: IPRange[] = [];
  for (const object of objects) {
    if (object.metadata.deletionTimestamp || reservedFamily(object) !== family) continue;
    for (const item of object.spec.ips ?? []) {
      const parsed = parseIPRange(item);
      if (parsed.ok && parsed.value.family === family) ranges.push(parsed.value);
    }
  }
  return rangeSetOf(family, ranges);
}

/** The addresses the records hold. */
export function allocatedAddresses(records: ReadonlyMap<string, unknown>, family: IPFamily): IPRangeSet {
  if (family === 4) return ipv4Set([...records.keys()]);
  const ranges: IPRange[] = [];
  let ascending = true;
  for (const ip of records.keys()) {
    const address = keyAddress(ip);
    if (address?.family !== family) continue;
    const last = ranges[ranges.length - 1];
    // Parsed records come in address order: extend the last run instead of sorting thousands of bigints.
    if (last && address.value === last.end + 1n) last.end = address.value;
    else {
      if (last && address.value <= last.end) ascending = false;
      ranges.push({ family, start: address.value, end: address.value });
    }
  }
  return ascending ? { family, ranges } : rangeSetOf(family, ranges);
}

/** IPv4 keys sorted as numbers and merged into runs: one bigint per run instead of per address. */
function ipv4Set(keys: readonly string[]): IPRangeSet {
  const values = new Float64Array(keys.length);
  let n = 0;
  for (const key of keys) {
    const value = ipv4Number(key);
    if (value !== undefined) values[n++] = value;
  }
  const sorted = values.subarray(0, n).sort();
  const ranges: IPRange[] = [];
  for (let i = 0; i < sorted.length; ) {
    const start = sorted[i] as number;
    let end = start;
    while (i + 1 < sorted.length && (sorted[i + 1] as number) <= end + 1) end = sorted[++i] as number;
    i++;
    ranges.push({ family: 4, start: BigInt(start), end: BigInt(end) });
  }
  return { family: 4, ranges };
}

/** Reserved IPs of another family (or none) never matter to a pool. */
const sameFamily = (set: IPRangeSet | undefined, family: IPFamily): IPRangeSet => (set && set.family === family ? set : emptySet(family));

export function freeAddresses(usable: IPRangeSet, allocated: IPRangeSet, reserved: IPRangeSet | undefined): IPRangeSet {
  return subtract(usable, union(sameFamily(allocated, usable.family), sameFamily(reserved, usable.family)));
}

/** The "why" of an exhausted pool, with the numbers an operator needs to decide what to free or add. */
export function usedOutError(name: string, usable: IPRangeSet, allocated: IPRangeSet, reserved: IPRangeSet | undefined): AllocationError {
  const held = count(intersect(usable, allocated));
  const blocked = count(subtract(intersect(usable, sameFamily(reserved, usable.family)), allocated));
  const reservedText = blocked > 0n ? `, ${blocked} held by SpiderReservedIPs` : '';
  return allocationError(
    'used-out',
    name,
    `pool "${name}": ${usedOutSubstring} (${held} of ${count(usable)} usable IPs allocated${reservedText}); free IPs or add a pool`,
  );
}

/**
 * The lowest free address of the pool, or why there is none. Pure: the caller writes the record (see reserve.ts,
 * which also hands out several addresses in one pass).
 */
export function pickLowestFree(
  pool: SpiderIPPool,
  records: PoolRecords,
  reserved: IPRangeSet | undefined,
): { ip: string } | { error: AllocationError } {
  const name = pool.metadata.name ?? '';
  const why = whyPoolCannotAllocate(pool);
  if (why) return { error: allocationError('unavailable', name, why) };
  const stored = storedAddresses(pool);
  if (!stored.ok) return { error: allocationError('unreadable', name, `pool "${name}": its spec cannot be read: ${stored.problem}`) };
  const allocated = allocatedAddresses(records, stored.family);
  const first = addresses(freeAddresses(stored.usable, allocated, reserved)).next();
  if (first.done) return { error: usedOutError(name, stored.usable, allocated, reserved) };
  return { ip: formatIPOf(stored.family, first.value) };
}

export const formatIPOf = (family: IPFamily, value: bigint): string => formatIP({ family, value });
