// The releaser's plan for one pool: a change per record to release or bind, each carrying what the record must still
// look like for it to apply; nothing at all when the status cannot be read; and when to look again.
import { describe, expect, it } from 'vitest';
import { planPoolOperations } from '../../../../ipam/allocate/index.js';
import { assignedAnnotationKey, formatAssignedResult, type PoolRecord, type SpiderIPPool } from '../../../../ipam/model/index.js';
import { type PodView, planPoolRelease, podView, type ReleaseFacts, stillExpected } from '../../../../ipam/release/index.js';

const now = 1767225600;
const ttl = 60;

function v4Pool(records: Record<string, PoolRecord> | string | null, name = 'pool-a'): SpiderIPPool {
  return {
    metadata: { name, resourceVersion: '7' },
    spec: { ipVersion: 4, subnet: '10.6.0.0/24', ips: ['10.6.0.10-10.6.0.30'] },
    status: { allocatedIPs: typeof records === 'string' || records === null ? records : JSON.stringify(records) },
  };
}

function pod(
  name: string,
  claim: { pool?: string; ip: string; token?: string } | undefined,
  more: { uid?: string; sts?: string; deleting?: number; phase?: string } = {},
): PodView {
  return podView({
    metadata: {
      name,
      namespace: 'default',
      uid: more.uid ?? `uid-${name}`,
      ...(more.deleting !== undefined ? { deletionTimestamp: new Date(more.deleting * 1000).toISOString() } : {}),
      ...(more.sts ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: more.sts, controller: true }] } : {}),
      annotations: claim
        ? {
            [assignedAnnotationKey('eth0')]: formatAssignedResult({
              interface: 'eth0',
              ipv4: claim.ip.includes(':') ? '' : `${claim.ip}/24`,
              ipv6: claim.ip.includes(':') ? `${claim.ip}/64` : '',
              ipv4pool: claim.ip.includes(':') ? '' : (claim.pool ?? 'pool-a'),
              ipv6pool: claim.ip.includes(':') ? (claim.pool ?? 'pool-a') : '',
              vlan: 0,
              ipv4gateway: '',
              ipv6gateway: '',
              cleangateway: false,
              routes: [],
              token: claim.token ?? '',
            }),
          }
        : {},
    },
    spec: { nodeName: 'node-1' },
    status: { phase: more.phase ?? 'Running' },
  });
}

function facts(pods: PodView[], at = now): ReleaseFacts {
  return {
    now: at,
    pendingTTLSeconds: ttl,
    podByKey: (key) => pods.find((p) => p.key === key),
    podByToken: (token) => pods.find((p) => p.claims.some((c) => c.token === token)),
    tokenDeleted: () => false,
    statefulSet: () => undefined,
    nodeReady: () => true,
  };
}

/** Facts that must not be consulted. */
const untouchable: ReleaseFacts = {
  now,
  pendingTTLSeconds: ttl,
  podByKey: () => {
    throw new Error('consulted');
  },
  podByToken: () => {
    throw new Error('consulted');
  },
  tokenDeleted: () => {
    throw new Error('consulted');
  },
  statefulSet: () => {
    throw new Error('consulted');
  },
  nodeReady: () => {
    throw new Error('consulted');
  },
};

describe('planPoolRelease', () => {
  const records: Record<string, PoolRecord> = {
    '10.6.0.10': { pod: 'default/', podUid: '', token: 'tok-1', at: now - 5 }, // its Pod appeared: bind
    '10.6.0.11': { pod: 'default/gone', podUid: 'uid-gone' }, // Pod gone: release
    '10.6.0.12': { pod: 'default/live', podUid: 'uid-live' }, // Pod runs and claims it: nothing
    '10.6.0.13': { pod: 'default/', podUid: '', token: 'tok-wait', at: now - 10 }, // waits for its Pod until now + 50
    '10.6.0.14': { pod: 'default/ending', podUid: 'uid-ending' }, // being deleted until now + 20
    '10.6.0.15': { pod: 'default/web-0', podUid: 'uid-old' }, // StatefulSet Pod re-created: bind the new UID
    '10.6.0.16': { pod: 'default/', podUid: '', token: 'tok-late', at: now - 3600 }, // expired
  };
  const pods = [
    pod('web-7c9f-x2x4q', { ip: '10.6.0.10', token: 'tok-1' }),
    pod('live', { ip: '10.6.0.12' }),
    pod('ending', { ip: '10.6.0.14' }, { deleting: now + 20 }),
    pod('web-0', { ip: '10.6.0.15' }, { uid: 'uid-new', sts: 'web' }),
  ];

  it('plans a change per record to release or bind, in address order, each carrying what the record must still be', () => {
    const plan = planPoolRelease(v4Pool(records), facts(pods));
    expect(plan.changes).toEqual([
      {
        ip: '10.6.0.10',
        expect: { pod: 'default/', podUid: '', token: 'tok-1' },
        to: { bind: { pod: 'default/web-7c9f-x2x4q', uid: 'uid-web-7c9f-x2x4q' } },
      },
      { ip: '10.6.0.11', expect: { pod: 'default/gone', podUid: 'uid-gone' }, to: { release: 'pod-gone' } },
      { ip: '10.6.0.15', expect: { pod: 'default/web-0', podUid: 'uid-old' }, to: { bind: { pod: 'default/web-0', uid: 'uid-new' } } },
      { ip: '10.6.0.16', expect: { pod: 'default/', podUid: '', token: 'tok-late' }, to: { release: 'expired' } },
    ]);
    // An expectation of a record without a token has no token key at all (settle compares it with ===).
    expect('token' in (plan.changes[1]?.expect ?? {})).toBe(false);
  });

  it('asks to look again at the earliest time a kept record may change without an event', () => {
    expect(planPoolRelease(v4Pool(records), facts(pods)).recheckAt).toBe(now + 20);
  });

  it('takes the earliest recheckAt whatever the address order', () => {
    const later = { pod: 'default/', podUid: '', token: 'a', at: now - 30 }; // now + 30
    const sooner = { pod: 'default/', podUid: '', token: 'b', at: now - 50 }; // now + 10
    const latest = { pod: 'default/', podUid: '', token: 'c', at: now - 5 }; // now + 55
    expect(planPoolRelease(v4Pool({ '10.6.0.10': later, '10.6.0.11': sooner, '10.6.0.12': latest }), facts([])).recheckAt).toBe(now + 10);
    expect(planPoolRelease(v4Pool({ '10.6.0.10': sooner, '10.6.0.11': later, '10.6.0.12': latest }), facts([])).recheckAt).toBe(now + 10);
    expect(planPoolRelease(v4Pool({ '10.6.0.10': latest, '10.6.0.11': later, '10.6.0.12': sooner }), facts([])).recheckAt).toBe(now + 10);
  });

  it('has no recheckAt when no kept record has a deadline', () => {
    const plan = planPoolRelease(v4Pool({ '10.6.0.12': { pod: 'default/live', podUid: 'uid-live' } }), facts(pods));
    expect(plan).toEqual({ changes: [] });
    expect('recheckAt' in plan).toBe(false);
  });

  it('takes no recheckAt from records that change (a bind or a release is not a deadline)', () => {
    const plan = planPoolRelease(
      v4Pool({ '10.6.0.10': records['10.6.0.10'] as PoolRecord, '10.6.0.16': records['10.6.0.16'] as PoolRecord }),
      facts(pods),
    );
    expect(plan.changes).toHaveLength(2);
    expect(plan.recheckAt).toBeUndefined();
  });

  it('plans nothing for a pool without records', () => {
    expect(planPoolRelease(v4Pool(null), facts(pods))).toEqual({ changes: [] });
    expect(planPoolRelease(v4Pool(''), facts(pods))).toEqual({ changes: [] });
  });

  it.each([
    ['not JSON', '{broken', /not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['a key of the other family', JSON.stringify({ 'fd00::1': { pod: 'default/a', podUid: 'u' } }), /fd00::1/],
    ['a record without podUid', JSON.stringify({ '10.6.0.10': { pod: 'default/a' } }), /10\.6\.0\.10/],
    ['a key that is not an IP (octal-looking)', '{"10.6.0.010":{"pod":"a/c","podUid":"v"}}', /"10\.6\.0\.010", which is not an IP/],
  ])('changes nothing, and says why, when the status is unreadable (%s)', (_, text, reason) => {
    const plan = planPoolRelease(v4Pool(text), untouchable);
    expect(plan.changes).toEqual([]);
    expect(plan.unreadable).toMatch(reason);
    expect(plan.recheckAt).toBeUndefined();
  });

  it('changes nothing when one address is stored twice in two spellings', () => {
    const pool: SpiderIPPool = {
      metadata: { name: 'v6' },
      spec: { ipVersion: 6, subnet: 'fd00::/64', ips: ['fd00::1-fd00::f'] },
      status: { allocatedIPs: '{"fd00::1":{"pod":"a/b","podUid":"u"},"FD00::1":{"pod":"a/c","podUid":"v"}}' },
    };
    expect(planPoolRelease(pool, untouchable)).toEqual({ changes: [], unreadable: 'status.allocatedIPs holds fd00::1 twice' });
  });

  it('judges claims against this pool name', () => {
    const bound = { '10.6.0.12': { pod: 'default/live', podUid: 'uid-live' } };
    expect(planPoolRelease(v4Pool(bound, 'pool-b'), facts(pods)).changes).toEqual([
      { ip: '10.6.0.12', expect: { pod: 'default/live', podUid: 'uid-live' }, to: { release: 'not-claimed' } },
    ]);
  });

  it('plans on canonical addresses when another writer stored them in another spelling and order', () => {
    const pool: SpiderIPPool = {
      metadata: { name: 'v6' },
      spec: { ipVersion: 6, subnet: 'fd00::/64', ips: ['fd00::a-fd00::f'] },
      status: {
        allocatedIPs: JSON.stringify({
          'FD00::0B': { pod: 'default/gone', podUid: 'u' },
          'fd00:0::A': { pod: 'default/v6', podUid: 'uid-v6' },
        }),
      },
    };
    const plan = planPoolRelease(pool, facts([pod('v6', { pool: 'v6', ip: 'fd00::a' })]));
    expect(plan.changes).toEqual([{ ip: 'fd00::b', expect: { pod: 'default/gone', podUid: 'u' }, to: { release: 'pod-gone' } }]);
  });

  it('plans changes that a settle of the same status applies in full, and that a settle of a newer status skips', () => {
    const plan = planPoolRelease(v4Pool(records), facts(pods));
    const date = new Date(now * 1000);
    const same = planPoolOperations(v4Pool(records), [{ kind: 'settle', changes: plan.changes }], undefined, date);
    expect(same.results).toEqual([{ settled: { released: ['10.6.0.11', '10.6.0.16'], bound: ['10.6.0.10', '10.6.0.15'], skipped: [] } }]);

    // Meanwhile 10.6.0.16 expired, was released and went to another admission; 10.6.0.15 was re-bound by someone else.
    const newer = {
      ...records,
      '10.6.0.16': { pod: 'default/', podUid: '', token: 'tok-new', at: now },
      '10.6.0.15': { pod: 'default/web-0', podUid: 'uid-newer' },
    };
    const stale = planPoolOperations(v4Pool(newer), [{ kind: 'settle', changes: plan.changes }], undefined, date);
    expect(stale.results).toEqual([{ settled: { released: ['10.6.0.11'], bound: ['10.6.0.10'], skipped: ['10.6.0.15', '10.6.0.16'] } }]);
    const stored = JSON.parse(stale.status?.allocatedIPs ?? '{}');
    expect(stored['10.6.0.16']).toEqual({ pod: 'default/', podUid: '', token: 'tok-new', at: now });
    expect(stored['10.6.0.15']).toEqual({ pod: 'default/web-0', podUid: 'uid-newer' });
  });
});

describe('stillExpected', () => {
  const record: PoolRecord = { pod: 'default/', podUid: '', token: 'tok-1', at: 5 };
  it.each([
    ['the same pod, UID and token', { pod: 'default/', podUid: '', token: 'tok-1' }, true],
    ['another token', { pod: 'default/', podUid: '', token: 'tok-2' }, false],
    ['no token where the record has one', { pod: 'default/', podUid: '' }, false],
    ['another UID', { pod: 'default/', podUid: 'u', token: 'tok-1' }, false],
    ['another pod', { pod: 'other/', podUid: '', token: 'tok-1' }, false],
  ])('%s -> %s', (_, expectation, expected) => {
    expect(stillExpected(record, expectation)).toBe(expected);
  });

  it('ignores the time and fields of other writers', () => {
    expect(stillExpected({ pod: 'a/b', podUid: 'u', at: 9, extra: 'x' }, { pod: 'a/b', podUid: 'u' })).toBe(true);
  });

  it('refuses a token the record no longer has (it was bound meanwhile)', () => {
    expect(stillExpected({ pod: 'a/b', podUid: 'u' }, { pod: 'a/b', podUid: 'u', token: 't' })).toBe(false);
  });
});
