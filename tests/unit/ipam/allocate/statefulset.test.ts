// validation-and-allocation-cases.md §3.7 and behaviour §5: StatefulSet Pods keep their IPs across incarnations,
// unless the pools asked for changed; other Pods never inherit an IP from a previous incarnation.
import { describe, expect, it } from 'vitest';
import {
  findStickyRecords,
  isValidStatefulSetPod,
  parseStatefulSetPodName,
  planStickyReuse,
  reserveInPool,
  type StatefulSetFacts,
  storedPoolIsCandidate,
} from '../../../../ipam/allocate/index.js';
import { byName, byToken, ipOf, now, pool, recordsOf } from './fixtures.js';

const sts = (replicas: number | null | undefined, start?: number): StatefulSetFacts => ({
  metadata: { name: 'web' },
  spec: { replicas, ...(start === undefined ? {} : { ordinals: { start } }) },
});

describe('StatefulSet Pod names', () => {
  it.each([
    ['web-0', { statefulSet: 'web', ordinal: 0 }],
    ['my-app-12', { statefulSet: 'my-app', ordinal: 12 }],
    ['web-2147483647', { statefulSet: 'web', ordinal: 2147483647 }],
    ['web-2147483648', undefined],
    ['web', undefined],
    ['web-', undefined],
    ['web-7c9f8d6b5-x2x4q', undefined],
  ])('%s -> %j', (name, expected) => {
    expect(parseStatefulSetPodName(name)).toEqual(expected);
  });
});

describe('§5 "valid StatefulSet Pod": its ordinal is still wanted', () => {
  it.each([
    ['web-0', sts(2), true],
    ['web-1', sts(2), true],
    ['web-2', sts(2), false], // scaled down from 3 to 2: web-2 gives its IP back
    ['web-0', sts(0), false],
    ['web-5', sts(3, 5), true], // ordinals.start = 5: web-5, web-6, web-7
    ['web-7', sts(3, 5), true],
    ['web-4', sts(3, 5), false],
    ['web-8', sts(3, 5), false],
    ['web-0', sts(null), true], // nil replicas is what the API server defaults to 1
    ['web-0', undefined, false], // a missing StatefulSet means invalid
    ['other-0', sts(2), false],
    ['web', sts(2), false],
  ])('%s of %j -> %s', (pod, statefulSet, valid) => {
    expect(isValidStatefulSetPod(pod, statefulSet)).toBe(valid);
  });
});

describe('§3.7 sticky IPs', () => {
  const poolA = pool(
    'pool-a',
    { ipVersion: 4, subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.19'] },
    {
      '10.6.0.10': { pod: 'default/other', podUid: 'u0' },
      '10.6.0.12': { pod: 'default/web-0', podUid: 'uid-old' },
    },
  );
  const poolB = pool('pool-b', { ipVersion: 4, subnet: '10.7.0.0/16', ips: ['10.7.0.10-10.7.0.19'] });
  const poolV6 = pool(
    'pool-v6',
    { ipVersion: 6, subnet: 'fd00::/64', ips: ['fd00::10-fd00::19'] },
    {
      'fd00::12': { pod: 'default/web-0', podUid: 'uid-old' },
    },
  );

  it('a re-created StatefulSet Pod gets its stored IP back whatever the old UID was (the record follows the new one)', () => {
    const out = reserveInPool(poolA, [byName('eth0', 'default/web-0', 'uid-new')], undefined, now);
    expect(out.results.get('eth0')).toEqual({ ip: '10.6.0.12', idempotent: true });
    expect(recordsOf(out.allocatedIPs)['10.6.0.12']).toEqual({ pod: 'default/web-0', podUid: 'uid-new' });
  });

  it('at admission (no UID yet) the stored IP comes back and the record is left for the scaler to re-bind', () => {
    const out = reserveInPool(poolA, [byName('eth0', 'default/web-0')], undefined, now);
    expect(out).toMatchObject({ changed: false, results: new Map([['eth0', { ip: '10.6.0.12', idempotent: true }]]) });
  });

  it('a Pod that is not a StatefulSet Pod never inherits the IP of an earlier incarnation', () => {
    const out = reserveInPool(poolA, [byToken('eth0', 'new-admission', 'default/other')], undefined, now);
    expect(ipOf(out.results.get('eth0'))).toBe('10.6.0.11');
  });

  it('finds the Pod records in every pool, with their family', () => {
    expect(findStickyRecords([poolA, poolB, poolV6], 'default/web-0')).toEqual([
      { pool: 'pool-a', family: 4, ip: '10.6.0.12' },
      { pool: 'pool-v6', family: 6, ip: 'fd00::12' },
    ]);
  });

  it('keeps the address while the pool holding it is still asked for, even when it is not the first candidate', () => {
    const stored = findStickyRecords([poolA, poolB, poolV6], 'default/web-0');
    const plan = planStickyReuse(stored, [
      { interface: 'eth0', family: 4, pools: ['pool-b', 'pool-a'] },
      { interface: 'eth0', family: 6, pools: ['pool-v6'] },
    ]);
    expect(plan).toEqual({
      reuse: [
        { interface: 'eth0', family: 4, pool: 'pool-a', ip: '10.6.0.12' },
        { interface: 'eth0', family: 6, pool: 'pool-v6', ip: 'fd00::12' },
      ],
      release: [],
    });
  });

  it('moves the Pod when the pool annotation changed: the old record is released and the new pool allocates', () => {
    const stored = findStickyRecords([poolA, poolB], 'default/web-0');
    expect(storedPoolIsCandidate('pool-a', ['pool-b'])).toBe(false);
    const plan = planStickyReuse(stored, [{ interface: 'eth0', family: 4, pools: ['pool-b'] }]);
    expect(plan).toEqual({ reuse: [], release: [{ pool: 'pool-a', family: 4, ip: '10.6.0.12' }] });
    expect(ipOf(reserveInPool(poolB, [byName('eth0', 'default/web-0')], undefined, now).results.get('eth0'))).toBe('10.7.0.10');
  });

  it('gives two interfaces sharing a pool its records in ascending order, as a batch handed them out', () => {
    const shared = reserveInPool(poolB, [byName('eth0', 'default/web-1'), byName('net1', 'default/web-1')], undefined, now);
    const written = pool('pool-b', poolB.spec, recordsOf(shared.allocatedIPs));
    const plan = planStickyReuse(findStickyRecords([written], 'default/web-1'), [
      { interface: 'eth0', family: 4, pools: ['pool-b'] },
      { interface: 'net1', family: 4, pools: ['pool-b'] },
    ]);
    expect(plan.reuse.map((r) => [r.interface, r.ip])).toEqual([
      ['eth0', ipOf(shared.results.get('eth0'))],
      ['net1', ipOf(shared.results.get('net1'))],
    ]);
  });

  it('releases the records of an interface the Pod no longer has', () => {
    const twice = pool('pool-b', poolB.spec, {
      '10.7.0.10': { pod: 'default/web-1', podUid: 'u' },
      '10.7.0.11': { pod: 'default/web-1', podUid: 'u' },
    });
    const plan = planStickyReuse(findStickyRecords([twice], 'default/web-1'), [{ interface: 'eth0', family: 4, pools: ['pool-b'] }]);
    expect(plan.release).toEqual([{ pool: 'pool-b', family: 4, ip: '10.7.0.11' }]);
  });
});
