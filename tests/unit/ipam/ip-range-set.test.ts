// Range-set algebra checked against a naive oracle (a Set of every address) on a
// small address window, plus exact vectors from Spiderpool's IP tests.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addresses,
  contains,
  count,
  formatRangeSet,
  type IPRange,
  type IPRangeSet,
  intersect,
  isSubset,
  lowest,
  lowestSubset,
  overlaps,
  parseRangeList,
  rangeSetOf,
  subtract,
  union,
} from '../../../ipam/ip/index.js';

const windowSize = 64n;
const arbRange = fc
  .tuple(fc.bigInt({ min: 0n, max: windowSize - 1n }), fc.bigInt({ min: 0n, max: 8n }))
  .map(([start, len]): IPRange => ({ family: 4, start, end: start + len }));
const arbSet = fc.array(arbRange, { maxLength: 6 }).map((ranges) => rangeSetOf(4, ranges));

const members = (set: IPRangeSet) => new Set(addresses(set));
const sorted = (values: Iterable<bigint>) => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

function isMinimal(set: IPRangeSet): boolean {
  return set.ranges.every((r, i) => r.start <= r.end && (i === 0 || (set.ranges[i - 1] as IPRange).end + 1n < r.start));
}

describe('range sets (property tests)', () => {
  it('union, subtract and intersect agree with set arithmetic and stay minimal', () => {
    fc.assert(
      fc.property(arbSet, arbSet, (a, b) => {
        const ma = members(a);
        const mb = members(b);
        const u = union(a, b);
        const s = subtract(a, b);
        const i = intersect(a, b);
        expect(sorted(members(u))).toEqual(sorted(new Set([...ma, ...mb])));
        expect(sorted(members(s))).toEqual(sorted([...ma].filter((v) => !mb.has(v))));
        expect(sorted(members(i))).toEqual(sorted([...ma].filter((v) => mb.has(v))));
        expect([u, s, i].every(isMinimal)).toBe(true);
        expect(overlaps(a, b)).toBe(i.ranges.length > 0);
        expect(isSubset(i, a) && isSubset(i, b)).toBe(true);
        expect(count(u)).toBe(count(a) + count(b) - count(i));
      }),
    );
  });

  it('subtract then union restores: (a − b) ∪ (a ∩ b) = a, and counts add up', () => {
    fc.assert(
      fc.property(arbSet, arbSet, (a, b) => {
        expect(union(subtract(a, b), intersect(a, b))).toEqual(a);
        expect(count(subtract(a, b)) + count(intersect(a, b))).toBe(count(a));
        expect(count(a)).toBe(BigInt(members(a).size));
      }),
    );
  });

  it('contains answers membership exactly', () => {
    fc.assert(fc.property(arbSet, fc.bigInt({ min: 0n, max: windowSize + 10n }), (set, v) => contains(set, v) === members(set).has(v)));
  });

  it('lowest and lowestSubset take the smallest addresses', () => {
    fc.assert(
      fc.property(arbSet, fc.integer({ min: 0, max: 80 }), (set, n) => {
        const expected = sorted(members(set)).slice(0, n);
        expect(lowest(set, n)).toEqual(expected);
        expect(sorted(members(lowestSubset(set, BigInt(n))))).toEqual(expected);
      }),
    );
  });

  it('formatting then parsing gives the same set', () => {
    fc.assert(
      fc.property(arbSet, (set) => {
        const parsed = parseRangeList(formatRangeSet(set), 4);
        expect(parsed.errors).toEqual([]);
        expect(parsed.set).toEqual(set);
      }),
    );
  });
});

describe('range sets (vectors)', () => {
  const set = (items: string[]) => {
    const parsed = parseRangeList(items);
    if (!parsed.set) throw new Error(JSON.stringify(parsed.errors));
    return parsed.set;
  };

  it('merges into the minimal sorted list Spiderpool stores', () => {
    expect(formatRangeSet(set(['10.6.0.9', '10.6.0.5', '10.6.0.7-10.6.0.8', '10.6.0.8']))).toEqual(['10.6.0.5', '10.6.0.7-10.6.0.9']);
    expect(formatRangeSet(set(['10.6.0.1', '10.6.0.2']))).toEqual(['10.6.0.1-10.6.0.2']);
  });

  it('computes usable IPs as ips minus excludeIPs', () => {
    const usable = subtract(set(['172.18.40.10', '172.18.40.1-172.18.40.2']), set(['172.18.40.10', '172.18.40.2-172.18.40.3']));
    expect(formatRangeSet(usable)).toEqual(['172.18.40.1']);
  });

  it('treats ranges that share an address as overlapping, and neighbours as not', () => {
    expect(overlaps(set(['172.18.40.1-172.18.40.2']), set(['172.18.40.2-172.18.40.3']))).toBe(true);
    expect(overlaps(set(['172.18.40.1-172.18.40.2']), set(['172.18.40.3-172.18.40.4']))).toBe(false);
  });

  it('counts a /64 exactly and takes its lowest addresses without enumerating it', () => {
    const big = set(['fd00::-fd00::ffff:ffff:ffff:ffff']);
    expect(count(big)).toBe(1n << 64n);
    expect(formatRangeSet(lowestSubset(subtract(big, set(['fd00::', 'fd00::2'])), 3n))).toEqual(['fd00::1', 'fd00::3-fd00::4']);
  });

  it('names every bad item of a list with its index', () => {
    const parsed = parseRangeList(['10.0.0.1', '010.0.0.2', 'fd00::1', '10.0.0.9-10.0.0.3'], 4);
    expect(parsed.set).toBeUndefined();
    expect(parsed.errors.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(parsed.errors[1]?.reason).toBe('"fd00::1" is IPv6, not IPv4');
  });
});
