export {
  bind,
  boundRecordBytes,
  epochSeconds,
  findByPod,
  findByPodUid,
  findByToken,
  isExpired,
  isPending,
  maxGeneratedNameLength,
  type PoolRecord,
  type PoolRecords,
  parseRecords,
  pendingRecord,
  podNamespace,
  poolRecords,
  type RecordEntry,
  recordJSON,
  reservationToken,
  serializeRecords,
} from './allocation-records.js';
export { compareIPs, ipv4Number, keyAddress } from './ip-keys.js';
export type { MultusInterface, MultusOptions, NetworkSelection } from './multus.js';
export { multusAnnotations, multusInterfaces, parseDefaultNetworkAnnotation, parseNetworksAnnotation } from './multus.js';
export * from './names.js';
export type { AttachmentIPAM } from './network-attachment.js';
export { ourIPAMTypes, readAttachmentIPAM } from './network-attachment.js';
export { deeperThan, maxDepth, type ParsedResource, parseIPPool, parseReservedIP, parseSubnet, type ShapeError } from './parse.js';
export type { FamilySwitches, InterfaceIPAMConfig, PodFacts, PodInterface, PoolRequest, PoolSource, TopController } from './pod.js';
export type { CustomRoute, IPPoolIPNumber, IPPoolsAnnotation, IPPoolsItem, PoolNames, SubnetItem } from './pod-annotations.js';
export {
  parseIPPoolAnnotation,
  parseIPPoolIPNumber,
  parseIPPoolReclaim,
  parseIPPoolsAnnotation,
  parseNamespaceDefaultPools,
  parseRoutesAnnotation,
  parseSubnetAnnotation,
  parseSubnetsAnnotation,
} from './pod-annotations.js';
export { poolFamily } from './pool-family.js';
export type * from './resources.js';
export { type AssignedResult, assignedAnnotationKey, formatAssignedResult, parseAssignedResult, type ResultRoute } from './result.js';
export type { ControlledPool } from './status.js';
export { parseControlledIPPools } from './status.js';
