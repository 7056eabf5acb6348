// validation-and-allocation-cases.md §3.4 (allocating inside one pool), as batches of reservations.
import { describe, expect, it } from 'vitest';
import {
  bindInPool,
  bindStatefulSetPodInPool,
  releaseFromPool,
  reservedAddresses,
  reserveInPool,
} from '../../../../ipam/allocate/index.js';
import { rangeSetOf } from '../../../../ipam/ip/index.js';
import type { PoolRecord } from '../../../../ipam/model/index.js';
import { byName, byToken, errorOf, expectUsedOut, ipOf, now, nowSeconds, pool, recordsOf, v4Pool } from './fixtures.js';

const U = 'uid-U';
const testPod: Record<string, PoolRecord> = { '172.18.40.40': { pod: 'default/testPod', podUid: U } };

describe('§3.4 the first free address', () => {
  it('takes spec.ips in order, minus excludeIPs, reserved IPs and allocated IPs', () => {
    const p = v4Pool(['172.18.40.10-172.18.40.20'], { '172.18.40.10': { pod: 'a/x', podUid: 'u' } }, { excludeIPs: ['172.18.40.11'] });
    const reserved = reservedAddresses([{ metadata: { name: 'r' }, spec: { ipVersion: 4, ips: ['172.18.40.12-172.18.40.13'] } }], 4);
    const out = reserveInPool(p, [byToken('a')], reserved, now);
    expect(ipOf(out.results.get('a'))).toBe('172.18.40.14');
  });

  it('is lowest-first, not random, and fills gaps below higher allocations', () => {
    const p = v4Pool(['172.18.40.2-172.18.40.9'], { '172.18.40.5': { pod: 'a/x', podUid: 'u' } });
    const out = reserveInPool(
      p,
      ['a', 'b', 'c', 'd'].map((id) => byToken(id)),
      undefined,
      now,
    );
    expect(['a', 'b', 'c', 'd'].map((id) => ipOf(out.results.get(id)))).toEqual([
      '172.18.40.2',
      '172.18.40.3',
      '172.18.40.4',
      '172.18.40.6',
    ]);
  });

  it('records a pending reservation and counts records (allocatedIPCount = records + 1)', () => {
    const out = reserveInPool(v4Pool(['172.18.40.40'], {}), [byToken('req', 'tok', 'default/')], undefined, now);
    expect(out).toMatchObject({ changed: true, allocatedIPCount: 1 });
    expect(recordsOf(out.allocatedIPs)).toEqual({ '172.18.40.40': { pod: 'default/', podUid: '', token: 'tok', at: nowSeconds } });
  });

  it('answers the single-IP pool 172.18.40.40 of 172.18.40.0/24 with 172.18.40.40 (the prefix and gateway come from the pool)', () => {
    const out = reserveInPool(v4Pool(['172.18.40.40']), [byToken('a')], undefined, now);
    expect(ipOf(out.results.get('a'))).toBe('172.18.40.40');
  });

  it('keys a KubeVirt VM like a StatefulSet Pod, by ns/<vmiName>', () => {
    const out = reserveInPool(v4Pool(['172.18.40.41']), [byName('vm', 'default/vmi-1')], undefined, now);
    expect(recordsOf(out.allocatedIPs)).toEqual({ '172.18.40.41': { pod: 'default/vmi-1', podUid: '', at: nowSeconds } });
  });
});

describe('§3.4 idempotency: a retried Pod never holds two records', () => {
  it('returns the IP of the record carrying the Pod UID, without a second record', () => {
    const p = v4Pool(['172.18.40.40-172.18.40.41'], testPod);
    const out = reserveInPool(p, [byName('again', 'default/testPod', U)], undefined, now);
    expect(out.results.get('again')).toEqual({ ip: '172.18.40.40', idempotent: true });
    expect(out).toMatchObject({ changed: false, allocatedIPCount: 1, allocatedIPs: p.status?.allocatedIPs });
  });

  it('returns the IP of the record carrying the reservation token (webhook reinvocation, conflict retry)', () => {
    const first = reserveInPool(v4Pool(['172.18.40.2-172.18.40.9']), [byToken('r', 'tok')], undefined, now);
    const again = reserveInPool(v4Pool(['172.18.40.2-172.18.40.9'], recordsOf(first.allocatedIPs)), [byToken('r2', 'tok')], undefined, now);
    expect(again.results.get('r2')).toEqual({ ip: ipOf(first.results.get('r')), idempotent: true });
    expect(again.changed).toBe(false);
  });

  // findAllocatedIPFromRecords: record 172.18.40.40 -> default/testPod, uid U; the pool has no other IP.
  it.each([
    ['same name, same UID', byName('q', 'default/testPod', U), '172.18.40.40'],
    ['other name, other UID', byName('q', 'default/other', 'uid-V'), 'used out'],
    // Spiderpool matches the UID alone first (§3.8 step 1), before its name+UID fallback.
    ['other name, same UID', byName('q', 'default/other', U), '172.18.40.40'],
    // A stateless Pod re-created under the same name is a new admission: a new token, so no match.
    ['same name, other UID, stateless (new token)', { ...byToken('q', 'new-token', 'default/testPod'), podUid: 'uid-V' }, 'used out'],
  ])('exhausted pool, request with %s -> %s', (_, request, expected) => {
    const out = reserveInPool(v4Pool(['172.18.40.40'], testPod), [request], undefined, now);
    if (expected === 'used out') expectUsedOut(out.results.get('q'), 'test-pool');
    else expect(ipOf(out.results.get('q'))).toBe(expected);
  });

  it('same name, other UID, StatefulSet: the record is reused and follows the new UID (§3.4 last vector, §5)', () => {
    const out = reserveInPool(v4Pool(['172.18.40.40'], testPod), [byName('q', 'default/testPod', 'uid-V')], undefined, now);
    expect(out.results.get('q')).toEqual({ ip: '172.18.40.40', idempotent: true });
    expect(recordsOf(out.allocatedIPs)).toEqual({ '172.18.40.40': { pod: 'default/testPod', podUid: 'uid-V' } });
  });
});

describe('§3.4 exhaustion and what admission-ipam does instead of the 5000-record cap', () => {
  it('answers a full pool with ErrIPUsedOut, naming the pool and the numbers', () => {
    const p = v4Pool(['172.18.40.40-172.18.40.41'], testPod, { excludeIPs: ['172.18.40.41'] });
    const error = errorOf(reserveInPool(p, [byToken('a')], undefined, now).results.get('a'));
    expect(error.message).toBe('pool "test-pool": all IP addresses used out (1 of 1 usable IPs allocated); free IPs or add a pool');
  });

  it('mentions addresses held by SpiderReservedIPs', () => {
    const reserved = rangeSetOf(4, [{ family: 4, start: 0xac122829n, end: 0xac122829n }]);
    const error = errorOf(reserveInPool(v4Pool(['172.18.40.40-172.18.40.41'], testPod), [byToken('a')], reserved, now).results.get('a'));
    expect(error.message).toContain('(1 of 2 usable IPs allocated, 1 held by SpiderReservedIPs)');
  });

  it('accepts a 5001st record (preface d): the bound is the size of the stored object', () => {
    const records = Object.fromEntries(
      Array.from({ length: 5000 }, (_, i) => [`10.0.${i >> 8}.${i & 255}`, { pod: `ns/p${i}`, podUid: `u${i}` }]),
    );
    const p = pool('big', { ipVersion: 4, subnet: '10.0.0.0/16', ips: ['10.0.0.0-10.0.255.255'] }, records);
    const out = reserveInPool(p, [byToken('a')], undefined, now);
    expect(out).toMatchObject({ changed: true, allocatedIPCount: 5001 });
  });

  it('refuses a record that would pass the byte budget with `all IP addresses used out`, and serves a smaller one', () => {
    const p = v4Pool(['172.18.40.2-172.18.40.9']);
    // A nameless reservation is budgeted at 154 bytes (its bound size with a 63-character name), "d/s" at 86.
    const budget = 250;
    const out = reserveInPool(p, [byToken('a'), byToken('b'), byName('c', 'd/s')], undefined, now, { maxAllocatedIPsBytes: budget });
    expect(ipOf(out.results.get('a'))).toBe('172.18.40.2');
    expect(errorOf(out.results.get('b'))).toMatchObject({
      code: 'record-limit',
      message: expect.stringContaining('all IP addresses used out'),
    });
    expect(ipOf(out.results.get('c'))).toBe('172.18.40.3');
  });
});

describe('batches', () => {
  it('gives each request of a batch its own address, and a failing request does not fail the others', () => {
    const p = v4Pool(['172.18.40.2-172.18.40.3']);
    const out = reserveInPool(p, [byToken('a'), { ...byToken('six'), family: 6 }, byToken('b'), byToken('c')], undefined, now);
    expect(ipOf(out.results.get('a'))).toBe('172.18.40.2');
    expect(errorOf(out.results.get('six')).code).toBe('wrong-family');
    expect(ipOf(out.results.get('b'))).toBe('172.18.40.3');
    expectUsedOut(out.results.get('c'), 'test-pool');
    expect(out.allocatedIPCount).toBe(2);
  });

  it('gives two interfaces of one Pod (one token) two addresses of a shared pool, and the same two again on retry', () => {
    const requests = [byToken('eth0', 'tok'), byToken('net1', 'tok')];
    const first = reserveInPool(v4Pool(['172.18.40.2-172.18.40.9']), requests, undefined, now);
    expect([ipOf(first.results.get('eth0')), ipOf(first.results.get('net1'))]).toEqual(['172.18.40.2', '172.18.40.3']);
    const again = reserveInPool(v4Pool(['172.18.40.2-172.18.40.9'], recordsOf(first.allocatedIPs)), requests, undefined, now);
    expect(again.changed).toBe(false);
    expect([ipOf(again.results.get('eth0')), ipOf(again.results.get('net1'))]).toEqual(['172.18.40.2', '172.18.40.3']);
  });

  it.each([
    ['terminating', { deletionTimestamp: '2026-01-01T00:00:00Z' }, {}, 'is terminating'],
    ['disabled', {}, { disable: true }, 'is disabled'],
  ])('a %s pool allocates nothing new, but still answers a request it already holds', (_, meta, spec, words) => {
    const p = pool('p', { ipVersion: 4, subnet: '10.0.0.0/24', ips: ['10.0.0.1-10.0.0.9'], ...spec }, testPodIn10, meta);
    const out = reserveInPool(p, [byToken('new'), byName('old', 'default/testPod', U)], undefined, now);
    expect(errorOf(out.results.get('new'))).toMatchObject({ code: 'unavailable', message: expect.stringContaining(words) });
    expect(out.results.get('old')).toEqual({ ip: '10.0.0.1', idempotent: true });
    expect(out.changed).toBe(false);
  });

  it('leaves an unreadable status untouched and says why', () => {
    const p = { ...v4Pool(['172.18.40.2']), status: { allocatedIPs: '{"172.18.40.2":"oops"}', allocatedIPCount: 1 } };
    const out = reserveInPool(p, [byToken('a')], undefined, now);
    expect(out).toMatchObject({ changed: false, allocatedIPs: '{"172.18.40.2":"oops"}', allocatedIPCount: 1 });
    expect(errorOf(out.results.get('a'))).toMatchObject({ code: 'unreadable', message: expect.stringContaining('172.18.40.2') });
  });

  it.each([
    ['an empty token', byToken('a', '', 'default/')],
    ['a token key without a namespace', byToken('a', 't', 'default')],
    ['a StatefulSet key without a name', byName('a', 'default/')],
    ['a UID without a Pod name', { ...byToken('a', 't', 'default/'), podUid: 'u' }],
  ])('refuses a request with %s', (_, request) => {
    expect(errorOf(reserveInPool(v4Pool(['172.18.40.2']), [request], undefined, now).results.get('a')).code).toBe('bad-request');
  });

  it('hands out addresses of a /64 without enumerating it', () => {
    const p = pool('v6', { ipVersion: 6, subnet: 'fd00::/64', ips: ['fd00::1-fd00::ffff:ffff:ffff:fffe'], excludeIPs: ['fd00::2'] });
    const out = reserveInPool(
      p,
      [
        { ...byToken('a'), family: 6 },
        { ...byToken('b'), family: 6 },
      ],
      undefined,
      now,
    );
    expect([ipOf(out.results.get('a')), ipOf(out.results.get('b'))]).toEqual(['fd00::1', 'fd00::3']);
  });
});

const testPodIn10: Record<string, PoolRecord> = { '10.0.0.1': { pod: 'default/testPod', podUid: U } };

describe('§3.4 release', () => {
  const p = v4Pool(['172.18.40.40'], testPod);

  it('keeps a record whose UID differs, without error', () => {
    const out = releaseFromPool(p, (_, r) => r.podUid === 'uid-other');
    expect(out).toMatchObject({ changed: false, allocatedIPCount: 1, released: [] });
  });

  it('removes the record matching IP and UID; the map left empty is stored as null', () => {
    const out = releaseFromPool(p, (ip, r) => ip === '172.18.40.40' && r.podUid === U);
    expect(out).toMatchObject({ changed: true, allocatedIPs: null, allocatedIPCount: 0 });
  });
});

describe('binding (the scaler saw the Pod)', () => {
  const reserved = reserveInPool(v4Pool(['172.18.40.2-172.18.40.9']), [byToken('eth0', 'tok'), byToken('net1', 'tok')], undefined, now);
  const p = v4Pool(['172.18.40.2-172.18.40.9'], recordsOf(reserved.allocatedIPs));

  it("turns every record of the token into Spiderpool's {pod, podUid}; binding again changes nothing", () => {
    const out = bindInPool(p, 'tok', 'default/web-7c9f-x2x4q', U);
    if ('error' in out) throw new Error(out.error.message);
    expect(out.ips).toEqual(['172.18.40.2', '172.18.40.3']);
    expect(recordsOf(out.allocatedIPs)).toEqual({
      '172.18.40.2': { pod: 'default/web-7c9f-x2x4q', podUid: U },
      '172.18.40.3': { pod: 'default/web-7c9f-x2x4q', podUid: U },
    });
    const again = bindInPool(v4Pool(['172.18.40.2-172.18.40.9'], recordsOf(out.allocatedIPs)), 'tok', 'default/web-7c9f-x2x4q', U);
    expect(again).toMatchObject({ changed: false, ips: ['172.18.40.2', '172.18.40.3'] });
  });

  it.each([
    ['another namespace', 'other/web-7c9f-x2x4q', U, 'mismatch'],
    ['an empty UID', 'default/web-7c9f-x2x4q', '', 'bad-request'],
  ])('refuses to bind to a Pod in %s', (_, pod, uid, code) => {
    expect(bindInPool(p, 'tok', pod, uid)).toMatchObject({ error: { code } });
  });

  it('says so when the token is unknown (expired and released)', () => {
    expect(bindInPool(p, 'gone', 'default/a', U)).toMatchObject({ error: { code: 'not-found' } });
  });

  it('§3.4: a StatefulSet Pod re-created with the same name replaces the stored UID', () => {
    const out = bindStatefulSetPodInPool(v4Pool(['172.18.40.40'], testPod), 'default/testPod', 'uid-new');
    expect(out).toMatchObject({ changed: true, ips: ['172.18.40.40'] });
    if (!('error' in out)) expect(recordsOf(out.allocatedIPs)).toEqual({ '172.18.40.40': { pod: 'default/testPod', podUid: 'uid-new' } });
  });

  it('§3.4: a record belonging to another Pod name is an error', () => {
    expect(bindStatefulSetPodInPool(v4Pool(['172.18.40.40'], testPod), 'default/pod', 'uid-new')).toMatchObject({
      error: { code: 'not-found' },
    });
  });
});
