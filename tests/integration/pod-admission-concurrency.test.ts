// Many Pods created at once on a pool of exactly as many addresses: every Pod gets
// one, none twice, the pool counts them all — concurrent admissions share status
// writes and resolve conflicts without losing or duplicating a record.
// 5 Deployments x 100 replicas by default (ADMISSION_IPAM_CONCURRENCY_REPLICAS changes the 100).
// CIDR 172.27.0.0/16 is this file's own.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAssignedResult } from '../../ipam/model/index.js';
import { clients, createTestNamespace, kubectl, pollUntil } from '../support/cluster.js';
import { createDeployment, ippoolAnnotation } from '../support/workloads.js';

const { core, apps } = clients();
const replicas = Number(process.env.ADMISSION_IPAM_CONCURRENCY_REPLICAS ?? 100);
const deployments = 5;
const total = replicas * deployments;
const pool = `conc-${randomBytes(3).toString('hex')}`;

afterAll(() => {
  kubectl(['patch', `sp/${pool}`, '--subresource=status', '--type=merge', '-p', '{"status":{"allocatedIPs":null}}']);
  kubectl(['delete', `sp/${pool}`, '--ignore-not-found', '--wait=false']);
});

describe('concurrent Pod admission', () => {
  it(`gives ${total} Pods created at once ${total} distinct addresses of a pool of exactly ${total}`, { timeout: 600_000 }, async () => {
    const namespace = await createTestNamespace(core, 'conc');
    const last = 10 + total - 1; // 172.27.x.y, counted from 172.27.0.10
    const ip = (n: number) => `172.27.${Math.floor(n / 256)}.${n % 256}`;
    const res = kubectl(
      ['apply', '-f', '-'],
      `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata:\n  name: ${pool}\nspec:\n  subnet: 172.27.0.0/16\n  ips: ["${ip(10)}-${ip(last)}"]\n`,
    );
    expect(res.status, res.stderr).toBe(0);
    await Promise.all(
      Array.from({ length: deployments }, (_, i) =>
        createDeployment(apps, namespace, { name: `burst-${i}`, replicas, annotations: ippoolAnnotation({ ipv4: [pool] }) }),
      ),
    );
    const pods = await pollUntil(
      `${total} Running Pods`,
      540_000,
      async () => {
        const list = (await core.listNamespacedPod({ namespace })).items;
        const running = list.filter((p) => p.status?.phase === 'Running');
        return running.length === total
          ? { done: true, value: running }
          : { done: false, seen: `${running.length} of ${list.length} Running` };
      },
      2000,
    );
    const addresses = pods.map((p) => {
      const r = parseAssignedResult(p.metadata?.annotations?.['ipam.spidernet.io/assigned-eth0'] ?? '', 'eth0');
      if (!r.ok) throw new Error(r.reason);
      return r.value.ipv4.split('/')[0];
    });
    expect(new Set(addresses).size).toBe(total);
    const stored = JSON.parse(kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.status.allocatedIPs}']).stdout) as Record<
      string,
      { token?: string }
    >;
    expect(Object.keys(stored).length).toBe(total);
    expect(new Set(Object.keys(stored))).toEqual(new Set(addresses));
    await pollUntil('the pool to count every allocation', 60_000, async () => {
      const out = kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.status.allocatedIPCount}/{.status.totalIPCount}']).stdout;
      return out === `${total}/${total}` ? { done: true, value: out } : { done: false, seen: out };
    });
    // Once the Pods exist, no reservation stays pending: each is bound to its Pod's name and UID.
    const uidOf = new Map(pods.map((p) => [`${namespace}/${p.metadata?.name}`, p.metadata?.uid]));
    await pollUntil('every reservation bound to its Pod', 60_000, async () => {
      const now = JSON.parse(kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.status.allocatedIPs}']).stdout) as Record<
        string,
        { pod: string; podUid: string; token?: string }
      >;
      const unbound = Object.values(now).filter((r) => r.token !== undefined || r.podUid === '' || uidOf.get(r.pod) !== r.podUid);
      return unbound.length === 0 ? { done: true, value: true } : { done: false, seen: `${unbound.length} records not bound` };
    });
  });
});
