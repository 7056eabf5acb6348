export * from './names.js';
export { maxDepth, type ParsedResource, parseIPPool, parseReservedIP, parseSubnet, type ShapeError } from './parse.js';
export type * from './resources.js';
export type { AllocationRecord, ControlledPool } from './status.js';
export { parseAllocatedIPs, parseControlledIPPools } from './status.js';
export type { FamilySwitches, InterfaceIPAMConfig, PodFacts, PodInterface, PoolRequest, PoolSource, TopController } from './pod.js';
