// The releaser's `settle` operation in a group-commit batch: each change (release, or bind a pending reservation)
// applies only while its record is still the one it was decided on; the others are reported skipped. Settles,
// rollbacks and new reservations of one batch make one consistent status.
import { describe, expect, it } from 'vitest';
import { type PoolOperation, type PoolOperationResult, planPoolOperations, type SettleOperation } from '../../../../ipam/allocate/index.js';
import type { PoolRecord, SpiderIPPool } from '../../../../ipam/model/index.js';
import { now, nowSeconds, recordsOf } from './fixtures.js';

function pool(records: Record<string, PoolRecord>): SpiderIPPool {
  const count = Object.keys(records).length;
  return {
    metadata: { name: 'p', resourceVersion: '1' },
    spec: { ipVersion: 4, subnet: '10.0.0.0/24', ips: ['10.0.0.10-10.0.0.14'] },
    status: { allocatedIPs: count > 0 ? JSON.stringify(records) : null, allocatedIPCount: count },
  };
}

type Change = SettleOperation['changes'][number];
const settle = (...changes: Change[]): SettleOperation => ({ kind: 'settle', changes });
const releaseChange = (ip: string, expect: Change['expect'], reason = 'pod-gone'): Change => ({ ip, expect, to: { release: reason } });
const bindChange = (ip: string, expect: Change['expect'], pod: string, uid: string): Change => ({ ip, expect, to: { bind: { pod, uid } } });
const reserve = (id: string, token: string): PoolOperation => ({ kind: 'reserve', request: { id, family: 4, key: { token, pod: 'ns/' } } });

const pendingA: PoolRecord = { pod: 'ns/', podUid: '', token: 'tok-a', at: nowSeconds - 100 };
const pendingB: PoolRecord = { pod: 'ns/', podUid: '', token: 'tok-b', at: nowSeconds - 5 };
const boundC: PoolRecord = { pod: 'ns/c', podUid: 'uid-c' };
const stsPending: PoolRecord = { pod: 'ns/web-0', podUid: '', at: nowSeconds - 5 };

const run = (records: Record<string, PoolRecord>, ops: PoolOperation[]) => planPoolOperations(pool(records), ops, undefined, now);
const settled = (result: PoolOperationResult | undefined) => {
  if (!result || !('settled' in result)) throw new Error(`expected a settle result, got ${JSON.stringify(result)}`);
  return result.settled;
};

describe('settle: compare-and-set changes', () => {
  it('releases a record that is still as expected', () => {
    const out = run({ '10.0.0.10': pendingA, '10.0.0.12': boundC }, [
      settle(releaseChange('10.0.0.10', { pod: 'ns/', podUid: '', token: 'tok-a' }, 'expired')),
    ]);
    expect(out.results).toEqual([{ settled: { released: ['10.0.0.10'], bound: [], skipped: [] } }]);
    expect(recordsOf(out.status?.allocatedIPs ?? null)).toEqual({ '10.0.0.12': boundC });
    expect(out.status?.allocatedIPCount).toBe(1);
  });

  it('binds a pending reservation to its Pod: token and time go, fields of other writers stay', () => {
    const out = run({ '10.0.0.10': { ...pendingA, note: 'kept' } }, [
      settle(bindChange('10.0.0.10', { pod: 'ns/', podUid: '', token: 'tok-a' }, 'ns/web-7c9f-x2x4q', 'uid-1')),
    ]);
    expect(out.results).toEqual([{ settled: { released: [], bound: ['10.0.0.10'], skipped: [] } }]);
    expect(out.status?.allocatedIPs).toBe('{"10.0.0.10":{"pod":"ns/web-7c9f-x2x4q","podUid":"uid-1","note":"kept"}}');
    expect(out.status?.allocatedIPCount).toBe(1);
  });

  it('re-binds a StatefulSet record to the UID of the re-created Pod', () => {
    const out = run({ '10.0.0.11': { pod: 'ns/web-0', podUid: 'uid-old' } }, [
      settle(bindChange('10.0.0.11', { pod: 'ns/web-0', podUid: 'uid-old' }, 'ns/web-0', 'uid-new')),
    ]);
    expect(recordsOf(out.status?.allocatedIPs ?? null)).toEqual({ '10.0.0.11': { pod: 'ns/web-0', podUid: 'uid-new' } });
  });

  it('writes null, as Spiderpool does, when the last record goes', () => {
    const out = run({ '10.0.0.12': boundC }, [settle(releaseChange('10.0.0.12', { pod: 'ns/c', podUid: 'uid-c' }))]);
    expect(out.status).toEqual({ allocatedIPs: null, allocatedIPCount: 0 });
  });

  it.each([
    ['the token changed (released and reserved again by another admission)', { pod: 'ns/', podUid: '', token: 'tok-old' }],
    ['the record has a token the expectation lacks', { pod: 'ns/', podUid: '' }],
    ['the UID changed (bound meanwhile)', { pod: 'ns/', podUid: 'uid-x', token: 'tok-a' }],
    ['the pod changed', { pod: 'other/', podUid: '', token: 'tok-a' }],
  ])('skips a change whose record moved on: %s', (_, expectation) => {
    const records = { '10.0.0.10': pendingA };
    for (const to of [releaseChange('10.0.0.10', expectation), bindChange('10.0.0.10', expectation, 'ns/x', 'uid-x')]) {
      const out = run(records, [settle(to)]);
      expect(out.results).toEqual([{ settled: { released: [], bound: [], skipped: ['10.0.0.10'] } }]);
      expect(out.status).toBeUndefined(); // nothing to write
    }
  });

  it('skips a change whose record is gone', () => {
    const out = run({ '10.0.0.12': boundC }, [settle(releaseChange('10.0.0.10', { pod: 'ns/', podUid: '', token: 'tok-a' }))]);
    expect(out.results).toEqual([{ settled: { released: [], bound: [], skipped: ['10.0.0.10'] } }]);
    expect(out.status).toBeUndefined();
  });

  it('skips a bound expectation against a record that still has a token', () => {
    const out = run({ '10.0.0.12': { ...boundC, token: 't' } }, [settle(releaseChange('10.0.0.12', { pod: 'ns/c', podUid: 'uid-c' }))]);
    expect(settled(out.results[0]).skipped).toEqual(['10.0.0.12']);
  });

  it('applies the changes still expected and reports the others skipped, in the order given', () => {
    const out = run({ '10.0.0.10': pendingA, '10.0.0.11': pendingB, '10.0.0.12': boundC, '10.0.0.13': stsPending }, [
      settle(
        bindChange('10.0.0.13', { pod: 'ns/web-0', podUid: '' }, 'ns/web-0', 'uid-w'),
        releaseChange('10.0.0.12', { pod: 'ns/c', podUid: 'uid-old' }, 'uid-mismatch'),
        releaseChange('10.0.0.10', { pod: 'ns/', podUid: '', token: 'tok-a' }, 'expired'),
        bindChange('10.0.0.11', { pod: 'ns/', podUid: '', token: 'tok-other' }, 'ns/b', 'uid-b'),
      ),
    ]);
    expect(settled(out.results[0])).toEqual({ released: ['10.0.0.10'], bound: ['10.0.0.13'], skipped: ['10.0.0.12', '10.0.0.11'] });
    expect(recordsOf(out.status?.allocatedIPs ?? null)).toEqual({
      '10.0.0.11': pendingB,
      '10.0.0.12': boundC,
      '10.0.0.13': { pod: 'ns/web-0', podUid: 'uid-w' },
    });
    expect(out.status?.allocatedIPCount).toBe(3);
  });

  it('writes nothing for a settle without changes', () => {
    const out = run({ '10.0.0.10': pendingA }, [settle()]);
    expect(out).toEqual({ results: [{ settled: { released: [], bound: [], skipped: [] } }] });
  });

  it('judges a second change of one address on the outcome of the first', () => {
    const expectation = { pod: 'ns/', podUid: '', token: 'tok-a' };
    const out = run({ '10.0.0.10': pendingA }, [
      settle(bindChange('10.0.0.10', expectation, 'ns/a', 'uid-a')),
      settle(releaseChange('10.0.0.10', expectation, 'expired')),
    ]);
    expect(out.results).toEqual([
      { settled: { released: [], bound: ['10.0.0.10'], skipped: [] } },
      { settled: { released: [], bound: [], skipped: ['10.0.0.10'] } },
    ]);
    expect(recordsOf(out.status?.allocatedIPs ?? null)).toEqual({ '10.0.0.10': { pod: 'ns/a', podUid: 'uid-a' } });
  });

  it('answers every operation of the batch with the error of an unreadable pool, and writes nothing', () => {
    const broken: SpiderIPPool = { ...pool({}), status: { allocatedIPs: '{broken' } };
    const out = planPoolOperations(
      broken,
      [
        settle(releaseChange('10.0.0.10', { pod: 'ns/c', podUid: 'u' })),
        reserve('r', 'tok-r'),
        { kind: 'release', ips: [], key: { token: 't' } },
      ],
      undefined,
      now,
    );
    expect(out.status).toBeUndefined();
    expect(out.results).toHaveLength(3);
    for (const result of out.results) {
      expect(result).toEqual({ error: expect.objectContaining({ code: 'unreadable', object: 'p' }) });
      if ('error' in result) expect(result.error.message).toMatch(/^pool "p": status\.allocatedIPs is not JSON.*left as it is$/);
    }
  });
});

describe('settle, rollback and reservation in one batch', () => {
  // 10.0.0.10 expired (settle releases it), 10.0.0.11 is bound by settle, 10.0.0.12 is rolled back by its admission,
  // 10.0.0.13 is held; the pool's last address, 10.0.0.14, is free.
  const records: Record<string, PoolRecord> = {
    '10.0.0.10': pendingA,
    '10.0.0.11': pendingB,
    '10.0.0.12': { pod: 'ns/', podUid: '', token: 'tok-refused', at: nowSeconds - 1 },
    '10.0.0.13': boundC,
  };
  const batch: PoolOperation[] = [
    reserve('r1', 'tok-new-1'),
    settle(
      releaseChange('10.0.0.10', { pod: 'ns/', podUid: '', token: 'tok-a' }, 'expired'),
      bindChange('10.0.0.11', { pod: 'ns/', podUid: '', token: 'tok-b' }, 'ns/b-x2x4q', 'uid-b'),
    ),
    { kind: 'release', ips: ['10.0.0.12'], key: { token: 'tok-refused' } },
    reserve('r2', 'tok-new-2'),
    reserve('r3', 'tok-new-3'),
    reserve('r4', 'tok-new-4'),
  ];

  it('hands out the addresses released in the same batch, lowest first, and answers each operation in order', () => {
    const out = planPoolOperations(pool(records), batch, undefined, now);
    expect(out.results).toEqual([
      { ip: '10.0.0.10', idempotent: false }, // released by the settle of this very batch
      { settled: { released: ['10.0.0.10'], bound: ['10.0.0.11'], skipped: [] } },
      { released: ['10.0.0.12'] },
      { ip: '10.0.0.12', idempotent: false }, // released by the rollback of this very batch
      { ip: '10.0.0.14', idempotent: false },
      { error: expect.objectContaining({ code: 'used-out', object: 'p' }) },
    ]);
  });

  it('writes one status holding every outcome, with the right count', () => {
    const out = planPoolOperations(pool(records), batch, undefined, now);
    const pending = (token: string) => ({ pod: 'ns/', podUid: '', token, at: nowSeconds });
    expect(recordsOf(out.status?.allocatedIPs ?? null)).toEqual({
      '10.0.0.10': pending('tok-new-1'),
      '10.0.0.11': { pod: 'ns/b-x2x4q', podUid: 'uid-b' },
      '10.0.0.12': pending('tok-new-2'),
      '10.0.0.13': boundC,
      '10.0.0.14': pending('tok-new-3'),
    });
    expect(out.status?.allocatedIPCount).toBe(5);
    expect(Object.keys(JSON.parse(out.status?.allocatedIPs ?? '{}'))).toEqual([
      '10.0.0.10',
      '10.0.0.11',
      '10.0.0.12',
      '10.0.0.13',
      '10.0.0.14',
    ]);
  });

  it('is the same batch when replanned on its own output: reservations idempotent, settle skipped, nothing to write', () => {
    const first = planPoolOperations(pool(records), batch, undefined, now);
    const written: SpiderIPPool = { ...pool({}), status: { allocatedIPs: first.status?.allocatedIPs ?? null } };
    const again = planPoolOperations(written, batch, undefined, now);
    expect(again.results.slice(0, 5)).toEqual([
      { ip: '10.0.0.10', idempotent: true },
      { settled: { released: [], bound: [], skipped: ['10.0.0.10', '10.0.0.11'] } },
      { released: [] },
      { ip: '10.0.0.12', idempotent: true },
      { ip: '10.0.0.14', idempotent: true },
    ]);
    expect(again.status).toBeUndefined();
  });

  it('a rollback finds nothing to release where the settle of the batch released the record first', () => {
    const out = run({ '10.0.0.10': pendingA }, [
      settle(releaseChange('10.0.0.10', { pod: 'ns/', podUid: '', token: 'tok-a' }, 'expired')),
      { kind: 'release', ips: ['10.0.0.10'], key: { token: 'tok-a' } },
    ]);
    expect(out.results).toEqual([{ settled: { released: ['10.0.0.10'], bound: [], skipped: [] } }, { released: [] }]);
    expect(out.status).toEqual({ allocatedIPs: null, allocatedIPCount: 0 });
  });

  it('a rollback by token leaves a record the settle of the batch bound (it no longer carries the token)', () => {
    const out = run({ '10.0.0.10': pendingA }, [
      settle(bindChange('10.0.0.10', { pod: 'ns/', podUid: '', token: 'tok-a' }, 'ns/a', 'uid-a')),
      { kind: 'release', ips: ['10.0.0.10'], key: { token: 'tok-a' } },
    ]);
    expect(out.results).toEqual([{ settled: { released: [], bound: ['10.0.0.10'], skipped: [] } }, { released: [] }]);
    expect(recordsOf(out.status?.allocatedIPs ?? null)).toEqual({ '10.0.0.10': { pod: 'ns/a', podUid: 'uid-a' } });
  });

  it('a StatefulSet Pod reserving by name gets back the record the settle of the batch bound', () => {
    const out = run({ '10.0.0.13': stsPending }, [
      settle(bindChange('10.0.0.13', { pod: 'ns/web-0', podUid: '' }, 'ns/web-0', 'uid-w')),
      { kind: 'reserve', request: { id: 'w', family: 4, key: { pod: 'ns/web-0' } } },
    ]);
    expect(out.results[1]).toEqual({ ip: '10.0.0.13', idempotent: true });
    expect(recordsOf(out.status?.allocatedIPs ?? null)).toEqual({ '10.0.0.13': { pod: 'ns/web-0', podUid: 'uid-w' } });
  });

  it('writes when only the settle changed something, keeping an idempotent reservation as it was', () => {
    const out = run({ '10.0.0.10': pendingA, '10.0.0.12': boundC }, [
      reserve('r', 'tok-a'),
      settle(releaseChange('10.0.0.12', { pod: 'ns/c', podUid: 'uid-c' })),
    ]);
    expect(out.results).toEqual([{ ip: '10.0.0.10', idempotent: true }, { settled: { released: ['10.0.0.12'], bound: [], skipped: [] } }]);
    expect(out.status).toEqual({ allocatedIPs: JSON.stringify({ '10.0.0.10': pendingA }), allocatedIPCount: 1 });
  });
});
