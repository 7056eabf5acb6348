// What validation needs to know about objects already stored: their parsed
// addresses and family, or why they could not be parsed (then a comparison with
// them fails with that reason instead of being skipped silently).
import { canonicalCIDR, cidrRange, emptySet, type IPFamily, type IPRangeSet, rangeSetOf } from '../ip/index.js';
import type { AddressSpec, ObjectMeta } from '../model/index.js';
import { checkAddressSpec } from './address-spec.js';
import type { RulesConfig } from './config.js';
import { formatViolation } from './violations.js';

// Stored objects are read as they are, whatever the family switches say today.
const readAnything: RulesConfig = { enableIPv4: true, enableIPv6: true, enableSpiderSubnet: true, validateDeletion: false };

export type StoredAddresses =
  | { name: string; ok: true; family: IPFamily; cidr: string; network: IPRangeSet; usable: IPRangeSet }
  | { name: string; ok: false; problem: string };

export function storedAddresses(object: { metadata: ObjectMeta; spec: AddressSpec }): StoredAddresses {
  const name = object.metadata.name ?? '';
  const { analysis, violations } = checkAddressSpec(object.spec ?? { subnet: '' }, readAnything, { checkCanonical: false });
  if (violations.length > 0 || !analysis.cidr || !analysis.family) {
    return { name, ok: false, problem: violations.map(formatViolation).join('; ') || 'its spec cannot be read' };
  }
  return {
    name,
    ok: true,
    family: analysis.family,
    cidr: canonicalCIDR(analysis.cidr),
    network: rangeSetOf(analysis.family, [cidrRange(analysis.cidr)]),
    usable: analysis.usable ?? emptySet(analysis.family),
  };
}
