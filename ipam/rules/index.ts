export type { AddressAnalysis } from './address-spec.js';
export { defaultRulesConfig, type RulesConfig } from './config.js';
export { defaultIPPool, defaultReservedIP, defaultSubnet, type PoolDefaultingContext, sameCIDR } from './defaults.js';
export { type StoredAddresses, storedAddresses } from './existing.js';
export { formatRanges } from './format.js';
export {
  controllerSubnetName,
  isAutoPool,
  type PoolValidationContext,
  validateIPPoolCreate,
  validateIPPoolDelete,
  validateIPPoolUpdate,
} from './validate-ippool.js';
export { validateReservedIPCreate, validateReservedIPUpdate } from './validate-reserved-ip.js';
export { type SubnetValidationContext, validateSubnetCreate, validateSubnetDelete, validateSubnetUpdate } from './validate-subnet.js';
export {
  formatDenial,
  formatViolation,
  formatViolationDetail,
  invalid,
  statusOf,
  type Violation,
  type ViolationType,
} from './violations.js';
