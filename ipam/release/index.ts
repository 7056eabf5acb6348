// Releasing and binding pool records (the scaler's garbage collection): pure decisions on Pods, pools and
// StatefulSets as the caches show them; the kube layer does the reads and the one guarded write per pool.
export { decideRecord, type RecordDecision, type ReleaseFacts, type ReleaseReason } from './decide.js';
export { type PoolReleasePlan, planPoolRelease, type RecordChange, type RecordExpectation, stillExpected } from './plan.js';
export { type Claim, claims, type PodObject, type PodView, podView, trimPod } from './pod-view.js';
