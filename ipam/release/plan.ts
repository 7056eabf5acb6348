// The releaser's decision for a whole pool: which records to release, which to bind, and when to look again. The
// kube layer writes the changes in one status write, where each applies only if its record is still as it was
// decided on (settleRecords), so a decision made on a stale view can never release a newer reservation.
import { type PoolRecord, poolRecords, type SpiderIPPool } from '../model/index.js';
import { decideRecord, type ReleaseFacts, type ReleaseReason } from './decide.js';

/** What a record must still look like for a change to apply. */
export interface RecordExpectation {
  pod: string;
  podUid: string;
  token?: string;
}

export interface RecordChange {
  ip: string;
  expect: RecordExpectation;
  to: { release: ReleaseReason } | { bind: { pod: string; uid: string } };
}

export interface PoolReleasePlan {
  changes: RecordChange[];
  /** The earliest time (epoch seconds) a kept record's answer may change without an event. */
  recheckAt?: number;
  /** The status could not be read: nothing is changed, and the reason says why. */
  unreadable?: string;
}

const expectationOf = (record: PoolRecord): RecordExpectation =>
  record.token === undefined ? { pod: record.pod, podUid: record.podUid } : { pod: record.pod, podUid: record.podUid, token: record.token };

export function planPoolRelease(pool: SpiderIPPool, facts: ReleaseFacts): PoolReleasePlan {
  const name = pool.metadata.name ?? '';
  const parsed = poolRecords(pool);
  if (!parsed.ok) return { changes: [], unreadable: parsed.reason };
  const changes: RecordChange[] = [];
  let recheckAt: number | undefined;
  for (const [ip, record] of parsed.value) {
    const decision = decideRecord(name, ip, record, facts);
    if (decision.action === 'keep') {
      if (decision.recheckAt !== undefined) recheckAt = Math.min(recheckAt ?? decision.recheckAt, decision.recheckAt);
    } else if (decision.action === 'bind') {
      if (record.pod !== decision.pod || record.podUid !== decision.uid || record.token !== undefined || record.at !== undefined) {
        changes.push({ ip, expect: expectationOf(record), to: { bind: { pod: decision.pod, uid: decision.uid } } });
      }
    } else {
      changes.push({ ip, expect: expectationOf(record), to: { release: decision.reason } });
    }
  }
  return recheckAt === undefined ? { changes } : { changes, recheckAt };
}

/** Whether a record is still the one a change was decided on. */
export const stillExpected = (record: PoolRecord, expect: RecordExpectation): boolean =>
  record.pod === expect.pod && record.podUid === expect.podUid && record.token === expect.token;
