// The LIST+WATCH cache against the real API server. Failures are made from outside: the cache talks to the API
// server through a TCP proxy in this file that can cut every connection, refuse new ones (the server "is down"),
// or freeze the open ones without closing them (a half-open connection that hangs without an error).
import { spawn } from 'node:child_process';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type CacheEvent, type KubeObject, ResourceCache, type ResourceCacheOptions } from '../../kube/watch/index.js';
import { clients, createTestNamespace, pollUntil } from '../support/cluster.js';

const { kc, core } = clients();
const label = { 'kube-watch-test': 'watched' };
const labelSelector = 'kube-watch-test=watched';
const fastRetries: ResourceCacheOptions = { labelSelector, backoff: { initialMs: 100, maxMs: 400 } };
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

interface Proxy {
  url: string;
  /** Resets every open connection. */
  cut(): void;
  /** While on, new connections are reset as soon as they are accepted. */
  refuse(on: boolean): void;
  /** Stops forwarding on every open connection but keeps it open; new connections work. */
  freeze(): void;
  close(): Promise<void>;
}

async function startProxy(target: URL): Promise<Proxy> {
  const pairs = new Set<[Socket, Socket]>();
  let refusing = false;
  const server = createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = netConnect(Number(target.port || 443), target.hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) socket.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
  const cut = () => {
    for (const [client, upstream] of pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
  };
  return {
    url: `https://127.0.0.1:${address.port}`,
    cut,
    refuse: (on) => {
      refusing = on;
    },
    freeze: () => {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    close: () => {
      cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The test kubeconfig, pointed at another address; the API server's certificate is for 127.0.0.1, any port. */
function kubeConfigVia(url: string): KubeConfig {
  const current = kc.getCurrentCluster();
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: kc.getClusters().map((cluster) => (cluster.name === current?.name ? { ...cluster, server: url } : cluster)),
    users: kc.getUsers(),
    contexts: kc.getContexts(),
    currentContext: kc.getCurrentContext(),
  });
  return copy;
}

async function namespaceWith(prefix: string, configMaps: Record<string, Record<string, string>>): Promise<string> {
  const namespace = await createTestNamespace(core, prefix);
  cleanups.push(() => core.deleteNamespace({ name: namespace }));
  for (const [name, data] of Object.entries(configMaps)) {
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name, labels: label }, data } });
  }
  return namespace;
}

function newCache(config: KubeConfig, namespace: string, options: ResourceCacheOptions) {
  const cache = new ResourceCache<V1ConfigMap>(config, `/api/v1/namespaces/${namespace}/configmaps`, options);
  const events: CacheEvent<V1ConfigMap>[] = [];
  cache.on((event) => {
    events.push(event);
  });
  cleanups.push(() => cache.stop());
  return { cache, events };
}

const show = (event: CacheEvent<V1ConfigMap>) => ('key' in event ? `${event.type} ${event.key.split('/')[1]}` : event.type);
const shown = (events: CacheEvent<V1ConfigMap>[]) => events.map(show).join(', ') || 'no events';
const count = (events: CacheEvent<V1ConfigMap>[], type: CacheEvent<V1ConfigMap>['type']) => events.filter((e) => e.type === type).length;

/** Waits until `probe` holds, reporting the cache's events so far when it never does. */
function waitFor(what: string, events: CacheEvent<V1ConfigMap>[], probe: () => boolean): Promise<true> {
  return pollUntil(what, 30_000, async () => (probe() ? { done: true, value: true } : { done: false, seen: shown(events) }), 50);
}

async function changeWhileAway(namespace: string): Promise<void> {
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'new', labels: label }, data: { v: '1' } } });
  await core.patchNamespacedConfigMap({ namespace, name: 'changed', body: [{ op: 'replace', path: '/data/v', value: '2' }] });
  await core.deleteNamespacedConfigMap({ namespace, name: 'doomed' });
}

function caughtUp(cache: ResourceCache<V1ConfigMap>, namespace: string): boolean {
  return (
    cache.get(`${namespace}/new`) !== undefined &&
    cache.get(`${namespace}/changed`)?.data?.v === '2' &&
    cache.get(`${namespace}/doomed`) === undefined
  );
}

describe('ResourceCache against the API server', () => {
  it('lists what exists, then follows creates, updates and deletes', async () => {
    const namespace = await namespaceWith('watch-basic', { one: { v: '1' }, two: { v: '1' } });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'unlabelled' }, data: {} } });
    const { cache, events } = newCache(kc, namespace, { labelSelector, pageSize: 1 });
    cache.on(() => {
      throw new Error('a broken subscriber');
    });
    cache.start();
    await cache.synced();

    expect(cache.isSynced()).toBe(true);
    expect(cache.list().map((cm) => cm.metadata?.name)).toEqual(['one', 'two']);
    // LIST items carry no kind; the cache fills it in so listed and watched objects look alike.
    expect(cache.get(`${namespace}/one`)).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', data: { v: '1' } });
    const listed = events.find((e) => e.type === 'listed');
    expect(listed).toMatchObject({ type: 'listed', reason: 'initial', count: 2 });
    // One item per page: the LIST followed `continue` tokens.
    expect(listed?.type === 'listed' && listed.pages).toBeGreaterThanOrEqual(2);
    const delivered = () => events.filter((e) => e.type !== 'error');
    expect(delivered().map(show).slice(0, 4)).toEqual(['relist', 'added one', 'added two', 'listed']);

    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'three', labels: label }, data: { v: '3' } } });
    await core.patchNamespacedConfigMap({ namespace, name: 'one', body: [{ op: 'replace', path: '/data/v', value: '2' }] });
    await core.deleteNamespacedConfigMap({ namespace, name: 'two' });
    await waitFor(
      'the cache to see the create, update and delete',
      events,
      () => cache.list().length === 2 && cache.get(`${namespace}/three`) !== undefined,
    );
    await waitFor('the update', events, () => cache.get(`${namespace}/one`)?.data?.v === '2');

    const changes = events.filter((e) => 'key' in e).slice(2);
    expect(changes.map(show)).toEqual(['added three', 'modified one', 'deleted two']);
    expect(changes[1]).toMatchObject({ old: { data: { v: '1' } }, object: { data: { v: '2' } } });
    expect(changes[2]).toMatchObject({ object: { metadata: { name: 'two' } } });
    // Every event reached the throwing subscriber too, and each throw was reported instead of breaking the loop.
    expect(count(events, 'error')).toBe(delivered().length);
    expect(events.every((e) => e.type !== 'error' || (e.phase === 'listener' && e.error.message === 'a broken subscriber'))).toBe(true);
  });

  it('leaves nothing running after stop(): a process that used it exits on its own', async () => {
    const namespace = await namespaceWith('watch-stop', { one: { v: '1' } });
    const script = `
      import { KubeConfig } from '@kubernetes/client-node';
      import { ResourceCache } from '${new URL('../../kube/watch/index.ts', import.meta.url).pathname}';
      const kc = new KubeConfig();
      kc.loadFromFile(process.env.KUBECONFIG);
      const watching = new ResourceCache(kc, '/api/v1/namespaces/${namespace}/configmaps', { labelSelector: '${labelSelector}' });
      const started = new Promise((resolve) => watching.on((e) => e.type === 'watch-started' && resolve()));
      watching.start();
      await watching.synced();
      await started;
      // A second cache that can never connect, so it is in a backoff pause when stopped.
      const dead = new KubeConfig();
      dead.loadFromOptions({ ...kc, clusters: [{ ...kc.getCurrentCluster(), server: 'https://127.0.0.1:1' }] });
      const failing = new ResourceCache(dead, '/api/v1/configmaps', { backoff: { initialMs: 60000 } });
      const failed = new Promise((resolve) => failing.on((e) => e.type === 'error' && resolve()));
      failing.start();
      await failed;
      await Promise.all([watching.stop(), failing.stop()]);
      console.log('stopped with', watching.list().length, 'cached');
      setTimeout(() => { console.log('still running:', process.getActiveResourcesInfo().join(' ')); process.exit(3); }, 20000).unref();
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, KUBECONFIG: inject('kubeconfig') },
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, output }).toEqual({ code: 0, output: 'stopped with 1 cached\n' });
  });

  it('can be stopped from inside its own listener', async () => {
    const namespace = await namespaceWith('watch-self-stop', { one: { v: '1' } });
    const { cache, events } = newCache(kc, namespace, { labelSelector });
    let stopped: Promise<void> | undefined;
    cache.on((event) => {
      if (event.type === 'listed') stopped = cache.stop();
    });
    cache.start();
    await cache.synced();
    await stopped;
    expect(events.map(show)).toEqual(['relist', 'added one', 'listed']);
    expect(cache.list()).toHaveLength(1);
  });

  it('reconnects after its connection is killed and catches up from its resourceVersion', async () => {
    const namespace = await namespaceWith('watch-cut', { changed: { v: '1' }, doomed: { v: '1' } });
    const proxy = await startProxy(new URL(kc.getCurrentCluster()?.server ?? ''));
    cleanups.push(() => proxy.close());
    const { cache, events } = newCache(kubeConfigVia(proxy.url), namespace, fastRetries);
    cache.start();
    await cache.synced();
    await waitFor('the first watch', events, () => count(events, 'watch-started') === 1);

    proxy.refuse(true);
    proxy.cut();
    const cutAt = events.length;
    await waitFor('the cut and two refused reconnects', events, () => {
      const ended = events.slice(cutAt).filter((e) => e.type === 'watch-ended');
      return ended.length >= 3 && ended.every((e) => e.outcome.kind === 'network-error' && e.next === 'reconnect');
    });
    await changeWhileAway(namespace);
    proxy.refuse(false);
    await waitFor('the cache to catch up', events, () => caughtUp(cache, namespace));

    const after = events.slice(cutAt);
    expect(after.filter((e) => 'key' in e).map(show)).toEqual(['added new', 'modified changed', 'deleted doomed']);
    expect(after.some((e) => e.type === 'error' && e.phase === 'watch')).toBe(true);
    // Caught up by resuming the watch, not by listing again.
    expect(count(after, 'relist')).toBe(0);
    expect(count(after, 'watch-started')).toBe(1);
  });

  it('restarts a watch that went silent (a half-open connection)', async () => {
    const namespace = await namespaceWith('watch-silent', { changed: { v: '1' }, doomed: { v: '1' } });
    const proxy = await startProxy(new URL(kc.getCurrentCluster()?.server ?? ''));
    cleanups.push(() => proxy.close());
    const { cache, events } = newCache(kubeConfigVia(proxy.url), namespace, { ...fastRetries, silenceTimeoutMs: 1500 });
    cache.start();
    await cache.synced();
    await waitFor('a watch', events, () => count(events, 'watch-started') >= 1);

    proxy.freeze();
    const frozenAt = events.length;
    await changeWhileAway(namespace);
    await waitFor('the watchdog to restart the watch and the cache to catch up', events, () => caughtUp(cache, namespace));

    const after = events.slice(frozenAt);
    expect(after.some((e) => e.type === 'watch-ended' && e.outcome.kind === 'silent')).toBe(true);
    expect(after.filter((e) => 'key' in e).map(show)).toEqual(['added new', 'modified changed', 'deleted doomed']);
    expect(count(after, 'relist')).toBe(0);
  });

  it('emits what it missed as events when it relists', async () => {
    const namespace = await namespaceWith('watch-relist', { changed: { v: '1' }, doomed: { v: '1' }, steady: { v: '1' } });
    const proxy = await startProxy(new URL(kc.getCurrentCluster()?.server ?? ''));
    cleanups.push(() => proxy.close());
    const { cache, events } = newCache(kubeConfigVia(proxy.url), namespace, fastRetries);
    cache.start();
    await cache.synced();
    await waitFor('a watch', events, () => count(events, 'watch-started') >= 1);

    proxy.freeze();
    await changeWhileAway(namespace);
    expect(caughtUp(cache, namespace)).toBe(false);
    const relistAt = events.length;
    cache.relist();
    await waitFor('the requested relist', events, () => events.slice(relistAt).some((e) => e.type === 'listed'));

    const relisted = events.slice(relistAt);
    const listed = relisted.findIndex((e) => e.type === 'listed');
    expect(relisted.slice(0, listed + 1).map(show)).toEqual(['relist', 'deleted doomed', 'modified changed', 'added new', 'listed']);
    expect(relisted[0]).toMatchObject({ type: 'relist', reason: 'requested' });
    expect(relisted[2]).toMatchObject({ old: { data: { v: '1' } }, object: { data: { v: '2' } } });
    expect(caughtUp(cache, namespace)).toBe(true);
    // The frozen watch was abandoned and a new one started from the relist's resourceVersion.
    await waitFor('a new watch', events, () => events.slice(relistAt).some((e) => e.type === 'watch-started'));
  });

  it('relists periodically, which rescues a hung watch before the watchdog would', async () => {
    const namespace = await namespaceWith('watch-periodic', { changed: { v: '1' }, doomed: { v: '1' } });
    const proxy = await startProxy(new URL(kc.getCurrentCluster()?.server ?? ''));
    cleanups.push(() => proxy.close());
    const { cache, events } = newCache(kubeConfigVia(proxy.url), namespace, { ...fastRetries, relistIntervalMs: 1000 });
    cache.start();
    await cache.synced();
    await waitFor('a watch', events, () => count(events, 'watch-started') >= 1);

    proxy.freeze();
    const frozenAt = events.length;
    await changeWhileAway(namespace);
    await waitFor('a periodic relist to catch up', events, () => caughtUp(cache, namespace));

    const after = events.slice(frozenAt);
    const firstRelist = after.findIndex((e) => e.type === 'relist');
    const firstChange = after.findIndex((e) => 'key' in e);
    expect(after[firstRelist]).toMatchObject({ type: 'relist', reason: 'periodic' });
    expect(firstRelist).toBeLessThan(firstChange);
    expect(after.some((e) => e.type === 'watch-ended' && e.outcome.kind === 'silent')).toBe(false);
  });

  it('keeps retrying a LIST that fails, and stop() ends it and rejects synced()', async () => {
    const cache = new ResourceCache(kc, '/apis/example.invalid/v1/widgets', { backoff: { initialMs: 50, maxMs: 200 } });
    const events: CacheEvent<KubeObject>[] = [];
    cache.on((event) => {
      events.push(event);
    });
    cache.start();
    const errors = () => events.filter((e) => e.type === 'error' && e.phase === 'list');
    await pollUntil('three failed LISTs', 30_000, async () =>
      errors().length >= 3 ? { done: true, value: true } : { done: false, seen: `${errors().length} errors` },
    );
    expect(errors()[0]).toMatchObject({ error: { message: expect.stringContaining('GET /apis/example.invalid/v1/widgets: HTTP 404') } });
    expect(cache.isSynced()).toBe(false);
    await cache.stop();
    await expect(cache.synced()).rejects.toThrow('stopped before its first LIST');
  });
});
