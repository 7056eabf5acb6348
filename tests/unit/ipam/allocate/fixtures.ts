// Builders for the allocation tests (validation-and-allocation-cases.md §3.4, §3.6, §3.7).
import { expect } from 'vitest';
import type { ReservationRequest, ReservationResult } from '../../../../ipam/allocate/index.js';
import type { IPPoolSpec, ObjectMeta, PoolRecord, SpiderIPPool } from '../../../../ipam/model/index.js';

export const now = new Date('2026-01-01T00:00:00Z');
export const nowSeconds = 1767225600;

export function pool(
  name: string,
  spec: Partial<IPPoolSpec>,
  records?: Record<string, PoolRecord>,
  meta: Partial<ObjectMeta> = {},
): SpiderIPPool {
  const allocatedIPs = records && Object.keys(records).length > 0 ? JSON.stringify(records) : null;
  return {
    apiVersion: 'spiderpool.spidernet.io/v2beta1',
    kind: 'SpiderIPPool',
    metadata: { name, ...meta },
    spec: { subnet: '', ...spec },
    status: { allocatedIPs, allocatedIPCount: Object.keys(records ?? {}).length },
  };
}

/** Spiderpool's e2e fixture shape: `172.18.40.0/24` with the given ips. */
export const v4Pool = (ips: string[], records?: Record<string, PoolRecord>, more: Partial<IPPoolSpec> = {}) =>
  pool('test-pool', { ipVersion: 4, subnet: '172.18.40.0/24', gateway: '172.18.40.1', ips, ...more }, records);

export const byToken = (id: string, token = id, pod = 'default/'): ReservationRequest => ({ id, family: 4, key: { token, pod } });
export const byName = (id: string, pod: string, podUid?: string): ReservationRequest => ({
  id,
  family: 4,
  key: { pod },
  ...(podUid ? { podUid } : {}),
});

export function ipOf(result: ReservationResult | undefined): string {
  if (!result || 'error' in result) throw new Error(`expected an IP, got ${JSON.stringify(result)}`);
  return result.ip;
}

export function errorOf(result: ReservationResult | undefined): { code: string; message: string } {
  if (!result || !('error' in result)) throw new Error(`expected an error, got ${JSON.stringify(result)}`);
  return result.error;
}

export const recordsOf = (text: string | null): Record<string, PoolRecord> => (text === null ? {} : JSON.parse(text));

export function expectUsedOut(result: ReservationResult | undefined, poolName: string): void {
  const error = errorOf(result);
  expect(error.code).toBe('used-out');
  expect(error.message).toContain('all IP addresses used out');
  expect(error.message).toContain(`"${poolName}"`);
}
