// ensureAutoPool against an in-memory API server with resourceVersion checks, AlreadyExists and a validating
// webhook (a pool's IPs within its subnet entry): many writers at once (webhook admissions, the controller, other
// replicas), each starting from a stale cache, end with one pool whose IPs are exactly its entry.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AutoPoolClaim, type AutoPoolOwner, uidSuffix } from '../../../ipam/allocate/index.js';
import { count, isSubset, overlaps, parseRangeList } from '../../../ipam/ip/index.js';
import { parseControlledIPPools, type SpiderIPPool, type SpiderSubnet } from '../../../ipam/model/index.js';
import { type AutoPoolStore, dryRunStore, ensureAutoPool } from '../../../kube/auto-pools.js';

const owner: AutoPoolOwner = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'ns', name: 'nginx', uid: '0-0-0-0-abcdef' };
const claim = (size: number, more: Partial<AutoPoolClaim> = {}): AutoPoolClaim => ({
  interfaceName: 'eth0',
  family: 4,
  subnet: 's',
  size,
  ipNumber: '+3',
  reclaim: true,
  ...more,
});

const set = (ips: readonly string[]) => parseRangeList(ips, 4).set ?? { family: 4 as const, ranges: [] };
const apiError = (code: number, message: string) => Object.assign(new Error(message), { code });
const clone = <T>(v: T): T => structuredClone(v);

/** An API server in memory: every call yields to the event loop, so concurrent callers interleave. */
class FakeServer {
  rv = 1;
  subnet: SpiderSubnet = {
    metadata: { name: 's', uid: 'su', resourceVersion: '1' },
    spec: { ipVersion: 4, subnet: '10.0.0.0/24', ips: ['10.0.0.10-10.0.0.60'] },
    status: {},
  };
  pools = new Map<string, SpiderIPPool>();
  writes = { subnet: 0, create: 0, update: 0 };
  violations: string[] = [];

  private next() {
    this.rv++;
    return String(this.rv);
  }

  entries() {
    const parsed = parseControlledIPPools(this.subnet.status?.controlledIPPools);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.value;
  }

  /** A pool's IPs lie within its entry, and no two entries share an IP. */
  log: string[] = [];
  private check() {
    this.log.push(
      JSON.stringify({
        sub: this.subnet.status?.controlledIPPools,
        pools: [...this.pools.values()].map((p) => [p.metadata.name, p.spec.ips]),
      }),
    );
    const entries = [...this.entries().entries()];
    for (const [name, p] of this.pools) {
      const entry = this.entries().get(name);
      if (!entry || !isSubset(set(p.spec.ips ?? []), set(entry.ips))) this.violations.push(`pool ${name} outside its entry`);
    }
    for (const [i, [a, ea]] of entries.entries())
      for (const [b, eb] of entries.slice(i + 1)) if (overlaps(set(ea.ips), set(eb.ips))) this.violations.push(`${a} and ${b} overlap`);
  }

  store(snapshot = true): AutoPoolStore {
    const tick = () => new Promise<void>((r) => setImmediate(r));
    // A cache taken now and never refreshed: the stalest a writer can start from.
    const cachedSubnet = clone(this.subnet);
    const cachedPools = [...this.pools.values()].map(clone);
    return {
      cachedSubnet: (name) => (name !== 's' ? undefined : snapshot ? cachedSubnet : clone(this.subnet)),
      cachedPools: () => (snapshot ? cachedPools : [...this.pools.values()].map(clone)),
      reservedIPs: () => [],
      getSubnet: async (name) => {
        await tick();
        return name === 's' ? clone(this.subnet) : undefined;
      },
      getPool: async (name) => {
        await tick();
        const p = this.pools.get(name);
        return p && clone(p);
      },
      writeSubnetStatus: async (s, status) => {
        await tick();
        if (s.metadata.resourceVersion !== this.subnet.metadata.resourceVersion) throw apiError(409, 'conflict');
        this.subnet = {
          ...this.subnet,
          metadata: { ...this.subnet.metadata, resourceVersion: this.next() },
          status: { ...this.subnet.status, ...status },
        };
        this.writes.subnet++;
        this.check();
        return clone(this.subnet);
      },
      createPool: async (p) => {
        await tick();
        const name = p.metadata.name ?? '';
        if (this.pools.has(name)) throw apiError(409, 'already exists');
        const entry = this.entries().get(name);
        if (!entry || !isSubset(set(p.spec.ips ?? []), set(entry.ips))) throw apiError(403, 'managed by the scaler');
        const stored = { ...clone(p), metadata: { ...p.metadata, resourceVersion: this.next() }, status: {} };
        this.pools.set(name, stored);
        this.writes.create++;
        this.check();
        return clone(stored);
      },
      updatePool: async (p) => {
        await tick();
        const name = p.metadata.name ?? '';
        const old = this.pools.get(name);
        if (!old) throw apiError(404, 'not found');
        if (old.metadata.resourceVersion !== p.metadata.resourceVersion) throw apiError(409, 'conflict');
        const entry = this.entries().get(name);
        if (!entry || !isSubset(set(p.spec.ips ?? []), set(entry.ips))) throw apiError(403, 'managed by the scaler');
        const stored = { ...old, metadata: { ...p.metadata, resourceVersion: this.next() }, spec: { ...old.spec, ips: p.spec.ips } };
        this.pools.set(name, stored);
        this.writes.update++;
        this.check();
        return clone(stored);
      },
    };
  }
}

const fast = { backoffMs: 0 };

describe('ensureAutoPool', () => {
  it('creates the pool with the entry, in one subnet write and one create', async () => {
    const server = new FakeServer();
    const out = await ensureAutoPool(server.store(), owner, claim(5), 'grow', fast);
    expect(out).toMatchObject({
      wrote: true,
      pool: { metadata: { name: `auto4-nginx-eth0-${uidSuffix(owner.uid)}` }, spec: { ips: ['10.0.0.10-10.0.0.14'] } },
    });
    expect(server.writes).toEqual({ subnet: 1, create: 1, update: 0 });
    expect(await ensureAutoPool(server.store(), owner, claim(5), 'grow', fast)).toMatchObject({ wrote: false });
    expect(server.violations).toEqual([]);
  });

  it('20 writers at once, from stale caches, in both modes: one pool, its IPs exactly its entry', async () => {
    const server = new FakeServer();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ensureAutoPool(server.store(), owner, claim(5), i % 4 === 0 ? 'exact' : 'grow', { ...fast, maxRounds: 40 }),
      ),
    );
    const names = new Set(results.map((r) => ('pool' in r ? r.pool.metadata.name : r.error.message)));
    expect(names).toEqual(new Set([`auto4-nginx-eth0-${uidSuffix(owner.uid)}`]));
    expect(server.pools.size).toBe(1);
    const [pool] = server.pools.values();
    expect(pool?.spec.ips).toEqual(['10.0.0.10-10.0.0.14']);
    expect([...server.entries().values()]).toEqual([{ ips: ['10.0.0.10-10.0.0.14'], application: 'apps_v1_Deployment_ns_nginx' }]);
    expect(server.writes.create).toBe(1);
    expect(server.violations).toEqual([]);
  });

  it('writers of different sizes and workloads never break the invariants and end at the last exact size (property)', async () => {
    const other: AutoPoolOwner = { ...owner, name: 'other', uid: '0-0-0-0-fedcba' };
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            who: fc.constantFrom(owner, other),
            size: fc.integer({ min: 0, max: 12 }),
            exact: fc.boolean(),
            stale: fc.boolean(),
          }),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        fc.integer({ min: 0, max: 12 }),
        async (writers, finalSize) => {
          const server = new FakeServer();
          const results = await Promise.all(
            writers.map((w) =>
              ensureAutoPool(server.store(w.stale), w.who, claim(w.size), w.exact ? 'exact' : 'grow', { ...fast, maxRounds: 60 }),
            ),
          );
          for (const r of results) if ('error' in r) expect(r.error.code).toBe('pool-shrink-blocked');
          expect(server.violations).toEqual([]);
          // Once the writers are done, the controller settles each pool at its size.
          for (const who of [owner, other]) {
            const out = await ensureAutoPool(server.store(false), who, claim(finalSize), 'exact', fast);
            if ('error' in out) throw new Error(out.error.message);
            expect(count(set(out.pool.spec.ips ?? []))).toBe(BigInt(finalSize));
          }
          const names = [...server.pools.keys()].sort();
          expect(names.length).toBeLessThanOrEqual(2);
          for (const [name, p] of server.pools) expect(server.entries().get(name)?.ips).toEqual(p.spec.ips);
          expect(server.violations).toEqual([]);
        },
      ),
      { numRuns: 80 },
    );
  }, 30_000);

  it('a dry run answers with the pool as it would be and writes nothing', async () => {
    const server = new FakeServer();
    const out = await ensureAutoPool(dryRunStore(server.store()), owner, claim(3), 'grow', fast);
    expect(out).toMatchObject({ pool: { spec: { ips: ['10.0.0.10-10.0.0.12'] } } });
    expect(server.writes).toEqual({ subnet: 0, create: 0, update: 0 });
  });

  it('a missing subnet, and a subnet too small, are errors that say so', async () => {
    const server = new FakeServer();
    expect(await ensureAutoPool(server.store(), owner, claim(3, { subnet: 'nope' }), 'grow', fast)).toMatchObject({
      error: { code: 'not-found', message: 'SpiderSubnet "nope" does not exist' },
    });
    expect(await ensureAutoPool(server.store(), owner, claim(100), 'grow', fast)).toMatchObject({
      error: { code: 'insufficient-subnet-ips' },
    });
  });

  it('other API errors are thrown to the caller', async () => {
    const server = new FakeServer();
    const store = { ...server.store(), writeSubnetStatus: async () => Promise.reject(apiError(500, 'etcd is down')) };
    await expect(ensureAutoPool(store, owner, claim(3), 'grow', fast)).rejects.toThrow('etcd is down');
  });
});
