// Every branch of the leader election decision, on a fake clock: create, renew, take over a released or an expired
// Lease, wait for a live holder; expiry measured from our own observation, never from the holder's renewTime.
import { describe, expect, it } from 'vitest';
import {
  decideLease,
  defaultLeaderElectionSettings,
  type ElectionTime,
  type LeaseRecord,
  type Observation,
  observeLease,
  releasedRecord,
} from '../../../kube/leader/index.js';

const settings = defaultLeaderElectionSettings; // 15 s, 10 s, 2 s
const me = 'replica-a_1111';
const other = 'replica-b_2222';

/** A fake clock: monotonic ms since the test began, and a wall time far from the holder's (clocks disagree). */
const at = (monotonicMs: number): ElectionTime => ({ monotonicMs, wall: new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 0) + monotonicMs) });
const wallText = (monotonicMs: number) => at(monotonicMs).wall.toISOString().replace('Z', '000Z');

const held = (holderIdentity: string, renewTime = '2020-05-05T10:00:00.000000Z', extra: Partial<LeaseRecord> = {}): LeaseRecord => ({
  holderIdentity,
  leaseDurationSeconds: 15,
  acquireTime: '2020-05-05T09:00:00.000000Z',
  renewTime,
  leaseTransitions: 3,
  ...extra,
});

describe('decideLease', () => {
  it('creates a missing Lease, holding it with no transitions yet', () => {
    expect(decideLease({ lease: undefined, observed: undefined, identity: me, now: at(5), settings })).toEqual({
      action: 'create',
      record: { holderIdentity: me, leaseDurationSeconds: 15, acquireTime: wallText(5), renewTime: wallText(5), leaseTransitions: 0 },
      observed: undefined,
    });
  });

  it('renews its own Lease: new renewTime, same acquireTime and transitions', () => {
    const lease = held(me);
    const d = decideLease({ lease, observed: undefined, identity: me, now: at(1000), settings });
    expect(d).toMatchObject({
      action: 'renew',
      record: {
        holderIdentity: me,
        leaseDurationSeconds: 15,
        acquireTime: lease.acquireTime,
        renewTime: wallText(1000),
        leaseTransitions: 3,
      },
    });
  });

  it('renews even when its own Lease looks expired: nobody else may have it while it names us', () => {
    const lease = held(me);
    const observed = { record: lease, observedAt: 0 };
    expect(decideLease({ lease, observed, identity: me, now: at(60_000), settings }).action).toBe('renew');
  });

  it('renewing a Lease without acquireTime fills it in', () => {
    const lease: LeaseRecord = { holderIdentity: me, leaseTransitions: 0 };
    const d = decideLease({ lease, observed: undefined, identity: me, now: at(7), settings });
    expect(d.action === 'renew' && d.record.acquireTime).toBe(wallText(7));
  });

  it('takes over a released Lease at once, counting a transition', () => {
    const lease = releasedRecord(held(other), at(0));
    const d = decideLease({ lease, observed: undefined, identity: me, now: at(10), settings });
    expect(d).toMatchObject({
      action: 'take-over',
      reason: 'released',
      previousHolder: '',
      record: { holderIdentity: me, leaseDurationSeconds: 15, acquireTime: wallText(10), renewTime: wallText(10), leaseTransitions: 4 },
    });
  });

  it('waits on a Lease held by another replica when first seen, however old its renewTime', () => {
    // renewTime is years before our wall clock: a clock comparison would take over at once.
    const lease = held(other, '2001-01-01T00:00:00.000000Z');
    const d = decideLease({ lease, observed: undefined, identity: me, now: at(500), settings });
    expect(d).toEqual({
      action: 'wait',
      holder: other,
      expiresInMs: 15_000,
      retryInMs: 2000,
      observed: { record: lease, observedAt: 500 },
    });
  });

  it('keeps waiting while the record is unchanged and the observed lease duration has not passed', () => {
    const lease = held(other);
    const observed = { record: lease, observedAt: 500 };
    expect(decideLease({ lease, observed, identity: me, now: at(15_499), settings })).toMatchObject({
      action: 'wait',
      expiresInMs: 1,
      retryInMs: 1,
      observed,
    });
  });

  it('tries again right at expiry when that comes before the next retry period', () => {
    const lease = held(other);
    const observed = { record: lease, observedAt: 0 };
    expect(decideLease({ lease, observed, identity: me, now: at(14_000), settings })).toMatchObject({ retryInMs: 1000 });
  });

  it('takes over once the record has not changed for a lease duration as we observed it', () => {
    const lease = held(other);
    const observed = { record: lease, observedAt: 500 };
    expect(decideLease({ lease, observed, identity: me, now: at(15_500), settings })).toMatchObject({
      action: 'take-over',
      reason: 'expired',
      previousHolder: other,
      record: { holderIdentity: me, leaseTransitions: 4, acquireTime: wallText(15_500) },
      observed,
    });
  });

  it('a renewal by the holder restarts the wait, even if its renewTime went backwards (clock stepped)', () => {
    const before = held(other, '2020-05-05T10:00:02.000000Z');
    const after = held(other, '2020-05-05T10:00:01.000000Z');
    const observed = { record: before, observedAt: 0 };
    const d = decideLease({ lease: after, observed, identity: me, now: at(14_000), settings });
    expect(d).toMatchObject({ action: 'wait', expiresInMs: 15_000, observed: { record: after, observedAt: 14_000 } });
  });

  it("uses the holder's lease duration, not ours", () => {
    const lease = held(other, undefined, { leaseDurationSeconds: 60 });
    const observed = { record: lease, observedAt: 0 };
    expect(decideLease({ lease, observed, identity: me, now: at(30_000), settings })).toMatchObject({
      action: 'wait',
      expiresInMs: 30_000,
    });
    expect(decideLease({ lease, observed, identity: me, now: at(60_000), settings })).toMatchObject({ action: 'take-over' });
  });

  it.each([undefined, 0])('a Lease with leaseDurationSeconds %s gets our duration rather than none', (leaseDurationSeconds) => {
    const lease = { ...held(other), leaseDurationSeconds };
    const observed = { record: lease, observedAt: 0 } as Observation;
    expect(decideLease({ lease, observed, identity: me, now: at(14_999), settings }).action).toBe('wait');
    expect(decideLease({ lease, observed, identity: me, now: at(15_000), settings }).action).toBe('take-over');
  });
});

describe('observeLease', () => {
  it('starts the clock on a new record and keeps it for the same record', () => {
    const first = observeLease(undefined, held(other), at(100));
    expect(first).toEqual({ record: held(other), observedAt: 100 });
    expect(observeLease(first, held(other), at(9000))).toBe(first);
  });

  it.each<[string, Partial<LeaseRecord>]>([
    ['holderIdentity', { holderIdentity: 'c' }],
    ['renewTime', { renewTime: '2020-05-05T10:00:09.000000Z' }],
    ['acquireTime', { acquireTime: '2020-05-05T10:00:09.000000Z' }],
    ['leaseDurationSeconds', { leaseDurationSeconds: 20 }],
    ['leaseTransitions', { leaseTransitions: 9 }],
  ])('a change of %s is a new record', (_field, change) => {
    const first = observeLease(undefined, held(other), at(100));
    expect(observeLease(first, { ...held(other), ...change }, at(200)).observedAt).toBe(200);
  });
});

describe('releasedRecord', () => {
  it('names no holder, lasts one second and keeps the transitions count', () => {
    expect(releasedRecord(held(me), at(42))).toEqual({
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: wallText(42),
      renewTime: wallText(42),
      leaseTransitions: 3,
    });
  });
});
