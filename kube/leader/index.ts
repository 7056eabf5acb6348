// Leader election on a coordination.k8s.io/v1 Lease: only the holder runs the controllers.

export {
  defaultIdentity,
  type ElectionLog,
  type LeaderElectionOptions,
  type LeaderElector,
  startLeaderElection,
} from './leader-elector.js';
export { type LeaseClient, leaseClient } from './lease-client.js';
export {
  decideLease,
  type ElectionTime,
  type LeaseDecision,
  type LeaseSituation,
  type Observation,
  observeLease,
  releasedRecord,
  type TakeOverReason,
} from './lease-decision.js';
export {
  formatMicroTime,
  type LeaseRecord,
  newLeaseObject,
  parseLease,
  replacedLeaseObject,
  type StoredLease,
  sameRecord,
} from './lease-record.js';
export { candidateJitter, defaultLeaderElectionSettings, type LeaderElectionSettings, leaderElectionSettings } from './settings.js';
