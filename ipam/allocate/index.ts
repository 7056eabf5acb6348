// Choosing addresses inside pools, batch reservation (the pure half of group commit), StatefulSet stickiness and
// automatic-pool sizing. Pure: `now` is passed in, and the kube layer does every read and write.
export {
  type AllocationError,
  type AllocationErrorCode,
  allocationError,
  shrinkBlockedSubstring,
  usedOutSubstring,
} from './allocation-error.js';
export {
  type AutoPoolFacts,
  autoPoolName,
  autoPoolPodAffinity,
  buildAutoPool,
  resizePoolIPs,
  subnetFreeIPs,
  uidSuffix,
} from './auto-pool.js';
export {
  type AutoPoolClaim,
  type AutoPoolOwner,
  applicationGV,
  applicationKey,
  autoPoolClaims,
  entryApplication,
  type NativeWorkloadKind,
  nativeWorkloadKind,
  nativeWorkloadKinds,
  parseApplicationKey,
  wantsAutoPools,
} from './auto-pool-claims.js';
export {
  type AutoPoolMode,
  type AutoPoolState,
  type AutoPoolStep,
  claimedPoolName,
  findAutoPool,
  isAutoPoolOf,
  isReclaimed,
  planAutoPool,
  releasingIPsAnnotation,
} from './auto-pool-plan.js';
export {
  desiredSize,
  fixedNumberRequired,
  type IPNumber,
  ipNumberText,
  jobPodCount,
  parseIPNumber,
  parseReclaim,
  podTemplateOf,
  type WorkloadObject,
  workloadReplicas,
} from './auto-pool-size.js';
export {
  type PoolOperation,
  type PoolOperationResult,
  planPoolOperations,
  type ReleaseOperation,
  type SettleOperation,
} from './operations.js';
export {
  allocatedAddresses,
  freeAddresses,
  pickLowestFree,
  reservedAddresses,
  usedOutError,
  whyPoolCannotAllocate,
} from './pick.js';
export { bindInPool, bindStatefulSetPodInPool, releaseFromPool } from './record-updates.js';
export {
  defaultMaxAllocatedIPsBytes,
  type PoolReservation,
  type ReservationKey,
  type ReservationRequest,
  type ReservationResult,
  type ReserveOptions,
  reserveInPool,
  type StatusUpdate,
} from './reserve.js';
export {
  findStickyRecords,
  isValidStatefulSetPod,
  parseStatefulSetPodName,
  planStickyReuse,
  type StatefulSetFacts,
  type StickyCandidate,
  type StickyPlan,
  type StickyRecord,
  storedPoolIsCandidate,
} from './statefulset.js';
export { ownerPresent, type ThirdPartyOwner, thirdPartyOwnerOf } from './third-party-owner.js';
