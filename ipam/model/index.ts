export * from './names.js';
export { maxDepth, type ParsedResource, parseIPPool, parseReservedIP, parseSubnet, type ShapeError } from './parse.js';
export type { FamilySwitches, InterfaceIPAMConfig, PodFacts, PodInterface, PoolRequest, PoolSource, TopController } from './pod.js';
export type * from './resources.js';
export { type AssignedResult, assignedAnnotationKey, formatAssignedResult, parseAssignedResult, type ResultRoute } from './result.js';
export type { AllocationRecord, ControlledPool } from './status.js';
export { parseAllocatedIPs, parseControlledIPPools } from './status.js';
