import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AssignedResult, assignedAnnotationKey, formatAssignedResult, parseAssignedResult } from '../../../../ipam/model/index.js';

const result: AssignedResult = {
  interface: 'eth0',
  ipv4: '172.16.0.100/16',
  ipv6: 'fd00::100/64',
  ipv4pool: 'v4-ippool1',
  ipv6pool: 'v6-ippool1',
  vlan: 0,
  ipv4gateway: '172.16.0.1',
  ipv6gateway: 'fd00::1',
  cleangateway: false,
  routes: [{ dst: '10.7.0.0/16', gw: '172.16.0.1' }],
  token: '0f6e2a4c-1b2d-4e5f-8a9b-0c1d2e3f4a5b',
};

describe('the assigned-<interface> result annotation', () => {
  it('keeps Spiderpool historical keys first and round-trips', () => {
    const text = formatAssignedResult(result);
    expect(
      text.startsWith(
        '{"interface":"eth0","ipv4":"172.16.0.100/16","ipv6":"fd00::100/64","ipv4pool":"v4-ippool1","ipv6pool":"v6-ippool1","vlan":0',
      ),
    ).toBe(true);
    expect(parseAssignedResult(text, 'eth0')).toEqual({ ok: true, value: result });
    expect(assignedAnnotationKey('net1')).toBe('ipam.spidernet.io/assigned-net1');
  });

  it('reads the historical shape written by old Spiderpool releases', () => {
    const old = '{"interface": "eth0", "ipv4pool": "v4-ippool1", "ipv6pool": "", "ipv4": "172.16.0.100/16", "ipv6": "", "vlan": 100}';
    expect(parseAssignedResult(old, 'eth0')).toMatchObject({
      ok: true,
      value: { ipv4: '172.16.0.100/16', ipv6: '', vlan: 100, routes: [], token: '' },
    });
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['another interface', formatAssignedResult({ ...result, interface: 'net1' }), /for interface "net1", not eth0/],
    ['an address without prefix', formatAssignedResult({ ...result, ipv4: '172.16.0.100' }), /ipv4 "172.16.0.100" is not an IPv4 address/],
    ['a v6 address as ipv4', formatAssignedResult({ ...result, ipv4: 'fd00::1/64' }), /not an IPv4/],
    ['no address at all', formatAssignedResult({ ...result, ipv4: '', ipv6: '' }), /holds no address/],
    ['a bad gateway', formatAssignedResult({ ...result, ipv4gateway: 'x' }), /gateway/],
  ])('refuses %s with a reason', (_what, text, reason) => {
    const parsed = parseAssignedResult(text, 'eth0');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (text) => typeof parseAssignedResult(text, 'eth0').ok === 'boolean'));
  });
});
