// The record format of status.allocatedIPs: Spiderpool's {pod, podUid} once bound, a compact pending form before.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bind,
  boundRecordBytes,
  findByPod,
  findByPodUid,
  findByToken,
  isExpired,
  isPending,
  type PoolRecord,
  parseRecords,
  pendingRecord,
  recordJSON,
  reservationToken,
  serializeRecords,
} from '../../../../ipam/model/index.js';

const now = new Date('2026-01-01T00:00:00Z'); // 1767225600
const uid = 'e7b50a38-25c2-41d0-b332-7f619c69194e';

describe('reservation token', () => {
  it('packs an admission request UID into 22 base64url characters, one to one', () => {
    const token = reservationToken(uid);
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(reservationToken(uid.toUpperCase())).toBe(token);
    expect(reservationToken('0b1c0000-25c2-41d0-b332-7f619c69194e')).not.toBe(token);
    expect(reservationToken('00000000-0000-0000-0000-000000000000')).toBe('AAAAAAAAAAAAAAAAAAAAAA');
  });

  it('keeps what is not a UUID as it is', () => {
    expect(reservationToken('fixture-1')).toBe('fixture-1');
  });

  it('never maps two UUIDs to one token', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), (a, b) => (a.toLowerCase() === b.toLowerCase()) === (reservationToken(a) === reservationToken(b))),
    );
  });
});

describe('record forms', () => {
  it('writes a pending admission record with pod, podUid, token and time, in that order', () => {
    const record = pendingRecord('default/', 'tok', now);
    expect(recordJSON(record)).toBe('{"pod":"default/","podUid":"","token":"tok","at":1767225600}');
    expect(isPending(record)).toBe(true);
  });

  it('writes a pending StatefulSet record keyed by its name, without a token', () => {
    expect(recordJSON(pendingRecord('default/web-0', undefined, now))).toBe('{"pod":"default/web-0","podUid":"","at":1767225600}');
  });

  it('binds to exactly Spiderpool shape, keeping fields of other writers', () => {
    const bound = bind({ ...pendingRecord('default/', 'tok', now), interface: 'eth0' }, 'default/web-7c9f-x2x4q', uid);
    expect(recordJSON(bound)).toBe(`{"pod":"default/web-7c9f-x2x4q","podUid":"${uid}","interface":"eth0"}`);
    expect(isPending(bound)).toBe(false);
    expect(recordJSON(bind(pendingRecord('default/', 'tok', now), 'default/a', uid))).toBe(`{"pod":"default/a","podUid":"${uid}"}`);
  });

  it.each([
    ['pending, within the grace period', pendingRecord('ns/', 't', now), 59, false],
    ['pending, at the end of the grace period', pendingRecord('ns/', 't', now), 60, true],
    ['pending without a time (not ours)', { pod: 'ns/', podUid: '' }, 0, true],
    ['bound, however old', { pod: 'ns/a', podUid: uid, at: 0 }, 1e9, false],
  ] as Array<[string, PoolRecord, number, boolean]>)('expiry with a 60 s grace: %s', (_, record, later, expired) => {
    expect(isExpired(record, new Date(now.getTime() + later * 1000), 60)).toBe(expired);
  });
});

describe('parsing and serialising status.allocatedIPs', () => {
  it('reads Spiderpool records and writes them back byte for byte', () => {
    const text = `{"10.6.168.101":{"pod":"default/test-app-1-74cbbf654-2ndzl","podUid":"${uid}"},"10.6.168.103":{"pod":"default/b","podUid":"u2"}}`;
    const parsed = parseRecords(text, 4);
    expect(parsed.ok && serializeRecords(parsed.value)).toBe(text);
  });

  it('orders keys by address, not by text (10.0.0.9 before 10.0.0.10, ::9 before ::10)', () => {
    const records = new Map<string, PoolRecord>([
      ['10.0.0.10', { pod: 'a/b', podUid: '1' }],
      ['10.0.0.9', { pod: 'a/c', podUid: '2' }],
      ['9.255.255.255', { pod: 'a/d', podUid: '3' }],
    ]);
    expect(Object.keys(JSON.parse(serializeRecords(records) ?? '{}'))).toEqual(['9.255.255.255', '10.0.0.9', '10.0.0.10']);
    const six = new Map<string, PoolRecord>([
      ['fd00::10', { pod: 'a/b', podUid: '1' }],
      ['fd00::9', { pod: 'a/c', podUid: '2' }],
    ]);
    expect(Object.keys(JSON.parse(serializeRecords(six) ?? '{}'))).toEqual(['fd00::9', 'fd00::10']);
  });

  it('stores no empty map: nothing allocated is null, as Spiderpool writes it', () => {
    expect(serializeRecords(new Map())).toBeNull();
    for (const empty of [null, undefined, '']) expect(parseRecords(empty)).toEqual({ ok: true, value: new Map() });
  });

  it('makes IPv6 keys canonical, so two spellings of one address are one', () => {
    const parsed = parseRecords('{"FD00:0::1":{"pod":"a/b","podUid":"u"}}', 6);
    expect(parsed.ok && [...parsed.value.keys()]).toEqual(['fd00::1']);
    expect(parseRecords('{"fd00::1":{"pod":"a/b","podUid":"u"},"FD00::1":{"pod":"a/c","podUid":"v"}}', 6)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('twice'),
    });
  });

  it.each([
    ['not JSON', '{', 'not JSON'],
    ['an array', '[]', 'JSON object keyed by IP'],
    ['a key that is not an IP', '{"pod":{"pod":"a/b","podUid":"u"}}', 'not an IP'],
    ['an octal-looking key', '{"010.0.0.1":{"pod":"a/b","podUid":"u"}}', 'not an IP'],
    ['a key of the other family', '{"fd00::1":{"pod":"a/b","podUid":"u"}}', 'IPv6, in an IPv4 pool'],
    ['a record without podUid', '{"10.0.0.1":{"pod":"a/b"}}', 'is not a record'],
    ['a token that is not a string', '{"10.0.0.1":{"pod":"a/","podUid":"","token":7}}', '"token"'],
    ['a time that is not whole seconds', '{"10.0.0.1":{"pod":"a/","podUid":"","at":"2026-01-01"}}', '"at"'],
  ])('refuses a status with %s, naming the problem', (_, text, words) => {
    const parsed = parseRecords(text, 4);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(words);
  });

  it('round-trips any records, whatever the insertion order', () => {
    const arbRecord = fc.record({
      pod: fc.constantFrom('default/', 'default/a', 'kube-system/web-0'),
      podUid: fc.constantFrom('', uid),
      token: fc.option(fc.string({ maxLength: 22 }), { nil: undefined }),
      at: fc.option(fc.integer({ min: 0, max: 2 ** 32 }), { nil: undefined }),
    });
    const arbRecords = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), arbRecord), {
      selector: ([v]) => v,
      maxLength: 30,
    });
    fc.assert(
      fc.property(arbRecords, (entries) => {
        const toIP = (v: number) => [24, 16, 8, 0].map((s) => (v >>> s) & 255).join('.');
        const clean = (r: PoolRecord): PoolRecord => JSON.parse(recordJSON(r));
        const records = new Map(entries.map(([v, r]) => [toIP(v), clean(r)]));
        const text = serializeRecords(records);
        const reversed = serializeRecords(new Map([...records].reverse()));
        expect(reversed).toBe(text);
        const parsed = parseRecords(text, 4);
        expect(parsed.ok && new Map([...parsed.value].sort())).toEqual(new Map([...records].sort()));
      }),
    );
  });
});

describe('finding records', () => {
  const records = new Map<string, PoolRecord>([
    ['10.0.0.1', { pod: 'default/', podUid: '', token: 't1', at: 1 }],
    ['10.0.0.2', { pod: 'default/web-0', podUid: '', at: 1 }],
    ['10.0.0.3', { pod: 'default/', podUid: '', token: 't1', at: 1 }],
    ['10.0.0.4', { pod: 'default/web-1', podUid: uid }],
  ]);

  it('finds every record of a token (a Pod with two interfaces on one pool holds two)', () => {
    expect(findByToken(records, 't1').map((e) => e.ip)).toEqual(['10.0.0.1', '10.0.0.3']);
    expect(findByToken(records, 't2')).toEqual([]);
  });

  it('finds records by ns/name, pending or bound, and by UID', () => {
    expect(findByPod(records, 'default/web-0').map((e) => e.ip)).toEqual(['10.0.0.2']);
    expect(findByPod(records, 'default/web-1').map((e) => e.ip)).toEqual(['10.0.0.4']);
    expect(findByPodUid(records, uid).map((e) => e.ip)).toEqual(['10.0.0.4']);
    expect(findByPodUid(records, '')).toEqual([]);
  });
});

describe('stored size', () => {
  it('counts a record as it will be once bound, with JSON-in-JSON escaping', () => {
    const bound = { pod: 'default/web-7c9f8d6b5-x2x4q', podUid: uid };
    const entry = `"10.6.168.101":${recordJSON(bound)},`;
    expect(boundRecordBytes('10.6.168.101', bound)).toBe(JSON.stringify(entry).length - 2);
    // A nameless pending record is budgeted for the longest generated name, 63 characters.
    const pending = pendingRecord('default/', reservationToken(uid), now);
    const longest = { pod: `default/${'x'.repeat(63)}`, podUid: uid };
    expect(boundRecordBytes('10.6.168.101', pending)).toBe(boundRecordBytes('10.6.168.101', longest));
  });
});
