// The ownership rule: an annotation is believed only when the pool records its address for this Pod — the same token
// while the reservation is pending, the same name and UID once bound, the same name for a StatefulSet reservation.
import { describe, expect, it } from 'vitest';
import { optOutLabel as webhookOptOutLabel } from '../../../admission/webhook-configurations.js';
import { assignmentOf, optOutLabel, readBack, readPodView } from '../../../cni-readback/index.js';
import { formatAssignedResult } from '../../../ipam/model/index.js';
import { podJSON, pool, token, uid } from './fixtures.js';

const annotation = (over: { token?: string; ipv4?: string; cleangateway?: boolean } = {}) =>
  formatAssignedResult({
    interface: 'eth0',
    ipv4: over.ipv4 ?? '172.19.1.10/24',
    ipv6: '',
    ipv4pool: 'v4',
    ipv6pool: '',
    vlan: 0,
    ipv4gateway: '172.19.1.1',
    ipv6gateway: '',
    cleangateway: over.cleangateway ?? false,
    routes: [],
    token: over.token ?? token,
  });

function decide(records: Record<string, unknown>, over: Parameters<typeof annotation>[0] = {}, subnet = '172.19.1.0/24') {
  const pod = readPodView(podJSON({ annotations: { 'ipam.spidernet.io/assigned-eth0': annotation(over) } }));
  if (!pod) throw new Error('fixture is not a Pod');
  const a = assignmentOf(pod, 'eth0', { namespace: 'shop', name: 'web-7c9f', uid: undefined });
  if (!a.ok) throw new Error(a.error.msg);
  return readBack(pod, a.value, new Map([['v4', pool('v4', subnet, '172.19.1.1', records)]]));
}

describe('readBack', () => {
  it.each([
    ['bound to this Pod', { pod: 'shop/web-7c9f', podUid: uid }, {}],
    ['pending under the annotation token (name not known at admission)', { pod: 'shop/', podUid: '', token, at: 1 }, {}],
    ['pending under the token with the final name', { pod: 'shop/web-7c9f', podUid: '', token, at: 1 }, {}],
    ['a StatefulSet reservation by name (no token on either side)', { pod: 'shop/web-7c9f', podUid: '', at: 1 }, { token: '' }],
  ])('accepts a record %s', (_, record, over) => {
    expect(decide({ '172.19.1.10': record }, over)).toMatchObject({ ok: true });
  });

  it.each([
    ['no record', {}, {}, 'records no reservation of 172.19.1.10'],
    ['bound to another Pod', { '172.19.1.10': { pod: 'shop/other', podUid: 'u2' } }, {}, 'holds 172.19.1.10 for pod shop/other'],
    ['bound to another UID under this name', { '172.19.1.10': { pod: 'shop/web-7c9f', podUid: 'u2' } }, {}, 'another incarnation'],
    [
      'pending under another token',
      { '172.19.1.10': { pod: 'shop/', podUid: '', token: 'other', at: 1 } },
      {},
      'reservation of another Pod in shop',
    ],
    [
      'pending under the token, in another namespace',
      { '172.19.1.10': { pod: 'evil/', podUid: '', token, at: 1 } },
      {},
      'reservation of evil/',
    ],
    [
      'pending under the token, for another name',
      { '172.19.1.10': { pod: 'shop/web-other', podUid: '', token, at: 1 } },
      {},
      'reservation of shop/web-other',
    ],
    [
      'a StatefulSet reservation of another name',
      { '172.19.1.10': { pod: 'shop/web-1', podUid: '', at: 1 } },
      { token: '' },
      'reservation of shop/web-1',
    ],
    [
      'an annotation without token against a token record',
      { '172.19.1.10': { pod: 'shop/', podUid: '', token, at: 1 } },
      { token: '' },
      'not of this Pod',
    ],
    [
      'an address outside the pool subnet',
      { '172.19.9.10': { pod: 'shop/web-7c9f', podUid: uid } },
      { ipv4: '172.19.9.10/24' },
      'is not inside 172.19.1.0/24',
    ],
  ])('refuses %s', (_, records, over, message) => {
    const decided = decide(records, over);
    expect(decided.ok).toBe(false);
    if (!decided.ok) {
      expect(decided.error.code).toBe(102);
      expect(decided.error.msg).toContain(message);
    }
  });

  it('takes the prefix length from the pool, and the default route only without clean gateway', () => {
    const bound = { '172.19.1.10': { pod: 'shop/web-7c9f', podUid: uid } };
    expect(decide(bound, { ipv4: '172.19.1.10/24' }, '172.19.0.0/16')).toEqual({
      ok: true,
      value: { ips: [{ address: '172.19.1.10/16', gateway: '172.19.1.1' }], routes: [{ dst: '0.0.0.0/0', gw: '172.19.1.1' }] },
    });
    expect(decide(bound, { cleangateway: true })).toMatchObject({ ok: true, value: { routes: [] } });
  });

  it('reports an unreadable pool status as the pool being unusable', () => {
    const pod = readPodView(podJSON({ annotations: { 'ipam.spidernet.io/assigned-eth0': annotation() } }));
    if (!pod) throw new Error('fixture is not a Pod');
    const a = assignmentOf(pod, 'eth0', { namespace: 'shop', name: 'web-7c9f', uid });
    if (!a.ok) throw new Error(a.error.msg);
    const broken = pool('v4', '172.19.1.0/24', '172.19.1.1', {});
    broken.status = { allocatedIPs: '{not json' };
    expect(readBack(pod, a.value, new Map([['v4', broken]]))).toMatchObject({ ok: false, error: { code: 103 } });
  });

  it('names the same opt-out label as the webhook configuration', () => {
    expect(optOutLabel).toBe(webhookOptOutLabel);
  });
});
