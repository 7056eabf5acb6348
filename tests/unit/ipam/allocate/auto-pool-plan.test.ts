// Behaviour §4.3-§4.5: what a workload claims, which pool is its own, and the steps (subnet first when growing, pool
// first when shrinking) that bring the pool to its size.
import { describe, expect, it } from 'vitest';
import {
  type AutoPoolClaim,
  type AutoPoolMode,
  type AutoPoolOwner,
  type AutoPoolStep,
  applicationKey,
  autoPoolClaims,
  buildAutoPool,
  entryApplication,
  findAutoPool,
  parseApplicationKey,
  planAutoPool,
  releasingIPsAnnotation,
} from '../../../../ipam/allocate/index.js';
import { parseRangeList } from '../../../../ipam/ip/index.js';
import { labels, parseControlledIPPools, type SpiderIPPool, type SpiderSubnet } from '../../../../ipam/model/index.js';
import { subnetStatus } from '../../../../ipam/status/index.js';

const owner: AutoPoolOwner = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'ns',
  name: 'nginx',
  uid: '11111111-2222-3333-4444-abcdef123456',
};
const poolName = 'auto4-nginx-eth0-abcde';
const claim = (size: number, more: Partial<AutoPoolClaim> = {}): AutoPoolClaim => ({
  interfaceName: 'eth0',
  family: 4,
  subnet: 'nginx-subnet-v4',
  size,
  ipNumber: '+3',
  reclaim: true,
  ...more,
});

function subnet(controlled: Record<string, { ips: string[]; application?: string }> = {}, rv = '1'): SpiderSubnet {
  return {
    metadata: { name: 'nginx-subnet-v4', uid: 'subnet-uid', resourceVersion: rv },
    spec: { ipVersion: 4, subnet: '10.244.0.0/16', ips: ['10.244.100.90-10.244.100.120'], gateway: '10.244.0.1' },
    status: { controlledIPPools: Object.keys(controlled).length > 0 ? JSON.stringify(controlled) : null },
  };
}

const entryOf = (s: SpiderSubnet, name = poolName) => {
  const parsed = parseControlledIPPools(s.status?.controlledIPPools);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value.get(name);
};

function withRecords(pool: SpiderIPPool, ips: string[]): SpiderIPPool {
  const records = Object.fromEntries(ips.map((ip) => [ip, { pod: `ns/p-${ip}`, podUid: `uid-${ip}` }]));
  return { ...pool, status: { allocatedIPs: ips.length > 0 ? JSON.stringify(records) : null, allocatedIPCount: ips.length } };
}

/** Applies steps the way the kube layer does (without conflicts) until done or an error; returns the steps taken. */
function run(start: { subnet: SpiderSubnet; pool?: SpiderIPPool }, c: AutoPoolClaim, mode: AutoPoolMode, who = owner) {
  let { subnet: s, pool } = start;
  const steps: AutoPoolStep['kind'][] = [];
  for (let i = 0; i < 10; i++) {
    const step = planAutoPool({ subnet: s, ...(pool ? { pool } : {}) }, who, c, mode);
    steps.push(step.kind);
    if (step.kind === 'done' || step.kind === 'error') return { steps, subnet: s, pool, step };
    if (step.kind === 'write-subnet') s = { ...s, status: { ...s.status, ...step.status } };
    else pool = { ...step.pool, status: pool?.status ?? {} };
  }
  throw new Error(`no end after ${steps.join(', ')}`);
}

describe('claims from the Pod template (§2.3, §2.4, §4.3)', () => {
  it('the single subnet annotation: eth0, replicas + N', () => {
    const claims = autoPoolClaims(
      { 'ipam.spidernet.io/subnet': '{"ipv4":["nginx-subnet-v4"]}', 'ipam.spidernet.io/ippool-ip-number': '+3' },
      2,
      1,
    );
    expect(claims).toEqual({
      ok: true,
      value: [{ interfaceName: 'eth0', family: 4, subnet: 'nginx-subnet-v4', size: 5, ipNumber: '+3', reclaim: true }],
    });
  });

  it('subnets: one claim per interface and family; no annotation means replicas + the default', () => {
    const claims = autoPoolClaims(
      {
        'ipam.spidernet.io/subnets': '[{"interface":"eth0","ipv4":["a"],"ipv6":["a6"]},{"interface":"net1","ipv4":["b"]}]',
        'ipam.spidernet.io/ippool-reclaim': 'false',
      },
      3,
      1,
    );
    expect(claims.ok && claims.value.map((c) => [c.interfaceName, c.family, c.subnet, c.size, c.ipNumber, c.reclaim])).toEqual([
      ['eth0', 4, 'a', 4, '+1', false],
      ['eth0', 6, 'a6', 4, '+1', false],
      ['net1', 4, 'b', 4, '+1', false],
    ]);
  });

  it.each([
    [{ 'ipam.spidernet.io/subnet': '{"ipv4":["a"]}', 'ipam.spidernet.io/ippool-ip-number': '5' }, undefined, 5],
    [{ 'ipam.spidernet.io/subnet': '{"ipv4":["a"]}', 'ipam.spidernet.io/ippool-ip-number': '+2' }, undefined, 2],
  ])('a third-party controller (no replica count): %j -> %i IPs', (annotations, replicas, size) => {
    expect(autoPoolClaims(annotations, replicas, 1)).toMatchObject({ ok: true, value: [{ size }] });
  });

  it.each([
    [{ 'ipam.spidernet.io/subnet': '{"ipv4":["a"]}' }, undefined, /only supports fixed auto-created IPPool IP Number/],
    [{ 'ipam.spidernet.io/subnet': '{"ipv4":["a"]}', 'ipam.spidernet.io/ippool-ip-number': '-1' }, 2, /equal or greater than 0/],
    [{ 'ipam.spidernet.io/subnet': '{"ipv4":["a"]}', 'ipam.spidernet.io/ippool-reclaim': 'wrong-input' }, 2, /ippool-reclaim/],
    [{ 'ipam.spidernet.io/subnets': 'wrong-inputs' }, 2, /not valid JSON/],
  ])('%j with %j replicas is refused', (annotations, replicas, reason) => {
    const claims = autoPoolClaims(annotations, replicas, 1);
    expect(claims.ok).toBe(false);
    if (!claims.ok) expect(claims.reason).toMatch(reason);
  });

  it('no subnet annotation: no claim', () => {
    expect(autoPoolClaims({ 'ipam.spidernet.io/ippool-ip-number': '+1' }, 2, 1)).toEqual({ ok: true, value: [] });
  });
});

describe('the application key of controlledIPPools', () => {
  it.each([
    [owner, 'apps_v1_Deployment_ns_nginx'],
    [{ group: '', version: 'v1', kind: 'Pod', namespace: 'ns', name: 'p' }, 'v1_Pod_ns_p'],
    [
      { group: 'apps.kruise.io', version: 'v1alpha1', kind: 'CloneSet', namespace: 'ns', name: 'c.x' },
      'apps.kruise.io_v1alpha1_CloneSet_ns_c.x',
    ],
  ])('%j <-> %s', (w, key) => {
    expect(applicationKey(w)).toBe(key);
    const { uid: _uid, ...identity } = w as AutoPoolOwner;
    expect(parseApplicationKey(key)).toEqual(identity);
  });

  it.each(['', 'a_b', 'a_b_c_d_e_f'])('%j names no workload', (key) => expect(parseApplicationKey(key)).toBeUndefined());

  it('tells whether the workload an entry was made for still exists, by kind/namespace/name and UID suffix', () => {
    const uidOf = (uid: string | undefined | 'unknown') => () => uid;
    expect(entryApplication(poolName, 'apps_v1_Deployment_ns_nginx', uidOf('x-abcdef0'))).toBe('present');
    expect(entryApplication(poolName, 'apps_v1_Deployment_ns_nginx', uidOf('x-99999'))).toBe('absent'); // re-created
    expect(entryApplication(poolName, 'apps_v1_Deployment_ns_nginx', uidOf(undefined))).toBe('absent');
    expect(entryApplication(poolName, 'apps_v1_Deployment_ns_nginx', uidOf('unknown'))).toBe('unknown');
    expect(entryApplication(poolName, 'apps.kruise.io_v1alpha1_CloneSet_ns_nginx', uidOf(undefined))).toBe('unknown');
  });
});

describe("the workload's pool (§4.4 step 1)", () => {
  const make = (name: string, uid: string, reclaim: boolean, more: Partial<SpiderIPPool['metadata']> = {}) => {
    const p = buildAutoPool({
      subnet: subnet(),
      workload: { ...owner, uid },
      interfaceName: 'eth0',
      family: 4,
      ips: { family: 4, ranges: [] },
      ipNumber: '+3',
      reclaim,
    });
    return { ...p, metadata: { ...p.metadata, name, ...more } };
  };

  it('prefers the one with its UID, adopts a kept one, skips reclaimable leftovers and terminating pools', () => {
    const current = make('current', owner.uid, true);
    const kept = make('kept', 'old-uid', false);
    const leftover = make('leftover', 'old-uid-2', true);
    const dying = make('dying', owner.uid, true, { deletionTimestamp: '2026-01-01T00:00:00Z' });
    expect(findAutoPool([leftover, kept, current], owner, 'eth0', 4)?.metadata.name).toBe('current');
    expect(findAutoPool([leftover, kept, dying], owner, 'eth0', 4)?.metadata.name).toBe('kept');
    expect(findAutoPool([leftover, dying], owner, 'eth0', 4)).toBeUndefined();
    expect(findAutoPool([current], owner, 'net1', 4)).toBeUndefined();
    expect(findAutoPool([current], owner, 'eth0', 6)).toBeUndefined();
    expect(findAutoPool([current], { ...owner, kind: 'StatefulSet' }, 'eth0', 4)).toBeUndefined();
  });
});

describe('planning an auto pool (§4.5)', () => {
  it('creates: the entry first, with the k lowest free IPs and the application, then the pool with the same IPs', () => {
    const taken = subnet({ other: { ips: ['10.244.100.91'] } });
    const out = run({ subnet: taken }, claim(5), 'grow');
    expect(out.steps).toEqual(['write-subnet', 'create-pool', 'done']);
    expect(entryOf(out.subnet)).toEqual({
      ips: ['10.244.100.90', '10.244.100.92-10.244.100.95'],
      application: 'apps_v1_Deployment_ns_nginx',
    });
    expect(out.subnet.status?.allocatedIPCount).toBe(6);
    expect(out.pool?.metadata.name).toBe(poolName);
    expect(out.pool?.spec.ips).toEqual(['10.244.100.90', '10.244.100.92-10.244.100.95']);
    expect(out.pool?.metadata.labels?.[labels.ownerApplicationUID]).toBe(owner.uid);
  });

  it('whoever comes second finds the entry and makes the same pool, without a second subnet write', () => {
    const first = planAutoPool({ subnet: subnet() }, owner, claim(5), 'grow');
    if (first.kind !== 'write-subnet') throw new Error(first.kind);
    const written = { ...subnet(), status: first.status };
    const a = planAutoPool({ subnet: written }, owner, claim(5), 'grow');
    const b = planAutoPool({ subnet: written }, owner, claim(5), 'exact');
    expect(a).toEqual(b);
    expect(a.kind === 'create-pool' && a.pool.spec.ips).toEqual(['10.244.100.90-10.244.100.94']);
  });

  it('an entry that is too small (another writer sized it for fewer replicas) grows before the pool is made', () => {
    const s = subnet({ [poolName]: { ips: ['10.244.100.90-10.244.100.91'], application: 'apps_v1_Deployment_ns_nginx' } });
    const out = run({ subnet: s }, claim(4), 'grow');
    expect(out.steps).toEqual(['write-subnet', 'create-pool', 'done']);
    expect(out.pool?.spec.ips).toEqual(['10.244.100.90-10.244.100.93']);
  });

  it('grows by the lowest free IPs of the subnet, entry first (scale 2 -> 3 with +3)', () => {
    const start = run({ subnet: subnet() }, claim(5), 'exact');
    const out = run({ subnet: start.subnet, ...(start.pool ? { pool: start.pool } : {}) }, claim(6), 'exact');
    expect(out.steps).toEqual(['write-subnet', 'update-pool', 'done']);
    expect(out.pool?.spec.ips).toEqual(['10.244.100.90-10.244.100.95']);
    expect(entryOf(out.subnet)?.ips).toEqual(['10.244.100.90-10.244.100.95']);
  });

  it('shrinks pool first (marking the IPs as releasing), subnet after, then unmarks; drops the lowest free IPs (3 -> 1 with +3)', () => {
    const start = run({ subnet: subnet() }, claim(6), 'exact');
    if (!start.pool) throw new Error('no pool');
    const held = withRecords(start.pool, ['10.244.100.90', '10.244.100.93']);
    const first = planAutoPool({ subnet: start.subnet, pool: held }, owner, claim(4), 'exact');
    expect(first.kind === 'update-pool' && first.pool.metadata.annotations?.[releasingIPsAnnotation]).toBe(
      '["10.244.100.91-10.244.100.92"]',
    );
    const out = run({ subnet: start.subnet, pool: held }, claim(4), 'exact');
    expect(out.steps).toEqual(['update-pool', 'write-subnet', 'update-pool', 'done']);
    expect(out.pool?.metadata.annotations).not.toHaveProperty(releasingIPsAnnotation);
    expect(out.pool?.spec.ips).toEqual(['10.244.100.90', '10.244.100.93-10.244.100.95']);
    expect(entryOf(out.subnet)?.ips).toEqual(out.pool?.spec.ips);
    expect(out.subnet.status?.allocatedIPCount).toBe(4);
  });

  it('refuses to shrink below what Pods hold, with Spiderpool words; the webhook never shrinks', () => {
    const start = run({ subnet: subnet() }, claim(3), 'exact');
    if (!start.pool) throw new Error('no pool');
    const held = withRecords(start.pool, ['10.244.100.90', '10.244.100.91', '10.244.100.92']);
    const out = run({ subnet: start.subnet, pool: held }, claim(1), 'exact');
    expect(out.step).toMatchObject({
      kind: 'error',
      error: { code: 'pool-shrink-blocked', message: expect.stringContaining('IPPool available free IPs are not enough') },
    });
    expect(run({ subnet: start.subnet, pool: held }, claim(1), 'grow').steps).toEqual(['done']);
  });

  it('a record the pool cannot hold (an IPv6 key in an IPv4 pool) makes the pool unreadable, not ignored', () => {
    const start = run({ subnet: subnet() }, claim(3), 'exact');
    if (!start.pool) throw new Error('no pool');
    const corrupt = withRecords(start.pool, ['10.244.100.90', 'fd00::1']);
    expect(planAutoPool({ subnet: start.subnet, pool: corrupt }, owner, claim(1), 'exact')).toMatchObject({
      kind: 'error',
      error: {
        code: 'unreadable',
        message: expect.stringContaining('status.allocatedIPs has the key "fd00::1", which is IPv6, in an IPv4 pool'),
      },
    });
  });

  it('finishes an interrupted shrink (pool smaller than its entry) in exact mode only', () => {
    const s = subnet({ [poolName]: { ips: ['10.244.100.90-10.244.100.93'], application: 'apps_v1_Deployment_ns_nginx' } });
    const built = buildAutoPool({
      subnet: s,
      workload: owner,
      interfaceName: 'eth0',
      family: 4,
      ips: set(['10.244.100.90-10.244.100.91']),
      ipNumber: '+3',
      reclaim: true,
    });
    const pool = { ...built, metadata: { ...built.metadata, name: poolName } };
    expect(run({ subnet: s, pool }, claim(2), 'grow').steps).toEqual(['done']);
    const out = run({ subnet: s, pool }, claim(2), 'exact');
    expect(out.steps).toEqual(['update-pool', 'write-subnet', 'update-pool', 'done']);
    expect(entryOf(out.subnet)?.ips).toEqual(['10.244.100.90-10.244.100.91']);
  });

  it('a marked IP is not given back to the pool (or to anyone) before its release is finished', () => {
    const s = subnet({ [poolName]: { ips: ['10.244.100.90-10.244.100.92'], application: 'apps_v1_Deployment_ns_nginx' } });
    const built = buildAutoPool({
      subnet: s,
      workload: owner,
      interfaceName: 'eth0',
      family: 4,
      ips: set(['10.244.100.90']),
      ipNumber: '+3',
      reclaim: true,
    });
    const pool = {
      ...built,
      metadata: { ...built.metadata, name: poolName, annotations: { [releasingIPsAnnotation]: '["10.244.100.91-10.244.100.92"]' } },
    };
    // The webhook needs 2: it does not take the marked .91 back, but a free IP through the entry.
    const grow = run({ subnet: s, pool }, claim(2), 'grow');
    expect(grow.steps).toEqual(['write-subnet', 'update-pool', 'done']);
    expect(grow.pool?.spec.ips).toEqual(['10.244.100.90', '10.244.100.93']);
    expect(grow.pool?.metadata.annotations?.[releasingIPsAnnotation]).toBe('["10.244.100.91-10.244.100.92"]');
    // The controller finishes the release, then unmarks.
    const exact = run({ subnet: grow.subnet, ...(grow.pool ? { pool: grow.pool } : {}) }, claim(2), 'exact');
    expect(exact.steps).toEqual(['write-subnet', 'update-pool', 'done']);
    expect(entryOf(exact.subnet)?.ips).toEqual(['10.244.100.90', '10.244.100.93']);
  });

  it('takes back into the entry IPs the pool has beyond it, when they are free', () => {
    const s = subnet({ [poolName]: { ips: ['10.244.100.90'], application: 'apps_v1_Deployment_ns_nginx' } });
    const built = buildAutoPool({
      subnet: s,
      workload: owner,
      interfaceName: 'eth0',
      family: 4,
      ips: set(['10.244.100.90-10.244.100.91']),
      ipNumber: '+3',
      reclaim: true,
    });
    const pool = { ...built, metadata: { ...built.metadata, name: poolName } };
    const out = run({ subnet: s, pool }, claim(2), 'exact');
    expect(out.steps).toEqual(['write-subnet', 'done']);
    expect(entryOf(out.subnet)?.ips).toEqual(['10.244.100.90-10.244.100.91']);
    const taken = subnet({
      [poolName]: { ips: ['10.244.100.90'], application: 'apps_v1_Deployment_ns_nginx' },
      other: { ips: ['10.244.100.91'] },
    });
    expect(planAutoPool({ subnet: taken, pool }, owner, claim(2), 'exact')).toMatchObject({
      kind: 'error',
      error: { code: 'unavailable' },
    });
  });

  it('adopts a kept pool of an earlier workload: the UID label is rewritten, the name stays', () => {
    const first = run({ subnet: subnet() }, claim(3, { reclaim: false }), 'exact', { ...owner, uid: 'old-old-fffff' });
    if (!first.pool) throw new Error('no pool');
    const out = run({ subnet: first.subnet, pool: first.pool }, claim(3, { reclaim: false }), 'grow');
    expect(out.steps).toEqual(['update-pool', 'done']); // the entry names the same application: no subnet write
    expect(out.pool?.metadata.name).toBe('auto4-nginx-eth0-fffff');
    expect(out.pool?.metadata.labels?.[labels.ownerApplicationUID]).toBe(owner.uid);
  });

  it('the controller keeps the reclaim label and size annotation up to date; the webhook leaves them', () => {
    const start = run({ subnet: subnet() }, claim(3), 'exact');
    if (!start.pool) throw new Error('no pool');
    const changed = claim(3, { reclaim: false, ipNumber: '3' });
    expect(run({ subnet: start.subnet, pool: start.pool }, changed, 'grow').steps).toEqual(['done']);
    const out = run({ subnet: start.subnet, pool: start.pool }, changed, 'exact');
    expect(out.steps).toEqual(['update-pool', 'done']);
    expect(out.pool?.metadata.labels?.[labels.reclaimIPPool]).toBe('false');
    expect(out.pool?.metadata.annotations?.['ipam.spidernet.io/ippool-ip-number']).toBe('3');
  });

  it.each([['another subnet name', { subnet: 'other-subnet' }]])('a pool from %s is an ApplicationSubnetChanged error', (_what, more) => {
    const start = run({ subnet: subnet() }, claim(3), 'exact');
    if (!start.pool) throw new Error('no pool');
    const other: SpiderSubnet = {
      ...subnet(),
      metadata: { ...subnet().metadata, name: 'other-subnet' },
      spec: { ...subnet().spec, subnet: '10.245.0.0/16', ips: ['10.245.0.10-10.245.0.20'], gateway: '10.245.0.1' },
    };
    expect(planAutoPool({ subnet: other, pool: start.pool }, owner, claim(3, more), 'exact')).toMatchObject({
      kind: 'error',
      error: { code: 'subnet-changed', message: expect.stringContaining('moving a workload to SpiderSubnet "other-subnet"') },
    });
  });

  it.each([
    ['too few free IPs', subnet(), claim(40), 'insufficient-subnet-ips'],
    [
      'a terminating subnet',
      { ...subnet(), metadata: { ...subnet().metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } },
      claim(1),
      'unavailable',
    ],
    ['a family the subnet is not', subnet(), claim(1, { family: 6 }), 'bad-request'],
    ['a corrupt controlledIPPools', { ...subnet(), status: { controlledIPPools: '{' } }, claim(1), 'unreadable'],
  ])('%s is an error', (_what, s, c, code) => {
    expect(planAutoPool({ subnet: s }, owner, c, 'grow')).toMatchObject({ kind: 'error', error: { code } });
  });

  it('a terminating pool is not resized', () => {
    const start = run({ subnet: subnet() }, claim(3), 'exact');
    if (!start.pool) throw new Error('no pool');
    const dying = { ...start.pool, metadata: { ...start.pool.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    expect(planAutoPool({ subnet: start.subnet, pool: dying }, owner, claim(4), 'grow')).toMatchObject({
      kind: 'error',
      error: { code: 'unavailable' },
    });
  });

  it('reserved IPs are never carved', () => {
    const out = planAutoPool({ subnet: subnet(), reservedIPs: set(['10.244.100.90-10.244.100.91']) }, owner, claim(2), 'grow');
    expect(out.kind === 'write-subnet' && JSON.parse(out.status.controlledIPPools ?? '{}')[poolName].ips).toEqual([
      '10.244.100.92-10.244.100.93',
    ]);
  });
});

describe('the status controller and entries whose pool does not exist yet', () => {
  const entry = { ips: ['10.244.100.90-10.244.100.94'], application: 'apps_v1_Deployment_ns_nginx' };

  it('keeps them while their pool is being made, drops them once the workload is gone, and always on a terminating subnet', () => {
    const s = subnet({ [poolName]: entry });
    expect(JSON.parse(subnetStatus(s, [], () => true).controlledIPPools ?? '{}')).toEqual({ [poolName]: entry });
    expect(subnetStatus(s, [], () => false).controlledIPPools).toBeNull();
    expect(subnetStatus(s, []).controlledIPPools).toBeNull();
    const dying = { ...s, metadata: { ...s.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    expect(subnetStatus(dying, [], () => true).controlledIPPools).toBeNull();
  });
});

function set(items: string[]) {
  const parsed = parseRangeList(items, 4);
  if (!parsed.set) throw new Error('bad set');
  return parsed.set;
}
