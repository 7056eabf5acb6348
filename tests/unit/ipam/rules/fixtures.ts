// Builders for the validation vectors (validation-and-allocation-cases.md §2).
import { expect } from 'vitest';
import type { IPPoolSpec, ObjectMeta, SpiderIPPool, SpiderReservedIP, SpiderSubnet } from '../../../../ipam/model/index.js';
import { defaultRulesConfig, type RulesConfig, statusOf, type Violation } from '../../../../ipam/rules/index.js';

export const config = (overrides: Partial<RulesConfig> = {}): RulesConfig => ({ ...defaultRulesConfig, ...overrides });

export function pool(
  name: string,
  spec: Partial<IPPoolSpec>,
  meta: Partial<ObjectMeta> = {},
  status?: SpiderIPPool['status'],
): SpiderIPPool {
  return {
    apiVersion: 'spiderpool.spidernet.io/v2beta1',
    kind: 'SpiderIPPool',
    metadata: { name, ...meta },
    spec: { subnet: '', ...spec },
    ...(status ? { status } : {}),
  };
}

export function subnet(
  name: string,
  spec: Partial<SpiderSubnet['spec']>,
  meta: Partial<ObjectMeta> = {},
  status?: SpiderSubnet['status'],
): SpiderSubnet {
  return {
    apiVersion: 'spiderpool.spidernet.io/v2beta1',
    kind: 'SpiderSubnet',
    metadata: { name, uid: `uid-${name}`, ...meta },
    spec: { subnet: '', ...spec },
    ...(status ? { status } : {}),
  };
}

export function reservedIP(name: string, spec: SpiderReservedIP['spec'], meta: Partial<ObjectMeta> = {}): SpiderReservedIP {
  return { apiVersion: 'spiderpool.spidernet.io/v2beta1', kind: 'SpiderReservedIP', metadata: { name, ...meta }, spec };
}

export type Outcome = 'Accepted' | 'Invalid' | 'Forbidden' | 'AlreadyExists';

/** Asserts the outcome, and that a denial names a field and carries the expected words. */
export function expectOutcome(violations: Violation[], outcome: Outcome, words?: string | RegExp): void {
  if (outcome === 'Accepted') {
    expect(violations).toEqual([]);
    return;
  }
  expect(violations.length).toBeGreaterThan(0);
  expect(statusOf(violations).reason).toBe(outcome);
  for (const v of violations) {
    expect(v.field).toMatch(/^(spec|metadata|status)\./);
    expect(v.detail.length).toBeGreaterThan(10);
  }
  if (words) expect(violations.map((v) => `${v.field}: ${v.detail} ${JSON.stringify(v.value ?? '')}`).join('\n')).toMatch(words);
}

export const v4Base = { ipVersion: 4, subnet: '172.18.40.0/24', ips: ['172.18.40.1-172.18.40.2', '172.18.40.10'] };
export const v6Base = { ipVersion: 6, subnet: 'adbc:1234::/120', ips: ['adbc:1234::1-adbc:1234::2', 'adbc:1234::a'] };
export const terminating = { deletionTimestamp: '2026-11-26T10:00:00Z', finalizers: ['spiderpool.spidernet.io'] };
