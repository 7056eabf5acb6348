// The local control plane behaves like a real cluster: real controllers create Pods
// from workloads, the scheduler binds them to kwok nodes, kwok runs and deletes them.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { clients, createTestNamespace, pollUntil } from '../support/cluster.js';
import { createDeployment, createStatefulSet, runningPods, scaleDeployment } from '../support/workloads.js';

const { core, apps, batch } = clients();
const container = { name: 'app', image: 'registry.invalid/app:1' };

function summary(pods: V1Pod[]): string {
  return pods.map((p) => `${p.metadata?.name}:${p.status?.phase}@${p.spec?.nodeName ?? '-'}`).join(' ') || 'no pods';
}

describe('local control plane', () => {
  it('runs a Deployment of 5 on fake nodes and removes the Pods when scaled to 0', async () => {
    const namespace = await createTestNamespace(core, 'deploy');
    const labels = { app: 'web' };
    await createDeployment(apps, namespace, { name: 'web', replicas: 5, labels, containers: [container] });
    const pods = await runningPods(core, namespace, labels, 5);
    const nodes = (await core.listNode()).items.map((n) => n.metadata?.name);
    for (const pod of pods) {
      expect(nodes).toContain(pod.spec?.nodeName);
      expect(pod.status?.podIP).toMatch(/^10\.244\./); // kwok's --cidr: no IPAM annotation on these Pods
    }
    await scaleDeployment(apps, namespace, 'web', 0);
    await runningPods(core, namespace, labels, 0);
  });

  it('creates web-0..2 for a StatefulSet of 3', async () => {
    const namespace = await createTestNamespace(core, 'sts');
    const labels = { app: 'db' };
    await createStatefulSet(apps, namespace, { name: 'web', replicas: 3, labels, containers: [container] });
    const pods = await runningPods(core, namespace, labels, 3);
    expect(pods.map((p) => p.metadata?.name).sort()).toEqual(['web-0', 'web-1', 'web-2']);
  });

  it("completes a Job's Pod", async () => {
    const namespace = await createTestNamespace(core, 'job');
    await batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'once' },
        spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [container] } } },
      },
    });
    const job = await pollUntil('the Job to succeed', 90_000, async () => {
      const j = await batch.readNamespacedJob({ namespace, name: 'once' });
      return (j.status?.succeeded ?? 0) === 1 ? { done: true, value: j } : { done: false, seen: JSON.stringify(j.status ?? {}) };
    });
    expect(job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')).toBe(true);
    const pods = (await core.listNamespacedPod({ namespace, labelSelector: 'job-name=once' })).items;
    expect(pods.map((p) => p.status?.phase)).toEqual(['Succeeded']);
  });

  it('removes the Pods of a deleted namespace, then the namespace', async () => {
    const namespace = await createTestNamespace(core, 'nsdel');
    const labels = { app: 'gone' };
    await createDeployment(apps, namespace, { name: 'gone', replicas: 2, labels, containers: [container] });
    await runningPods(core, namespace, labels, 2);
    await core.deleteNamespace({ name: namespace });
    await pollUntil(`namespace ${namespace} to disappear`, 90_000, async () => {
      const pods = (await core.listNamespacedPod({ namespace })).items;
      const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
      return !names.includes(namespace) && pods.length === 0
        ? { done: true, value: undefined }
        : { done: false, seen: `namespace present=${names.includes(namespace)}; pods: ${summary(pods)}` };
    });
  });
});
