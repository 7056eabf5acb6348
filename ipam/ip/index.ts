export type { IP, IPFamily, Parsed } from './address.js';
export { bitsOf, canonicalIP, formatIP, formatIPv6Groups, ipFromValue, maxValue, parseIP } from './address.js';
export type { CIDR } from './cidr.js';
export {
  canonicalCIDR,
  cidrContains,
  cidrLabelValue,
  cidrRange,
  cidrsOverlap,
  formatCIDR,
  isCanonicalCIDRText,
  networkOf,
  parseCIDR,
} from './cidr.js';
export type { IPRange } from './range.js';
export { formatIPRange, parseIPRange, rangeSize } from './range.js';
export type { IPRangeSet, RangeListError } from './range-set.js';
export {
  addresses,
  contains,
  count,
  emptySet,
  formatRangeSet,
  intersect,
  isEmpty,
  isSubset,
  lowest,
  lowestSubset,
  overlaps,
  parseRangeList,
  rangeSetOf,
  subtract,
  union,
} from './range-set.js';
