// What one replica does with the Lease it just read: create it, take it over, renew it, or wait. Pure: the loop in
// leader-elector.ts passes in the Lease, what it observed before, and the time, and carries out the decision.
//
// Expiry follows client-go's leaderelection: a candidate never compares the holder's renewTime with its own clock.
// Clocks of two machines may be minutes apart, so "renewTime + leaseDuration < my now" could let a candidate take a
// lease its holder renewed a second ago (holder's clock behind) or never take a dead one (holder's clock ahead).
// Instead each candidate remembers when IT saw the record last change (client-go's observedTime) and waits a full
// leaseDuration on its own monotonic clock from then. A live holder changes renewTime every retry period, so the
// record keeps changing and never expires; a dead holder's record stops changing and expires leaseDuration after
// the candidate noticed. Only clock *rates* matter, and the leader gives up at renewDeadline (< leaseDuration) after
// its last renewal, which leaves leaseDuration - renewDeadline for rate differences and request latency.
import { formatMicroTime, type LeaseRecord, sameRecord } from './lease-record.js';
import type { LeaderElectionSettings } from './settings.js';

export interface ElectionTime {
  /** A monotonic reading in ms (performance.now()): expiry is measured on it, so a step of the wall clock cannot
   *  expire a lease early. */
  monotonicMs: number;
  /** Wall time, only written into acquireTime/renewTime for people and tools to read. */
  wall: Date;
}

/** A record and when this replica first saw it (monotonic ms). */
export interface Observation {
  record: LeaseRecord;
  observedAt: number;
}

export interface LeaseSituation {
  /** The Lease as just read, or undefined when it does not exist. */
  lease: LeaseRecord | undefined;
  /** What this replica saw before; undefined at start or after the Lease was gone. */
  observed: Observation | undefined;
  identity: string;
  now: ElectionTime;
  settings: LeaderElectionSettings;
}

export type TakeOverReason = 'released' | 'expired';

export type LeaseDecision =
  /** No Lease: create it, holding it. */
  | { action: 'create'; record: LeaseRecord; observed: undefined }
  /** Someone else's Lease that was released or has expired as observed: write ourselves in. */
  | { action: 'take-over'; reason: TakeOverReason; previousHolder: string; record: LeaseRecord; observed: Observation }
  /** Our own Lease: move renewTime. */
  | { action: 'renew'; record: LeaseRecord; observed: Observation }
  /** Someone else holds a fresh Lease: read it again in retryInMs. */
  | { action: 'wait'; holder: string; expiresInMs: number; retryInMs: number; observed: Observation };

/** The observation after reading `record`: its first sighting starts the clock, an unchanged record keeps it. */
export function observeLease(previous: Observation | undefined, record: LeaseRecord, now: ElectionTime): Observation {
  return previous && sameRecord(previous.record, record) ? previous : { record, observedAt: now.monotonicMs };
}

/**
 * How long after `observed.observedAt` the holder's claim lapses. A record without a duration (written by hand, or
 * by another tool) is given ours rather than none: waiting too long is safe, taking over a live holder is not.
 */
function leaseDurationMs(record: LeaseRecord, settings: LeaderElectionSettings): number {
  const seconds =
    record.leaseDurationSeconds && record.leaseDurationSeconds > 0 ? record.leaseDurationSeconds : settings.leaseDurationSeconds;
  return seconds * 1000;
}

export function decideLease(situation: LeaseSituation): LeaseDecision {
  const { lease, identity, now, settings } = situation;
  const time = formatMicroTime(now.wall);
  if (!lease) {
    const record = {
      holderIdentity: identity,
      leaseDurationSeconds: settings.leaseDurationSeconds,
      acquireTime: time,
      renewTime: time,
      leaseTransitions: 0,
    };
    return { action: 'create', record, observed: undefined };
  }
  const observed = observeLease(situation.observed, lease, now);
  if (lease.holderIdentity === identity) {
    const record = {
      holderIdentity: identity,
      leaseDurationSeconds: settings.leaseDurationSeconds,
      acquireTime: lease.acquireTime ?? time,
      renewTime: time,
      leaseTransitions: lease.leaseTransitions,
    };
    return { action: 'renew', record, observed };
  }
  const takeOver = (reason: TakeOverReason): LeaseDecision => ({
    action: 'take-over',
    reason,
    previousHolder: lease.holderIdentity,
    record: {
      holderIdentity: identity,
      leaseDurationSeconds: settings.leaseDurationSeconds,
      acquireTime: time,
      renewTime: time,
      leaseTransitions: lease.leaseTransitions + 1,
    },
    observed,
  });
  // A holder that stepped down wrote an empty holderIdentity: nobody leads, so there is nothing to wait for.
  if (lease.holderIdentity === '') return takeOver('released');
  const expiresInMs = observed.observedAt + leaseDurationMs(lease, settings) - now.monotonicMs;
  if (expiresInMs <= 0) return takeOver('expired');
  return {
    action: 'wait',
    holder: lease.holderIdentity,
    expiresInMs,
    // Read again every retry period (a release must be noticed quickly, and only reads show whether the holder is
    // alive), or right at expiry when that comes first.
    retryInMs: Math.min(settings.retryPeriodMs, expiresInMs),
    observed,
  };
}

/**
 * What a leader writes when it steps down, as client-go's release(): no holder, and a one-second duration for
 * electors that ignore an empty holder; the transitions count is the next holder's to increment.
 */
export function releasedRecord(held: LeaseRecord, now: ElectionTime): LeaseRecord {
  const time = formatMicroTime(now.wall);
  return { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: time, renewTime: time, leaseTransitions: held.leaseTransitions };
}
