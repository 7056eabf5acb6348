// SpiderReservedIP: RM1–RM4, RC1–RC4, RU1–RU6, RD1.
import { describe, expect, it } from 'vitest';
import type { SpiderReservedIP } from '../../../../ipam/model/index.js';
import { defaultReservedIP, validateReservedIPCreate, validateReservedIPUpdate } from '../../../../ipam/rules/index.js';
import { config, expectOutcome, type Outcome, reservedIP } from './fixtures.js';

describe('SpiderReservedIP defaulting', () => {
  it('RM1 leaves terminating objects and empty lists alone', () => {
    const t = reservedIP('r', { ips: ['172.18.40.2', '172.18.40.1'] }, { deletionTimestamp: '2026-11-26T10:00:00Z' });
    expect(defaultReservedIP(t)).toEqual(t);
    const empty = reservedIP('r', { ips: [] });
    expect(defaultReservedIP(empty)).toEqual(empty);
  });

  it('RM2 derives no version from an invalid first item', () => {
    expect(defaultReservedIP(reservedIP('r', { ips: ['invalid IP range'] })).spec.ipVersion).toBeUndefined();
  });

  it.each([
    [['172.18.40.1-172.18.40.2'], 4],
    [['abcd:1234::1-abcd:1234::2'], 6],
  ])('RM3 derives the version of %j', (ips, version) => {
    expect(defaultReservedIP(reservedIP('r', { ips })).spec.ipVersion).toBe(version);
  });

  it('RM4 merges, unless the version or an item is bad', () => {
    const v4 = ['172.18.40.10', '172.18.40.1-172.18.40.2', '172.18.40.2-172.18.40.3'];
    const v6 = ['abcd:1234::a', 'abcd:1234::1-abcd:1234::2', 'abcd:1234::2-abcd:1234::3'];
    expect(defaultReservedIP(reservedIP('r', { ips: v4 })).spec.ips).toEqual(['172.18.40.1-172.18.40.3', '172.18.40.10']);
    expect(defaultReservedIP(reservedIP('r', { ips: v6 })).spec.ips).toEqual(['abcd:1234::1-abcd:1234::3', 'abcd:1234::a']);
    expect(defaultReservedIP(reservedIP('r', { ipVersion: 976, ips: v4 })).spec.ips).toEqual(v4);
    expect(defaultReservedIP(reservedIP('r', { ips: [...v4, 'invalid IP range'] })).spec.ips).toEqual([...v4, 'invalid IP range']);
  });
});

const v4 = { ipVersion: 4, ips: ['172.18.40.1-172.18.40.2', '172.18.40.10'] };
const v6 = { ipVersion: 6, ips: ['abcd:1234::1-abcd:1234::2', 'abcd:1234::a'] };

describe('SpiderReservedIP validation', () => {
  it.each([
    ['RC1 no version', reservedIP('r', { ips: [] }), {}, 'Invalid', /spec.ipVersion/],
    ['RC1 version 976', reservedIP('r', { ipVersion: 976, ips: v4.ips }), {}, 'Invalid', /4 and 6/],
    ['RC2 IPv4 disabled', reservedIP('r', v4), { enableIPv4: false }, 'Invalid', /IPv4 is disabled/],
    ['RC2 IPv6 disabled', reservedIP('r', v6), { enableIPv6: false }, 'Invalid', /IPv6 is disabled/],
    ['RC3 bad range', reservedIP('r', { ipVersion: 4, ips: ['invalid IP range'] }), {}, 'Invalid', /spec.ips\[0\]/],
    ['RC4 IPv4', reservedIP('r', v4), {}, 'Accepted'],
    ['RC4 IPv6', reservedIP('r', v6), {}, 'Accepted'],
    ['a reversed range', reservedIP('r', { ipVersion: 4, ips: ['172.18.40.9-172.18.40.1'] }), {}, 'Invalid', /ends before it starts/],
  ] as Array<[string, SpiderReservedIP, object, Outcome, RegExp?]>)('%s', (_name, input, overrides, outcome, words) => {
    expectOutcome(validateReservedIPCreate(input, config(overrides)), outcome, words);
  });

  const deleting = { deletionTimestamp: '2026-11-26T10:00:00Z', deletionGracePeriodSeconds: 30 };
  it.each([
    ['RU1 version unset', reservedIP('r', v4), reservedIP('r', { ips: v4.ips }), {}, 'Invalid', /immutable/],
    ['RU1 version 4 to 6', reservedIP('r', v4), reservedIP('r', { ...v4, ipVersion: 6 }), {}, 'Invalid', /immutable/],
    [
      'RU2 IPv4 disabled',
      reservedIP('r', { ipVersion: 4, ips: ['172.18.40.1-172.18.40.2'] }),
      reservedIP('r', v4),
      { enableIPv4: false },
      'Invalid',
      /IPv4 is disabled/,
    ],
    [
      'RU2 IPv6 disabled',
      reservedIP('r', { ipVersion: 6, ips: ['adbc:1234::1-adbc:1234::2'] }),
      reservedIP('r', { ipVersion: 6, ips: ['adbc:1234::1-adbc:1234::2', 'adbc:1234::a'] }),
      { enableIPv6: false },
      'Invalid',
      /IPv6 is disabled/,
    ],
    [
      'RU3 bad range appended',
      reservedIP('r', v4),
      reservedIP('r', { ...v4, ips: [...v4.ips, 'invalid IP range'] }),
      {},
      'Invalid',
      /spec.ips\[2\]/,
    ],
    ['RU4 deletion starts', reservedIP('r', v4), reservedIP('r', v4, deleting), {}, 'Accepted'],
    ['RU5 already terminating', reservedIP('r', v4, deleting), reservedIP('r', v4, deleting), {}, 'Forbidden', /being deleted/],
    ['RU6 IPv4', reservedIP('r', { ipVersion: 4, ips: ['172.18.40.1-172.18.40.2'] }), reservedIP('r', v4), {}, 'Accepted'],
    ['RU6 IPv6', reservedIP('r', { ipVersion: 6, ips: ['abcd:1234::1-abcd:1234::2'] }), reservedIP('r', v6), {}, 'Accepted'],
  ] as Array<[string, SpiderReservedIP, SpiderReservedIP, object, Outcome, RegExp?]>)(
    '%s',
    (_name, before, after, overrides, outcome, words) => {
      expectOutcome(validateReservedIPUpdate(before, after, config(overrides)), outcome, words);
    },
  );
});
