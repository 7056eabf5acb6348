// validation-and-allocation-cases.md §3.6 (sizing auto-created pools) and behaviour §4.3-§4.5.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  autoPoolName,
  autoPoolPodAffinity,
  buildAutoPool,
  desiredSize,
  fixedNumberRequired,
  ipNumberText,
  jobPodCount,
  parseIPNumber,
  parseReclaim,
  resizePoolIPs,
  subnetFreeIPs,
  workloadReplicas,
} from '../../../../ipam/allocate/index.js';
import { addresses, count, formatRangeSet, type IPRangeSet, isSubset, parseRangeList, subtract } from '../../../../ipam/ip/index.js';
import { labels, parseControlledIPPools, type SpiderSubnet, type TopController } from '../../../../ipam/model/index.js';
import { subnetStatus } from '../../../../ipam/status/index.js';
import { pool } from './fixtures.js';

const set = (items: string[]): IPRangeSet => parseRangeList(items, 4).set ?? { family: 4, ranges: [] };
const subnet = (spec: Partial<SpiderSubnet['spec']>, meta: Partial<SpiderSubnet['metadata']> = {}): SpiderSubnet => ({
  metadata: { name: 'subnet-6', uid: 'subnet-uid', ...meta },
  spec: { ipVersion: 4, subnet: '172.18.40.0/24', ...spec },
});
const deployment: TopController & { uid: string } = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'test-ns',
  name: 'test-name',
  uid: 'a-b-c-d',
};

describe('§3.6 ippool-ip-number and ippool-reclaim', () => {
  it.each([
    ['5', { kind: 'fixed', n: 5 }],
    ['+5', { kind: 'flexible', n: 5 }],
    ['0', { kind: 'fixed', n: 0 }],
    [undefined, undefined],
  ])('%j parses to %j', (text, expected) => {
    expect(parseIPNumber(text)).toEqual({ ok: true, value: expected });
  });

  it.each(['++5', 'a', '-1', '', '+', '5+', 'a+5', ' 5', '1e3', '99999999999999999999'])(
    '%j is an error that says what is allowed',
    (text) => {
      const parsed = parseIPNumber(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.reason).toContain('"+N" (replicas + N)');
    },
  );

  it.each([
    [undefined, true],
    ['false', false],
    ['true', true],
    ['0', false],
    ['T', true],
  ])('ippool-reclaim %j -> %s', (text, reclaim) => {
    expect(parseReclaim(text)).toEqual({ ok: true, value: reclaim });
  });

  it('ippool-reclaim "wrong-input" is an error', () => {
    expect(parseReclaim('wrong-input').ok).toBe(false);
  });

  it.each([
    [{ kind: 'fixed', n: 5 } as const, 3, 0, 5],
    [{ kind: 'flexible', n: 5 } as const, 3, 0, 8],
    [undefined, 3, 0, 3], // absent: replicas + cluster default (0 in Spiderpool's unit test and in practice)
    [undefined, 3, 1, 4], // the chart's intended default, +1
  ])('desired size of %j with %i replicas and default +%i is %i', (ipNumber, replicas, redundant, size) => {
    expect(desiredSize(ipNumber, replicas, redundant)).toEqual({ ok: true, value: size });
  });

  it('writes the effective value onto the pool', () => {
    expect([ipNumberText({ kind: 'fixed', n: 5 }, 1), ipNumberText({ kind: 'flexible', n: 2 }, 1), ipNumberText(undefined, 1)]).toEqual([
      '5',
      '+2',
      '+1',
    ]);
  });
});

describe('§3.6 replica counts', () => {
  it.each([
    [0, undefined, 1],
    [2, undefined, 2],
    [undefined, 0, 1],
    [undefined, 2, 2],
    [3, 0, 1],
    [3, 2, 2],
    [undefined, undefined, 1],
  ])('Job with parallelism %j and completions %j runs %i Pods', (parallelism, completions, pods) => {
    expect(jobPodCount(parallelism, completions)).toBe(pods);
    expect(workloadReplicas({ apiVersion: 'batch/v1', kind: 'Job', spec: { parallelism, completions } })).toBe(pods);
    const jobTemplate = { spec: { parallelism, completions } };
    expect(workloadReplicas({ apiVersion: 'batch/v1', kind: 'CronJob', spec: { jobTemplate } })).toBe(pods);
  });

  it.each([
    ['Deployment', undefined, 0],
    ['Deployment', 4, 4],
    ['ReplicaSet', 4, 4],
    ['StatefulSet', null, 0],
  ])('%s with spec.replicas %j -> %i', (kind, replicas, expected) => {
    expect(workloadReplicas({ apiVersion: 'apps/v1', kind, spec: { replicas } })).toBe(expected);
  });

  it('DaemonSet: status.desiredNumberScheduled', () => {
    expect(workloadReplicas({ apiVersion: 'apps/v1', kind: 'DaemonSet', status: { desiredNumberScheduled: 7 } })).toBe(7);
  });

  it('a Pod without a controller counts 1 (though auto pools refuse such Pods)', () => {
    expect(workloadReplicas({ apiVersion: 'v1', kind: 'Pod' })).toBe(1);
  });

  it('third-party controller: no replica count; "+N" means N and an absent annotation is refused', () => {
    const cloneSet = { apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet', spec: { replicas: 3 } };
    const replicas = workloadReplicas(cloneSet);
    expect(replicas).toBeUndefined();
    expect(workloadReplicas({ ...cloneSet, kind: 'StatefulSet' })).toBeUndefined(); // Advanced StatefulSet is not apps/v1
    expect(desiredSize({ kind: 'flexible', n: 2 }, replicas, 1)).toEqual({ ok: true, value: 2 });
    const refused = desiredSize(undefined, replicas, 1);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(`CloneSet/default/app ${refused.reason}`).toContain(`CloneSet/default/app ${fixedNumberRequired}`);
  });
});

describe('§3.6 auto-pool name and affinity', () => {
  it.each([
    ['a-b-c-d', 'auto4-test-name-test-nic-d'],
    ['a-b-c-defghi', 'auto4-test-name-test-nic-defgh'],
    ['e7b50a38-25c2-41d0-b332-7F619C69194E', 'auto4-test-name-test-nic-7f619'],
  ])('controller test-name, IPv4, nic test-nic, uid %s -> %s', (uid, name) => {
    expect(autoPoolName(4, 'test-name', 'test-nic', uid)).toBe(name);
  });

  it('lower-cases, and cuts long workload names so the name stays a DNS subdomain of at most 253 characters', () => {
    expect(autoPoolName(6, 'Web', 'ETH0', 'x-ABCDE')).toBe('auto6-web-eth0-abcde');
    const longest = autoPoolName(4, `${'a'.repeat(250)}`, 'eth0', 'a-b-c-d1e2f3a4b5c6');
    expect(longest).toHaveLength(253);
    expect(longest.endsWith('a-eth0-d1e2f')).toBe(true);
  });

  it('always gives a valid object name (property)', () => {
    const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/);
    const workloadName = fc.array(label, { minLength: 1, maxLength: 8 }).map((parts) => parts.join('.').slice(0, 253));
    const iface = fc.stringMatching(/^[A-Za-z0-9._-]{1,15}$/);
    fc.assert(
      fc.property(fc.constantFrom(4 as const, 6 as const), workloadName, iface, fc.uuid(), (family, name, nic, uid) => {
        const out = autoPoolName(family, name, nic, uid);
        expect(out.length).toBeLessThanOrEqual(253);
        expect(out).toMatch(dnsSubdomain);
      }),
    );
  });

  it('podAffinity built from Deployment test-ns/test-name matches that controller, and not the same name as a StatefulSet', () => {
    const affinity = autoPoolPodAffinity(deployment);
    expect(affinity.matchLabels).toEqual({
      'ipam.spidernet.io/app-api-group': 'apps',
      'ipam.spidernet.io/app-api-version': 'v1',
      'ipam.spidernet.io/app-kind': 'Deployment',
      'ipam.spidernet.io/app-namespace': 'test-ns',
      'ipam.spidernet.io/app-name': 'test-name',
    });
    expect(autoPoolPodAffinity({ ...deployment })).toEqual(affinity);
    expect(autoPoolPodAffinity({ ...deployment, kind: 'StatefulSet' })).not.toEqual(affinity);
  });
});

describe('§3.6 subnets and ReconcileAutoIPPool', () => {
  it('SpiderSubnet aggregation: one owned pool holding the only IP leaves nothing free', () => {
    const s = subnet({ ips: ['172.18.40.10'] });
    const owned = pool('owned', { ipVersion: 4, subnet: '172.18.40.0/24', ips: ['172.18.40.10'] }, undefined, {
      ownerReferences: [
        { apiVersion: 'spiderpool.spidernet.io/v2beta1', kind: 'SpiderSubnet', name: 'subnet-6', uid: 'u', controller: true },
      ],
    });
    const status = subnetStatus(s, [owned]);
    expect(status).toEqual({
      controlledIPPools: JSON.stringify({ owned: { ips: ['172.18.40.10'] } }),
      totalIPCount: 1,
      allocatedIPCount: 1,
    });
    const controlled = parseControlledIPPools(status.controlledIPPools);
    if (!controlled.ok) throw new Error(controlled.reason);
    expect(subnetFreeIPs(s, controlled.value, undefined)).toEqual({ ips: { family: 4, ranges: [] } });
  });

  it('against a terminating subnet: nothing to give (Spiderpool answers NotFound)', () => {
    const s = subnet({ ips: ['172.18.40.10'] }, { deletionTimestamp: '2026-01-01T00:00:00Z' });
    expect(subnetFreeIPs(s, new Map(), undefined)).toMatchObject({ error: { code: 'unavailable' } });
  });

  it('free IPs leave out every controlled pool, manual ones too, and reserved IPs', () => {
    const s = subnet({ ips: ['172.18.40.10-172.18.40.20'], excludeIPs: ['172.18.40.20'] });
    const controlled = new Map([
      ['auto4-a-eth0-abcde', { ips: ['172.18.40.10-172.18.40.11'], application: 'apps_v1_Deployment_default_a' }],
      ['manual', { ips: ['172.18.40.13'] }],
    ]);
    const out = subnetFreeIPs(s, controlled, set(['172.18.40.15']));
    expect('ips' in out && formatRangeSet(out.ips)).toEqual(['172.18.40.12', '172.18.40.14', '172.18.40.16-172.18.40.19']);
    expect(subnetFreeIPs(s, new Map([['bad', { ips: ['nope'] }]]), undefined)).toMatchObject({ error: { code: 'unreadable' } });
  });

  it('Deployment default/deployment1, subnet 172.16.0.0/16 (172.16.41.1-172.16.41.200), size 1, eth0, IPv4: an IPv4 auto pool', () => {
    const s = subnet({ subnet: '172.16.0.0/16', ips: ['172.16.41.1-172.16.41.200'], gateway: '172.16.0.1' }, { name: 'subnet-16' });
    const free = subnetFreeIPs(s, new Map(), undefined);
    if (!('ips' in free)) throw new Error(free.error.message);
    const sized = resizePoolIPs(free.ips, set([]), set([]), 1);
    if (!('ips' in sized)) throw new Error(sized.error.message);
    const workload = { ...deployment, namespace: 'default', name: 'deployment1', uid: '0b1c0000-25c2-41d0-b332-7f619c69194e' };
    const p = buildAutoPool({ subnet: s, workload, interfaceName: 'eth0', family: 4, ips: sized.ips, ipNumber: '+0', reclaim: true });
    expect(p.metadata.name).toBe('auto4-deployment1-eth0-7f619');
    expect(p.spec).toMatchObject({ ipVersion: 4, subnet: '172.16.0.0/16', ips: ['172.16.41.1'], gateway: '172.16.0.1' });
    expect(p.spec).not.toHaveProperty('routes');
    expect(p.metadata.labels).toMatchObject({
      [labels.ownerApplicationName]: 'deployment1',
      [labels.ownerApplicationGV]: 'apps_v1',
      [labels.ipVersion]: 'IPv4',
      [labels.ipPoolCIDR]: '172-16-0-0-16',
      [labels.reclaimIPPool]: 'true',
    });
    expect(p.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'SpiderSubnet', name: 'subnet-16', controller: true })]);
  });
});

describe('§4.5 resizing', () => {
  const free = set(['10.0.0.20', '10.0.0.22-10.0.0.30']);
  const current = set(['10.0.0.10-10.0.0.14']);

  it.each([
    [5, ['10.0.0.10-10.0.0.14']],
    [7, ['10.0.0.10-10.0.0.14', '10.0.0.20', '10.0.0.22']], // the k lowest free, not necessarily contiguous
    [3, ['10.0.0.12-10.0.0.14']], // the k lowest unallocated go
    [0, []],
  ])('to %i IPs', (desired, ips) => {
    const out = resizePoolIPs(free, current, set([]), desired, 'p');
    expect('ips' in out && formatRangeSet(out.ips)).toEqual(ips);
  });

  it('shrinks around allocated IPs', () => {
    const out = resizePoolIPs(free, current, set(['10.0.0.10', '10.0.0.12']), 3, 'p');
    expect('ips' in out && formatRangeSet(out.ips)).toEqual(['10.0.0.10', '10.0.0.12', '10.0.0.14']);
  });

  it('refuses to shrink below the allocated IPs with Spiderpool words', () => {
    const out = resizePoolIPs(free, current, set(['10.0.0.10-10.0.0.13']), 2, 'p');
    expect(out).toMatchObject({
      error: { code: 'pool-shrink-blocked', message: expect.stringContaining('IPPool available free IPs are not enough') },
    });
  });

  it('refuses to grow past the free IPs of the subnet', () => {
    expect(resizePoolIPs(free, current, set([]), 16, 'p')).toMatchObject({
      error: { code: 'insufficient-subnet-ips', message: expect.stringContaining('insufficient subnet FreeIPs') },
    });
  });

  it('never drops an allocated IP, reaches the size when it succeeds, and takes only free subnet IPs (property)', () => {
    const window = fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 20 });
    fc.assert(
      fc.property(
        window,
        window,
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 45 }),
        (pool, subnetFree, allocatedCount, desired) => {
          const cur = set(pool.map((o) => `10.0.1.${o}`));
          const sfree = subtract(set(subnetFree.map((o) => `10.0.1.${o}`)), cur);
          const alloc = set(pool.slice(0, allocatedCount).map((o) => `10.0.1.${o}`));
          const out = resizePoolIPs(sfree, cur, alloc, desired);
          if ('error' in out) {
            const grow = BigInt(desired) > count(cur);
            expect(out.error.code).toBe(grow ? 'insufficient-subnet-ips' : 'pool-shrink-blocked');
            return;
          }
          expect(count(out.ips)).toBe(BigInt(desired));
          expect(isSubset(alloc, out.ips)).toBe(true);
          const added = subtract(out.ips, cur);
          expect(isSubset(added, sfree)).toBe(true);
          // Growth takes the lowest free IPs; shrinking drops the lowest unallocated.
          expect([...addresses(added)]).toEqual([...addresses(sfree)].slice(0, Number(count(added))));
          const dropped = subtract(cur, out.ips);
          expect([...addresses(dropped)]).toEqual([...addresses(subtract(cur, alloc))].slice(0, Number(count(dropped))));
        },
      ),
      { numRuns: 300 },
    );
  });
});
