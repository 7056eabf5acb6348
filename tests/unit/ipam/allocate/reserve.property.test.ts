// Batch reservation against a naive oracle (a Set of every address of a 48-address window): no address is handed
// out twice, nothing excluded, reserved or held is handed out, the lowest free addresses go first in request order,
// and re-running a batch on its own output changes nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ReservationRequest, reserveInPool } from '../../../../ipam/allocate/index.js';
import { formatRangeSet, rangeSetOf } from '../../../../ipam/ip/index.js';
import type { PoolRecord } from '../../../../ipam/model/index.js';
import { now, pool, recordsOf } from './fixtures.js';

const size = 48;
const ipAt = (offset: number) => `10.0.0.${offset}`;
const offsetOf = (ip: string) => Number(ip.split('.')[3]);

const arbRanges = (max: number) =>
  fc.array(
    fc
      .tuple(fc.integer({ min: 0, max: size - 1 }), fc.integer({ min: 0, max: 12 }))
      .map(([start, len]) => [start, Math.min(size - 1, start + len)]),
    { maxLength: max },
  );

const tokens = ['t0', 't1', 't2', 't3', 't4'];
const statefulPods = ['ns/s-0', 'ns/s-1', 'ns/s-2'];
const arbKey = fc.oneof(
  fc.constantFrom(...tokens).map((token) => ({ token, pod: 'ns/' })),
  fc.constantFrom(...statefulPods).map((pod) => ({ pod })),
);
/** With `true`, a StatefulSet request also gives the Pod's UID (one UID per name, as in a cluster). */
const arbRequestKey = fc.tuple(arbKey, fc.boolean());
const arbRecord: fc.Arbitrary<PoolRecord> = fc.oneof(
  fc.constantFrom(...tokens).map((token) => ({ pod: 'ns/', podUid: '', token, at: 1 })),
  fc.constantFrom(...statefulPods).map((pod) => ({ pod, podUid: '', at: 1 })),
  fc.integer({ min: 0, max: 99 }).map((i) => ({ pod: `ns/bound-${i}`, podUid: `uid-${i}` })),
  fc.constantFrom(...statefulPods).map((pod) => ({ pod, podUid: `uid-${pod}` })),
);

const arbCase = fc.record({
  ips: arbRanges(4),
  excludeIPs: arbRanges(3),
  reserved: arbRanges(3),
  records: fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: size - 1 }), arbRecord), { selector: ([o]) => o, maxLength: 12 }),
  keys: fc.array(arbRequestKey, { maxLength: 14 }),
});

type Case = typeof arbCase extends fc.Arbitrary<infer T> ? T : never;

const expand = (ranges: number[][]) => new Set(ranges.flatMap(([a = 0, b = 0]) => Array.from({ length: b - a + 1 }, (_, i) => a + i)));
const setOf = (ranges: number[][]) =>
  rangeSetOf(
    4,
    ranges.map(([a = 0, b = 0]) => ({ family: 4 as const, start: 0x0a000000n + BigInt(a), end: 0x0a000000n + BigInt(b) })),
  );
/** Lists as the defaulting webhook stores them: sorted and merged. */
const text = (ranges: number[][]) => formatRangeSet(setOf(ranges));

function setup(c: Case) {
  const records = Object.fromEntries(c.records.map(([o, r]) => [ipAt(o), r]));
  const p = pool('prop', { ipVersion: 4, subnet: '10.0.0.0/24', ips: text(c.ips), excludeIPs: text(c.excludeIPs) }, records);
  const reserved = setOf(c.reserved);
  const requests: ReservationRequest[] = c.keys.map(([key, knownUid], i) => ({
    id: `r${i}`,
    family: 4,
    key,
    ...(knownUid && !('token' in key) ? { podUid: `uid-${key.pod}` } : {}),
  }));
  const held = new Set(c.records.map(([o]) => o));
  const excluded = expand(c.excludeIPs);
  const blocked = expand(c.reserved);
  const free = [...expand(c.ips)].filter((o) => !excluded.has(o) && !blocked.has(o) && !held.has(o)).sort((a, b) => a - b);
  return { p, reserved, requests, held, free };
}

describe('batch reservation (property tests)', () => {
  it('never hands one address to two requests, nor an excluded, reserved or held one; lowest first', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { p, reserved, requests, held, free } = setup(c);
        const out = reserveInPool(p, requests, reserved, now);
        const granted = requests.map((r) => out.results.get(r.id)).filter((r) => r !== undefined && 'ip' in r);
        const ips = granted.map((r) => r.ip);
        expect(new Set(ips).size).toBe(ips.length);
        const fresh = granted.filter((r) => !r.idempotent).map((r) => offsetOf(r.ip));
        for (const o of fresh) expect(held.has(o)).toBe(false);
        // The new addresses are exactly the lowest free ones; with one request per key, in request order.
        expect([...fresh].sort((a, b) => a - b)).toEqual(free.slice(0, fresh.length));
        const distinctKeys = new Set(c.keys.map(([k]) => JSON.stringify(k))).size === c.keys.length;
        if (distinctKeys) expect(fresh).toEqual(free.slice(0, fresh.length));
        // Whoever got nothing was refused because the free addresses ran out.
        const refused = requests.filter((r) => 'error' in (out.results.get(r.id) ?? {}));
        if (refused.length > 0) expect(fresh.length).toBe(free.length);
        expect(out.allocatedIPCount).toBe(held.size + fresh.length);
        for (const r of granted.filter((g) => g.idempotent)) expect(held.has(offsetOf(r.ip))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('is idempotent: the same batch on its own output changes nothing and returns the same addresses', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { p, reserved, requests } = setup(c);
        const first = reserveInPool(p, requests, reserved, now);
        const written = pool('prop', p.spec, recordsOf(first.allocatedIPs));
        const second = reserveInPool(written, requests, reserved, new Date(now.getTime() + 5000));
        expect(second.changed).toBe(false);
        expect(second.allocatedIPs).toBe(written.status?.allocatedIPs);
        for (const r of requests) {
          const a = first.results.get(r.id);
          const b = second.results.get(r.id);
          if (a && 'ip' in a) expect(b).toEqual({ ip: a.ip, idempotent: true });
          else expect(b && 'error' in b).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('writes status text in ascending address order, whatever order the records were stored in', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { p, reserved, requests } = setup(c);
        const out = reserveInPool(p, requests, reserved, now);
        if (!out.changed || out.allocatedIPs === null) return;
        const keys = Object.keys(JSON.parse(out.allocatedIPs)).map(offsetOf);
        expect(keys).toEqual([...keys].sort((a, b) => a - b));
      }),
    );
  });
});
