// Delete-and-recreate storms on the real control plane: Pods of one name come and go faster than the releaser's
// caches settle, a bare Pod and a StatefulSet Pod take turns with the same name, and through it all no two live
// Pods ever hold one address; at the end the pool records exactly the live Pods. CIDR 172.23.20.0/24 is this file's.
import { randomBytes } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAssignedResult } from '../../ipam/model/index.js';
import { clients, createTestNamespace, kubectl, pollUntil } from '../support/cluster.js';
import { createStatefulSet, ippoolAnnotation, podOf } from '../support/workloads.js';

const { core, apps } = clients();
const suffix = randomBytes(3).toString('hex');
const pool = `storm-${suffix}`;

const ipOf = (pod: V1Pod): string | undefined => {
  const parsed = parseAssignedResult(pod.metadata?.annotations?.['ipam.spidernet.io/assigned-eth0'] ?? '', 'eth0');
  return parsed.ok ? parsed.value.ipv4.split('/')[0] : undefined;
};

const annotations = ippoolAnnotation({ ipv4: [pool] });

afterAll(async () => {
  await pollUntil('the storm pool empty', 30_000, async () => {
    const count = kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.status.allocatedIPCount}', '--ignore-not-found']).stdout;
    return count === '' || count === '0' ? { done: true, value: true } : { done: false, seen: `${count} allocated` };
  }).catch(() => undefined);
  kubectl(['delete', `sp/${pool}`, '--ignore-not-found', '--wait=false']);
});

/** Samples the namespace's Pods until stopped; records every moment two live Pods named one address. */
function watchForDuplicates(namespace: string) {
  const duplicates: string[] = [];
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const pods = (await core.listNamespacedPod({ namespace })).items.filter((p) => !p.metadata?.deletionTimestamp);
      const holder = new Map<string, string>();
      for (const pod of pods) {
        const ip = ipOf(pod);
        if (!ip) continue;
        const other = holder.get(ip);
        if (other) duplicates.push(`${ip}: ${other} and ${pod.metadata?.name} (${pod.metadata?.uid})`);
        holder.set(ip, `${pod.metadata?.name} (${pod.metadata?.uid})`);
      }
      samples++;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { duplicates, samples };
    },
  };
}

async function createBarePod(namespace: string, name: string): Promise<void> {
  // The previous Pod of that name may still be going: retry on AlreadyExists.
  await pollUntil(
    `bare Pod ${name} created`,
    30_000,
    async () => {
      try {
        await core.createNamespacedPod({ namespace, body: podOf({ name, annotations }) });
        return { done: true, value: true };
      } catch (err) {
        const text = String((err as { body?: unknown }).body ?? err);
        if (text.includes('AlreadyExists') || text.includes('already exists'))
          return { done: false, seen: 'the previous one still exists' };
        throw err;
      }
    },
    20,
  );
}

const forceDelete = (namespace: string, name: string) =>
  core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 }).catch(() => undefined);

describe('delete-and-recreate storms', () => {
  it('never lets two live Pods hold one address, and ends with records equal to the live Pods', async () => {
    const namespace = await createTestNamespace(core, 'storm');
    expect(
      kubectl(
        ['apply', '-f', '-'],
        `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: ${pool}}\nspec: {subnet: 172.23.20.0/24, ips: ["172.23.20.10-172.23.20.29"]}\n`,
      ).status,
    ).toBe(0);
    const statefulSet = (name: string, replicas: number) =>
      createStatefulSet(apps, namespace, { name, replicas, podManagementPolicy: 'Parallel', annotations });
    await statefulSet('web', 1);
    const monitor = watchForDuplicates(namespace);
    try {
      // 50 times: the StatefulSet Pod web-0 deleted (its controller re-creates it at once) while a bare Pod of one
      // name is created and deleted.
      const sticky = (async () => {
        for (let i = 0; i < 50; i++) {
          await forceDelete(namespace, 'web-0');
          await new Promise((r) => setTimeout(r, 30));
        }
      })();
      const bare = (async () => {
        for (let i = 0; i < 50; i++) {
          await createBarePod(namespace, 'bare');
          await forceDelete(namespace, 'bare');
        }
      })();
      await Promise.all([sticky, bare]);
      // One name, two kinds of owner in turn: a bare Pod twin-0, then the StatefulSet twin's Pod twin-0.
      await statefulSet('twin', 0);
      for (let i = 0; i < 5; i++) {
        await createBarePod(namespace, 'twin-0');
        await forceDelete(namespace, 'twin-0');
        expect(kubectl(['scale', '-n', namespace, 'statefulset/twin', '--replicas=1']).status).toBe(0);
        await pollUntil('twin-0 of the StatefulSet', 30_000, async () => {
          const pod = (await core.listNamespacedPod({ namespace, labelSelector: 'app=twin' })).items[0];
          return pod && ipOf(pod) ? { done: true, value: pod } : { done: false, seen: 'no twin-0 yet' };
        });
        expect(kubectl(['scale', '-n', namespace, 'statefulset/twin', '--replicas=0']).status).toBe(0);
        await pollUntil('twin-0 gone', 30_000, async () => {
          const left = (await core.listNamespacedPod({ namespace, labelSelector: 'app=twin' })).items.length;
          return left === 0 ? { done: true, value: true } : { done: false, seen: `${left} left` };
        });
      }
      await createBarePod(namespace, 'twin-0');
    } finally {
      const { duplicates, samples } = await monitor.stop();
      expect(samples).toBeGreaterThan(10);
      expect(duplicates).toEqual([]);
    }
    // Settled: exactly the live Pods (web-0 and the last twin-0) are recorded, each bound to its UID.
    const settled = await pollUntil('records equal to the live Pods', 60_000, async () => {
      const pods = (await core.listNamespacedPod({ namespace })).items.filter((p) => !p.metadata?.deletionTimestamp);
      const want = Object.fromEntries(pods.map((p) => [ipOf(p), `${namespace}/${p.metadata?.name}:${p.metadata?.uid}`]));
      const text = kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.status.allocatedIPs}']).stdout;
      const have = Object.fromEntries(
        Object.entries(text ? (JSON.parse(text) as Record<string, { pod: string; podUid: string }>) : {}).map(([ip, r]) => [
          ip,
          `${r.pod}:${r.podUid}`,
        ]),
      );
      const count = kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.status.allocatedIPCount}']).stdout;
      const sorted = (o: Record<string, string>) => JSON.stringify(Object.entries(o).sort());
      return sorted(want) === sorted(have) && count === String(pods.length)
        ? { done: true, value: pods.length }
        : { done: false, seen: `want ${JSON.stringify(want)}, have ${JSON.stringify(have)}, count ${count}` };
    });
    expect(settled).toBe(2);
    await core.deleteNamespace({ name: namespace });
  });
});
