// Group commit against the real API server: concurrent requests for one pool share
// writes, two writers (as two replicas) never lose each other's records, and
// every write is guarded by resourceVersion. CIDR 172.31.0.0/16 is this file's own.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { group, plurals, type SpiderIPPool, version } from '../../ipam/model/index.js';
import { customResourceWriter } from '../../kube/custom-resources.js';
import { PoolStatusWriter } from '../../kube/pool-status-writer.js';
import { ResourceCache } from '../../kube/watch/index.js';
import { clients, kubectl, pollUntil } from '../support/cluster.js';

const { kc, custom } = clients();
const writer = customResourceWriter(kc);
const name = `writer-${randomBytes(3).toString('hex')}`;
const cache = new ResourceCache<SpiderIPPool & { metadata: { name: string } }>(kc, `/apis/${group}/${version}/${plurals.ipPool}`);

/** A stand-in planner: each request adds one record keyed by its token (the real one picks IPs). */
function plan(pool: SpiderIPPool, tokens: string[]) {
  const records: Record<string, unknown> = pool.status?.allocatedIPs ? JSON.parse(pool.status.allocatedIPs) : {};
  for (const token of tokens) records[token] = { pod: 'ns/', podUid: '', token };
  return { status: { allocatedIPs: JSON.stringify(records) }, results: tokens.map((t) => `ok:${t}`) };
}

function makeWriter(onWrite: () => void) {
  return new PoolStatusWriter<string, string>({
    cached: (n) => cache.get(n),
    fetch: async (n) => (await writer.get(plurals.ipPool, n)) as SpiderIPPool,
    write: async (n, rv, status) => (await writer.patchStatus(plurals.ipPool, n, rv, status)) as SpiderIPPool,
    plan,
    maxAttempts: 20,
    onBatch: (e) => {
      if (e.outcome === 'written') onWrite();
    },
  });
}

afterAll(async () => {
  kubectl(['patch', `sp/${name}`, '--subresource=status', '--type=merge', '-p', '{"status":{"allocatedIPs":null}}']);
  kubectl(['delete', `sp/${name}`, '--ignore-not-found', '--wait=false']);
  await cache.stop();
});

describe('pool status writer (group commit)', () => {
  it('batches concurrent requests and loses no record between two writers', async () => {
    await custom.createClusterCustomObject({
      group,
      version,
      plural: plurals.ipPool,
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'SpiderIPPool',
        metadata: { name },
        spec: { subnet: '172.31.1.0/24', ips: ['172.31.1.10-172.31.1.200'] },
      },
    });
    cache.start();
    await cache.synced();
    await pollUntil('the pool in the cache', 10_000, async () =>
      cache.get(name) ? { done: true, value: undefined } : { done: false, seen: 'absent' },
    );
    let writesA = 0;
    let writesB = 0;
    const a = makeWriter(() => writesA++);
    const b = makeWriter(() => writesB++);
    const tokensA = Array.from({ length: 40 }, (_, i) => `a${i}`);
    const tokensB = Array.from({ length: 40 }, (_, i) => `b${i}`);
    const results = await Promise.all([...tokensA.map((t) => a.submit(name, t)), ...tokensB.map((t) => b.submit(name, t))]);
    expect(results).toEqual([...tokensA, ...tokensB].map((t) => `ok:${t}`));
    // Far fewer writes than requests: the requests of one turn share a write.
    expect(writesA).toBeLessThan(tokensA.length / 4);
    expect(writesB).toBeLessThan(tokensB.length / 4);
    const stored = (await writer.get(plurals.ipPool, name)) as SpiderIPPool;
    expect(Object.keys(JSON.parse(stored.status?.allocatedIPs ?? '{}')).sort()).toEqual([...tokensA, ...tokensB].sort());
  });

  it('fails a batch with a message naming the pool when the write cannot succeed', async () => {
    const w = makeWriter(() => undefined);
    await expect(w.submit(`${name}-missing`, 'x')).rejects.toThrow(new RegExp(`SpiderIPPool "${name}-missing"`));
  });
});
