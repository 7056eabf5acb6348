// The reclaimer of third-party controllers' automatic pools against in-memory caches: which pools it looks at, when
// an owner counts as gone (watch, then a live read), and what it does when the delete is refused.
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../admission/log.js';
import { ownerPresent, thirdPartyOwnerOf } from '../../../ipam/allocate/index.js';
import type { SpiderIPPool } from '../../../ipam/model/index.js';
import { KubeRequestError } from '../../../kube/json-client.js';
import { resourceLocator } from '../../../kube/resource-discovery.js';
import type { KubeObject } from '../../../kube/watch/index.js';
import { type OwnerWatch, startThirdPartyReclaimer } from '../../../scaler/third-party-reclaimer.js';
import { autoPoolOf, silent } from './fixtures.js';
import { MemoryCache } from './memory-cache.js';

type Pool = SpiderIPPool & { metadata: { name: string } };

const settle = () => new Promise((r) => setTimeout(r, 50));

const cloneSet = (name: string, uid: string): KubeObject => ({ metadata: { name, namespace: 'ns', uid } });

/** A pool of a workload in namespace `ns`, version v1alpha1, sized by a fixed ippool-ip-number as third-party pools are. */
const poolOf = (owner: { group: string; kind: string; name: string; uid: string }, reclaim = true): Pool =>
  autoPoolOf({ ...owner, version: 'v1alpha1', namespace: 'ns' }, { reclaim, ipNumber: '2' });

const kruise = (name: string, uid: string) => poolOf({ group: 'apps.kruise.io', kind: 'CloneSet', name, uid });

function setup(served = true) {
  const pools = new MemoryCache<Pool>();
  const owners = new MemoryCache<KubeObject>();
  const live = new Map<string, KubeObject>();
  const deleted: string[] = [];
  const refuse = new Set<string>();
  const reads: string[] = [];
  const watched: string[] = [];
  const state = { attempts: 0, failures: 0 };
  const forbidden = new Set<string>();
  const warnings: string[] = [];
  const reclaimer = startThirdPartyReclaimer({
    pools,
    locate: async (group, version, kind) =>
      served && group === 'apps.kruise.io' && kind === 'CloneSet'
        ? { prefix: `/apis/${group}/${version}`, plural: 'clonesets', namespaced: true }
        : undefined,
    watchCollection: (path) => {
      watched.push(path);
      return owners as unknown as OwnerWatch;
    },
    read: async (path) => {
      reads.push(path);
      if (forbidden.has(path)) throw new KubeRequestError(403, '{"message":"forbidden"}', `GET ${path}: HTTP 403: forbidden`);
      return live.get(path);
    },
    deletePool: async (name) => {
      state.attempts++;
      if (state.failures > 0) {
        state.failures--;
        throw new KubeRequestError(500, '{"message":"etcd timeout"}', 'etcd timeout');
      }
      if (refuse.has(name)) throw new KubeRequestError(403, '{"message":"still has 1 allocated IPs"}', 'still has 1 allocated IPs');
      deleted.push(name);
      pools.store.delete(name);
    },
    log: { ...silent, warn: (fields: { err?: Error }) => warnings.push(fields.err?.message ?? '') } as unknown as Logger,
    queue: { baseRetryMs: 10, maxRetryMs: 20 },
  });
  return {
    pools,
    owners,
    live,
    deleted,
    refuse,
    reads,
    watched,
    reclaimer,
    forbidden,
    warnings,
    get attempts() {
      return state.attempts;
    },
    set failures(n: number) {
      state.failures = n;
    },
  };
}

describe('thirdPartyOwnerOf', () => {
  it('names the owner of a reclaimable pool of a kind outside the native six', () => {
    expect(thirdPartyOwnerOf(kruise('web', 'u1'))).toEqual({
      group: 'apps.kruise.io',
      version: 'v1alpha1',
      kind: 'CloneSet',
      namespace: 'ns',
      name: 'web',
      uid: 'u1',
    });
  });

  it('ignores native workloads, kept pools, terminating pools and manual pools', () => {
    expect(thirdPartyOwnerOf(poolOf({ group: 'apps', kind: 'Deployment', name: 'd', uid: 'u' }))).toBeUndefined();
    expect(thirdPartyOwnerOf(poolOf({ group: 'apps.kruise.io', kind: 'CloneSet', name: 'c', uid: 'u' }, false))).toBeUndefined();
    const terminating = kruise('c', 'u');
    terminating.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    expect(thirdPartyOwnerOf(terminating)).toBeUndefined();
    expect(thirdPartyOwnerOf({ metadata: { name: 'manual' }, spec: { subnet: '10.0.0.0/24' } })).toBeUndefined();
  });

  it('treats a Deployment of another group as third-party', () => {
    expect(thirdPartyOwnerOf(poolOf({ group: 'example.com', kind: 'Deployment', name: 'd', uid: 'u' }))?.kind).toBe('Deployment');
  });

  it('counts an owner as present only under its UID', () => {
    const owner = thirdPartyOwnerOf(kruise('web', 'u1'));
    if (!owner) throw new Error('no owner');
    expect(ownerPresent(owner, cloneSet('web', 'u1'))).toBe(true);
    expect(ownerPresent(owner, cloneSet('web', 'u2'))).toBe(false);
    expect(ownerPresent(owner, undefined)).toBe(false);
  });
});

describe('the third-party reclaimer', () => {
  it('keeps the pool of an owner the watch shows, without a live read', async () => {
    const t = setup();
    t.owners.put(cloneSet('web', 'u1'));
    t.pools.put(kruise('web', 'u1'));
    await settle();
    expect(t.deleted).toEqual([]);
    expect(t.reads).toEqual([]);
    expect(t.watched).toEqual(['/apis/apps.kruise.io/v1alpha1/clonesets']);
    await t.reclaimer.stop();
  });

  it('deletes the pool when the owner is deleted, once a live read confirms it', async () => {
    const t = setup();
    const owner = cloneSet('web', 'u1');
    t.owners.put(owner);
    const pool = kruise('web', 'u1');
    t.pools.put(pool);
    await settle();
    t.owners.remove(owner);
    await settle();
    expect(t.deleted).toEqual([pool.metadata.name]);
    expect(t.reads).toEqual(['/apis/apps.kruise.io/v1alpha1/namespaces/ns/clonesets/web']);
    await t.reclaimer.stop();
  });

  it('keeps the pool when the watch lags but the live read finds the owner', async () => {
    const t = setup();
    t.owners.synced = false;
    t.live.set('/apis/apps.kruise.io/v1alpha1/namespaces/ns/clonesets/web', cloneSet('web', 'u1'));
    t.pools.put(kruise('web', 'u1'));
    await settle();
    expect(t.deleted).toEqual([]);
    expect(t.reads).toHaveLength(1);
    await t.reclaimer.stop();
  });

  it('deletes the pool of an earlier owner of the same name (another UID)', async () => {
    const t = setup();
    t.owners.put(cloneSet('web', 'u2'));
    t.live.set('/apis/apps.kruise.io/v1alpha1/namespaces/ns/clonesets/web', cloneSet('web', 'u2'));
    const old = kruise('web', 'u1');
    t.pools.put(old);
    await settle();
    expect(t.deleted).toEqual([old.metadata.name]);
    await t.reclaimer.stop();
  });

  it('deletes the pools of a kind that is no longer served', async () => {
    const t = setup(false);
    const pool = kruise('web', 'u1');
    t.pools.put(pool);
    await settle();
    expect(t.deleted).toEqual([pool.metadata.name]);
    expect(t.watched).toEqual([]);
    await t.reclaimer.stop();
  });

  it('tries a delete refused while Pods hold its IPs again when the pool changes, not before', async () => {
    const t = setup();
    const pool = kruise('web', 'u1');
    t.refuse.add(pool.metadata.name);
    t.pools.put(pool);
    await settle();
    expect(t.deleted).toEqual([]);
    expect(t.attempts).toBe(1);
    t.refuse.clear();
    await settle();
    expect(t.attempts).toBe(1);
    // The Pods' release rewrites the pool's status: that event brings the pool back.
    t.pools.put({ ...pool, status: { allocatedIPCount: 0 } });
    await settle();
    expect(t.deleted).toEqual([pool.metadata.name]);
    await t.reclaimer.stop();
  });

  it('retries with backoff when the delete fails otherwise', async () => {
    const t = setup();
    const pool = kruise('web', 'u1');
    t.failures = 2;
    t.pools.put(pool);
    await settle();
    expect(t.deleted).toEqual([pool.metadata.name]);
    expect(t.attempts).toBe(3);
    await t.reclaimer.stop();
  });

  it('keeps the pool when the owner cannot be read, and says what to grant', async () => {
    const t = setup();
    t.owners.synced = false;
    t.forbidden.add('/apis/apps.kruise.io/v1alpha1/namespaces/ns/clonesets/web');
    t.pools.put(kruise('web', 'u1'));
    await settle();
    expect(t.deleted).toEqual([]);
    expect(t.warnings[0]).toBe(
      'cannot read CloneSet ns/web, the owner of its pools: grant get, list and watch on clonesets.apps.kruise.io with a ClusterRole labelled admission-ipam.spidernet.io/aggregate-to-workload-owners: "true" (forbidden)',
    );
    await t.reclaimer.stop();
  });

  it('leaves native workloads and kept pools alone', async () => {
    const t = setup();
    t.pools.put(poolOf({ group: 'apps', kind: 'Deployment', name: 'd', uid: 'u' }));
    t.pools.put(poolOf({ group: 'apps.kruise.io', kind: 'CloneSet', name: 'c', uid: 'u' }, false));
    await settle();
    expect(t.deleted).toEqual([]);
    expect(t.reads).toEqual([]);
    expect(t.watched).toEqual([]);
    await t.reclaimer.stop();
  });
});

describe('resourceLocator', () => {
  function discovery(documents: Record<string, unknown>) {
    const asked: string[] = [];
    const locate = resourceLocator({
      request: async (_method, path) => {
        asked.push(path);
        if (!(path in documents)) throw new KubeRequestError(404, '{}', 'not found');
        return documents[path];
      },
    });
    return { asked, locate };
  }
  const cloneSets = { name: 'clonesets', kind: 'CloneSet', namespaced: true };

  it('reads the plural from discovery, remembers it, and asks again for a kind it did not find', async () => {
    const documents: Record<string, unknown> = {
      '/apis/apps.kruise.io/v1alpha1': { resources: [cloneSets, { name: 'clonesets/status', kind: 'CloneSet', namespaced: true }] },
      '/apis/apps.kruise.io': { versions: [{ version: 'v1alpha1' }], preferredVersion: { version: 'v1alpha1' } },
    };
    const { asked, locate } = discovery(documents);
    expect(await locate('apps.kruise.io', 'v1alpha1', 'CloneSet')).toEqual({
      prefix: '/apis/apps.kruise.io/v1alpha1',
      plural: 'clonesets',
      namespaced: true,
    });
    expect(await locate('apps.kruise.io', 'v1alpha1', 'CloneSet')).toBeDefined();
    expect(asked).toEqual(['/apis/apps.kruise.io/v1alpha1']);
    expect(await locate('apps.kruise.io', 'v1alpha1', 'BroadcastJob')).toBeUndefined();
    documents['/apis/apps.kruise.io/v1alpha1'] = {
      resources: [cloneSets, { name: 'broadcastjobs', kind: 'BroadcastJob', namespaced: true }],
    };
    expect((await locate('apps.kruise.io', 'v1alpha1', 'BroadcastJob'))?.plural).toBe('broadcastjobs');
    expect(asked.slice(1)).toEqual(['/apis/apps.kruise.io/v1alpha1', '/apis/apps.kruise.io', '/apis/apps.kruise.io/v1alpha1']);
  });

  it('finds the kind in another served version of the group when the recorded one is gone', async () => {
    const { locate } = discovery({
      '/apis/apps.kruise.io': { versions: [{ version: 'v1beta1' }], preferredVersion: { version: 'v1beta1' } },
      '/apis/apps.kruise.io/v1beta1': { resources: [cloneSets] },
    });
    expect(await locate('apps.kruise.io', 'v1alpha1', 'CloneSet')).toEqual({
      prefix: '/apis/apps.kruise.io/v1beta1',
      plural: 'clonesets',
      namespaced: true,
    });
  });

  it('answers undefined when no version of the group is served, or the core group lacks the kind', async () => {
    const { asked, locate } = discovery({ '/api/v1': { resources: [{ name: 'pods', kind: 'Pod', namespaced: true }] } });
    expect(await locate('gone.example', 'v1', 'Thing')).toBeUndefined();
    expect(await locate('', 'v1', 'Widget')).toBeUndefined();
    expect(asked).toEqual(['/apis/gone.example/v1', '/apis/gone.example', '/api/v1']);
  });
});
