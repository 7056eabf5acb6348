// Pods deleted while admission-ipam is stopped: nothing releases their addresses then, and the full scan of the
// next start does. This file stops and starts the server, so it runs alone (project integration-serial).
// CIDR 172.23.30.0/24 is this file's own.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterConfig } from '../../cluster/src/config.js';
import { serverDown, systemUp } from '../../cluster/src/system.js';
import { clients, createTestNamespace, kubectl, pollUntil } from '../support/cluster.js';
import { createDeployment, ippoolAnnotation } from '../support/workloads.js';

const { core, apps } = clients();
const pool = `downtime-${suffixOf()}`;

function suffixOf(): string {
  return randomBytes(3).toString('hex');
}

function recordedIPs(): string[] {
  const text = kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.status.allocatedIPs}']).stdout;
  return text ? Object.keys(JSON.parse(text)) : [];
}

afterAll(async () => {
  // Whatever happened, leave the server running for whoever comes next.
  await systemUp(clusterConfig(), () => {});
  kubectl(['delete', `sp/${pool}`, '--ignore-not-found', '--wait=false']);
});

describe('after a downtime', () => {
  it('releases the addresses of Pods deleted while admission-ipam was stopped, in the first scan', async () => {
    const namespace = await createTestNamespace(core, 'downtime');
    expect(
      kubectl(
        ['apply', '-f', '-'],
        `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: ${pool}}\nspec: {subnet: 172.23.30.0/24, ips: ["172.23.30.10-172.23.30.19"]}\n`,
      ).status,
    ).toBe(0);
    await createDeployment(apps, namespace, { name: 'down', replicas: 3, annotations: ippoolAnnotation({ ipv4: [pool] }) });
    await pollUntil('3 bound records', 60_000, async () => {
      const text = kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.status.allocatedIPs}']).stdout;
      const records = Object.values(text ? (JSON.parse(text) as Record<string, { podUid: string }>) : {});
      return records.length === 3 && records.every((r) => r.podUid !== '')
        ? { done: true, value: true }
        : { done: false, seen: text || 'none' };
    });

    const config = clusterConfig();
    await serverDown(config, () => {});
    await apps.deleteNamespacedDeployment({ namespace, name: 'down' });
    await pollUntil("the Deployment's Pods gone", 60_000, async () => {
      const left = (await core.listNamespacedPod({ namespace })).items.length;
      return left === 0 ? { done: true, value: true } : { done: false, seen: `${left} Pods left` };
    });
    // Nobody released them while the IPAM was down.
    expect(recordedIPs()).toHaveLength(3);

    const startedAt = Date.now();
    await systemUp(config, () => {});
    await pollUntil('the first scan to release them', 60_000, async () => {
      const left = recordedIPs();
      return left.length === 0 ? { done: true, value: true } : { done: false, seen: left.join(', ') };
    });
    console.log(`released ${Date.now() - startedAt} ms after admission-ipam was started again`);
  });
});
