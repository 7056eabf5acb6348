// The family a pool serves. Cheap (no check of the rest of the spec), because reservation and selection ask it for
// every pool on every request; validation keeps ipVersion and subnet consistent, so the two sources agree.
import { type IPFamily, parseCIDR } from '../ip/index.js';
import type { SpiderIPPool } from './resources.js';

/** spec.ipVersion, or the family of spec.subnet for a pool stored before defaulting filled it in. */
export function poolFamily(pool: SpiderIPPool): IPFamily | undefined {
  const v = pool.spec.ipVersion;
  if (v === 4 || v === 6) return v;
  const cidr = typeof pool.spec.subnet === 'string' ? parseCIDR(pool.spec.subnet) : undefined;
  return cidr?.ok ? cidr.value.family : undefined;
}
