import { describe, expect, it } from 'vitest';
import { planPoolOperations } from '../../../../ipam/allocate/index.js';
import type { SpiderIPPool } from '../../../../ipam/model/index.js';

const now = new Date('2026-11-26T12:00:00Z');
function pool(records: Record<string, object> = {}): SpiderIPPool {
  return {
    metadata: { name: 'p', resourceVersion: '1' },
    spec: { ipVersion: 4, subnet: '10.0.0.0/24', ips: ['10.0.0.10-10.0.0.12'] },
    status: { allocatedIPs: Object.keys(records).length ? JSON.stringify(records) : null },
  };
}
const reserve = (id: string, token: string) => ({
  kind: 'reserve' as const,
  request: { id, family: 4 as const, key: { token, pod: 'ns/' } },
});

describe('planPoolOperations', () => {
  it('releases only records still carrying the key, then reserves into the freed space', () => {
    const p = pool({
      '10.0.0.10': { pod: 'ns/', podUid: '', token: 't1', at: 1 },
      '10.0.0.11': { pod: 'ns/a', podUid: 'u', token: undefined },
    });
    const out = planPoolOperations(
      p,
      [{ kind: 'release', ips: ['10.0.0.10', '10.0.0.11'], key: { token: 't1' } }, reserve('r', 't2')],
      undefined,
      now,
    );
    expect(out.results[0]).toEqual({ released: ['10.0.0.10'] });
    expect(out.results[1]).toEqual({ ip: '10.0.0.10', idempotent: false });
    const stored = JSON.parse(out.status?.allocatedIPs ?? '{}');
    expect(Object.keys(stored).sort()).toEqual(['10.0.0.10', '10.0.0.11']);
    expect(stored['10.0.0.10'].token).toBe('t2');
    expect(out.status?.allocatedIPCount).toBe(2);
  });

  it('writes nothing when every request is idempotent', () => {
    const p = pool({ '10.0.0.10': { pod: 'ns/', podUid: '', token: 't1', at: 1 } });
    const out = planPoolOperations(p, [reserve('r', 't1')], undefined, now);
    expect(out.status).toBeUndefined();
    expect(out.results).toEqual([{ ip: '10.0.0.10', idempotent: true }]);
  });

  it('refuses a batch whose requests share an id, rather than hand one address to two requests', () => {
    expect(() => planPoolOperations(pool(), [reserve('eth0/4', 't1'), reserve('eth0/4', 't2')], undefined, now)).toThrow(/distinct ids/);
  });

  it('answers every operation with the error of an unreadable pool', () => {
    const p = { ...pool(), status: { allocatedIPs: '{broken' } };
    const out = planPoolOperations(p, [{ kind: 'release', ips: ['10.0.0.10'], key: { token: 't' } }, reserve('r', 't')], undefined, now);
    expect(out.status).toBeUndefined();
    expect(out.results.every((r) => 'error' in r)).toBe(true);
  });
});
