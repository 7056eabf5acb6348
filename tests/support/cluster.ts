// Helpers for tests that run against the real local control plane.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';

export { pollUntil } from '../../cluster/src/wait.js';

export function testKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  return kc;
}

export function clients(kc: KubeConfig = testKubeConfig()) {
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
  };
}

/** A fresh namespace per test, so tests never see each other's objects. */
export async function createTestNamespace(core: CoreV1Api, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name, labels: { 'admission-ipam.io/test': 'true' } } } });
  return name;
}

export function kubectl(args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const res = spawnSync(inject('kubectl'), args, { input, encoding: 'utf8', timeout: 60_000 });
  return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

/** A label selector as client-node expects it. */
export function selector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * A Pod admission-ipam leaves alone (it carries the opt-out label). A pool record bound to its name and UID stands for
 * an address another IPAM handed out: the releaser keeps such a record while the Pod lives, so tests can hold
 * addresses without going through admission.
 */
export async function createUnmanagedPod(core: CoreV1Api, namespace: string, name: string): Promise<{ pod: string; podUid: string }> {
  const created = await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: { 'admission-ipam.spidernet.io/ignore': 'true' } },
      spec: { containers: [{ name: 'a', image: 'x' }] },
    },
  });
  return { pod: `${namespace}/${name}`, podUid: created.metadata?.uid ?? '' };
}

/**
 * Runs `fn` while holding a cluster-wide lock (a ConfigMap in `default` that only one holder can create), for test
 * files that must use the same cluster-scoped names, e.g. the SpiderSubnets a seed manifest names. A lock older
 * than `staleMs` was left by a crashed run and is taken over.
 */
export async function withClusterLock<T>(core: CoreV1Api, name: string, fn: () => Promise<T>, staleMs = 10 * 60_000): Promise<T> {
  const lock = `test-lock-${name}`;
  const holder = randomBytes(4).toString('hex');
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: lock }, data: { holder, since: String(Date.now()) } },
      });
      break;
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
      const held = await core.readNamespacedConfigMap({ namespace: 'default', name: lock }).catch(() => undefined);
      if (held && Date.now() - Number(held.data?.since ?? 0) > staleMs) {
        await core.deleteNamespacedConfigMap({ namespace: 'default', name: lock }).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`cluster lock ${lock} still held by ${held?.data?.holder ?? 'someone'}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: lock }).catch(() => undefined);
  }
}
