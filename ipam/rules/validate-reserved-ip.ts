// Validation of SpiderReservedIP: a version and a list of addresses of that version.
import type { SpiderReservedIP } from '../model/index.js';
import { checkIPVersion, checkRangeList } from './address-spec.js';
import type { RulesConfig } from './config.js';
import { immutable } from './update-rules.js';
import { forbidden, type Violation } from './violations.js';

function specChecks(reserved: SpiderReservedIP, config: RulesConfig): Violation[] {
  const version = checkIPVersion(reserved.spec?.ipVersion, config, 'spec.ips[0]');
  const ips = checkRangeList(reserved.spec?.ips, 'spec.ips', version.family, undefined);
  return [...version.violations, ...ips.violations];
}

export function validateReservedIPCreate(reserved: SpiderReservedIP, config: RulesConfig): Violation[] {
  return specChecks(reserved, config);
}

export function validateReservedIPUpdate(old: SpiderReservedIP, reserved: SpiderReservedIP, config: RulesConfig): Violation[] {
  // An update that starts the deletion is fine; once deleting, the object is frozen.
  if (old.metadata.deletionTimestamp) {
    return [forbidden('metadata.deletionTimestamp', `SpiderReservedIP "${old.metadata.name}" is being deleted and cannot be updated`)];
  }
  if (reserved.metadata.deletionTimestamp) return [];
  const out = immutable('spec.ipVersion', old.spec?.ipVersion, reserved.spec?.ipVersion);
  return [...out, ...specChecks(reserved, config)];
}
