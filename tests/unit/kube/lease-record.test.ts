// The Lease on the wire: MicroTime with six fractional digits, parsing with messages that name the field, and a
// replace that keeps what we do not manage.
import { describe, expect, it } from 'vitest';
import {
  defaultLeaderElectionSettings,
  formatMicroTime,
  leaderElectionSettings,
  newLeaseObject,
  parseLease,
  replacedLeaseObject,
} from '../../../kube/leader/index.js';

describe('formatMicroTime', () => {
  it('writes RFC 3339 with exactly six fractional digits', () => {
    expect(formatMicroTime(new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 7)))).toBe('2024-02-29T23:59:58.007000Z');
    expect(formatMicroTime(new Date(0))).toBe('1970-01-01T00:00:00.000000Z');
  });
});

const stored = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'l', namespace: 'ns', resourceVersion: '17', labels: { team: 'net' } },
  spec: {
    holderIdentity: 'a',
    leaseDurationSeconds: 15,
    acquireTime: '2024-01-01T00:00:00.000000Z',
    renewTime: '2024-01-01T00:00:10.123456Z',
    leaseTransitions: 2,
    strategy: 'OldestEmulationVersion',
  },
};

describe('parseLease', () => {
  it('reads the record and the resourceVersion, keeping the object', () => {
    expect(parseLease(stored, 'Lease ns/l')).toEqual({
      resourceVersion: '17',
      record: {
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: '2024-01-01T00:00:00.000000Z',
        renewTime: '2024-01-01T00:00:10.123456Z',
        leaseTransitions: 2,
      },
      object: stored,
    });
  });

  it('an empty spec is a Lease nobody holds', () => {
    expect(parseLease({ metadata: { resourceVersion: '1' } }, 'Lease ns/l').record).toEqual({ holderIdentity: '', leaseTransitions: 0 });
  });

  it.each([
    ['not an object', 'x', /Lease ns\/l: the response is not a JSON object/],
    ['no resourceVersion', { metadata: {} }, /Lease ns\/l: the object has no metadata.resourceVersion/],
    ['spec not an object', { metadata: { resourceVersion: '1' }, spec: [] }, /spec is not an object/],
    [
      'holder not a string',
      { metadata: { resourceVersion: '1' }, spec: { holderIdentity: 5 } },
      /spec.holderIdentity is number, not a string/,
    ],
    [
      'negative transitions',
      { metadata: { resourceVersion: '1' }, spec: { leaseTransitions: -1 } },
      /spec.leaseTransitions is -1, not a whole number >= 0/,
    ],
  ])('refuses %s', (_what, raw, message) => {
    expect(() => parseLease(raw, 'Lease ns/l')).toThrow(message);
  });
});

describe('Lease objects to write', () => {
  const record = { holderIdentity: 'b', leaseDurationSeconds: 15, acquireTime: 'x', renewTime: 'y', leaseTransitions: 3 };

  it('a new Lease carries the record', () => {
    expect(newLeaseObject('ns', 'l', record)).toEqual({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l', namespace: 'ns' },
      spec: record,
    });
  });

  it('a replace keeps labels and unknown spec fields, and carries the resourceVersion it was decided on', () => {
    const body = replacedLeaseObject(parseLease(stored, 'Lease ns/l'), record);
    expect(body).toEqual({ ...stored, spec: { ...record, strategy: 'OldestEmulationVersion' } });
  });
});

describe('leaderElectionSettings', () => {
  it("defaults to client-go's 15 s / 10 s / 2 s", () => {
    expect(leaderElectionSettings()).toEqual({ leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
    expect(defaultLeaderElectionSettings).toEqual(leaderElectionSettings());
  });

  it.each([
    [{ leaseDurationSeconds: 1.5 }, /lease duration 1.5s: expected whole seconds/],
    [{ leaseDurationSeconds: 0 }, /expected whole seconds, at least 1/],
    [{ renewDeadlineMs: 0 }, /renew deadline 0ms: expected > 0/],
    [{ retryPeriodMs: -1 }, /retry period -1ms: expected > 0/],
    [{ leaseDurationSeconds: 10 }, /lease duration 10s must be longer than the renew deadline 10s/],
    [{ retryPeriodMs: 9000 }, /renew deadline 10s must be longer than 1.2 × the retry period 9s/],
  ])('refuses %o', (partial, message) => {
    expect(() => leaderElectionSettings(partial)).toThrow(message);
  });
});
