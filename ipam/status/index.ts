export {
  cappedCount,
  controlledStatus,
  type KeepEntryWithoutPool,
  type PoolCounts,
  poolCounts,
  poolFinalizerRemovable,
  type SubnetStatusFields,
  subnetFinalizerRemovable,
  subnetStatus,
} from './counts.js';
