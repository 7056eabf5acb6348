// Sets of addresses of one family, kept as sorted, disjoint, non-adjacent ranges.
// All arithmetic is bigint over ranges, so an IPv6 /64 (2^64 addresses) costs the
// same as a /30: nothing here ever enumerates a set it was not asked to walk.
import type { IPFamily } from './address.js';
import { formatIPRange, type IPRange, parseIPRange, rangeSize } from './range.js';

export interface IPRangeSet {
  family: IPFamily;
  /** Sorted, disjoint and non-adjacent: the minimal form. */
  ranges: readonly IPRange[];
}

export function emptySet(family: IPFamily): IPRangeSet {
  return { family, ranges: [] };
}

/** Sorts, de-duplicates and merges overlapping or adjacent ranges. */
export function rangeSetOf(family: IPFamily, ranges: Iterable<IPRange>): IPRangeSet {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const merged: IPRange[] = [];
  for (const r of sorted) {
    if (r.family !== family) throw new TypeError(`an IPv${r.family} range cannot join an IPv${family} set`);
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end + 1n) {
      if (r.end > last.end) merged[merged.length - 1] = { ...last, end: r.end };
    } else {
      merged.push({ family, start: r.start, end: r.end });
    }
  }
  return { family, ranges: merged };
}

export function union(a: IPRangeSet, b: IPRangeSet): IPRangeSet {
  return rangeSetOf(a.family, [...a.ranges, ...b.ranges]);
}

export function subtract(a: IPRangeSet, b: IPRangeSet): IPRangeSet {
  const out: IPRange[] = [];
  let j = 0;
  for (const r of a.ranges) {
    let start = r.start;
    while (j < b.ranges.length && (b.ranges[j] as IPRange).end < start) j++;
    let k = j;
    while (start <= r.end) {
      const cut = b.ranges[k];
      if (!cut || cut.start > r.end) {
        out.push({ family: a.family, start, end: r.end });
        break;
      }
      if (cut.start > start) out.push({ family: a.family, start, end: cut.start - 1n });
      start = cut.end + 1n;
      k++;
    }
  }
  return { family: a.family, ranges: out };
}

export function intersect(a: IPRangeSet, b: IPRangeSet): IPRangeSet {
  const out: IPRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.ranges.length && j < b.ranges.length) {
    const x = a.ranges[i] as IPRange;
    const y = b.ranges[j] as IPRange;
    const start = x.start > y.start ? x.start : y.start;
    const end = x.end < y.end ? x.end : y.end;
    if (start <= end) out.push({ family: a.family, start, end });
    if (x.end < y.end) i++;
    else j++;
  }
  return { family: a.family, ranges: out };
}

export function overlaps(a: IPRangeSet, b: IPRangeSet): boolean {
  return a.family === b.family && intersect(a, b).ranges.length > 0;
}

export function isEmpty(set: IPRangeSet): boolean {
  return set.ranges.length === 0;
}

export function contains(set: IPRangeSet, value: bigint): boolean {
  let lo = 0;
  let hi = set.ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = set.ranges[mid] as IPRange;
    if (value < r.start) hi = mid - 1;
    else if (value > r.end) lo = mid + 1;
    else return true;
  }
  return false;
}

/** True when every address of `inner` is in `outer`. */
export function isSubset(inner: IPRangeSet, outer: IPRangeSet): boolean {
  return inner.family === outer.family && isEmpty(subtract(inner, outer));
}

export function count(set: IPRangeSet): bigint {
  return set.ranges.reduce((n, r) => n + rangeSize(r), 0n);
}

/** Addresses in ascending order, lazily. */
export function* addresses(set: IPRangeSet): Generator<bigint> {
  for (const r of set.ranges) for (let v = r.start; v <= r.end; v++) yield v;
}

/** The lowest `n` addresses of the set (fewer if it is smaller). */
export function lowest(set: IPRangeSet, n: number): bigint[] {
  const out: bigint[] = [];
  if (n <= 0) return out;
  for (const v of addresses(set)) {
    out.push(v);
    if (out.length >= n) break;
  }
  return out;
}

/** The lowest `n` addresses as a set: what carving IPs for a pool out of a subnet takes. */
export function lowestSubset(set: IPRangeSet, n: bigint): IPRangeSet {
  const out: IPRange[] = [];
  let left = n;
  for (const r of set.ranges) {
    if (left <= 0n) break;
    const size = rangeSize(r);
    if (size <= left) {
      out.push(r);
      left -= size;
    } else {
      out.push({ ...r, end: r.start + left - 1n });
      left = 0n;
    }
  }
  return { family: set.family, ranges: out };
}

/** The minimal sorted list Spiderpool stores: ["10.6.0.5", "10.6.0.7-10.6.0.9"]. */
export function formatRangeSet(set: IPRangeSet): string[] {
  return set.ranges.map(formatIPRange);
}

export interface RangeListError {
  index: number;
  value: string;
  reason: string;
}

/**
 * Parses a list like spec.ips. Every item must be of `family` when given; the
 * errors name each offending item so a denial can point at `spec.ips[3]`.
 */
export function parseRangeList(items: readonly string[], family?: IPFamily): { set?: IPRangeSet; errors: RangeListError[] } {
  const errors: RangeListError[] = [];
  const ranges: IPRange[] = [];
  items.forEach((value, index) => {
    const parsed = parseIPRange(value);
    if (!parsed.ok) errors.push({ index, value, reason: parsed.reason });
    else if (family !== undefined && parsed.value.family !== family)
      errors.push({ index, value, reason: `"${value}" is IPv${parsed.value.family}, not IPv${family}` });
    else ranges.push(parsed.value);
  });
  if (errors.length > 0) return { errors };
  const setFamily = family ?? ranges[0]?.family;
  if (setFamily === undefined) return { errors };
  const mixed = ranges.findIndex((r) => r.family !== setFamily);
  if (mixed >= 0) return { errors: [{ index: mixed, value: items[mixed] ?? '', reason: 'IPv4 and IPv6 cannot be mixed in one list' }] };
  return { set: rangeSetOf(setFamily, ranges), errors };
}
