export * from './names.js';
export type * from './resources.js';
export type { AllocationRecord, ControlledPool } from './status.js';
export { parseAllocatedIPs, parseControlledIPPools } from './status.js';
