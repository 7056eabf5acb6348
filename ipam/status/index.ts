export {
  cappedCount,
  type PoolCounts,
  poolCounts,
  poolFinalizerRemovable,
  type SubnetStatusFields,
  subnetFinalizerRemovable,
  subnetStatus,
} from './counts.js';
