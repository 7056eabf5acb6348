// Reserved IPs, excludeIPs and pool affinity on the real cluster. CIDR 172.24.0.0/16 is this file's own.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAssignedResult } from '../../ipam/model/index.js';
import { clients, createTestNamespace, kubectl, pollUntil } from '../support/cluster.js';

const { core } = clients();
const suffix = randomBytes(3).toString('hex');
const cleanup: string[] = [];

function apply(yaml: string): { status: number; stderr: string } {
  return kubectl(['apply', '-f', '-'], yaml);
}

function pod(namespace: string, name: string, pool: string, labels: Record<string, string> = {}): string {
  const l = Object.entries(labels)
    .map(([k, v]) => `    ${k}: ${v}`)
    .join('\n');
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n${l ? `  labels:\n${l}\n` : ''}  annotations:\n    ipam.spidernet.io/ippool: '{"ipv4":["${pool}"]}'\nspec:\n  containers: [{name: a, image: x}]\n`;
}

async function ipv4Of(namespace: string, name: string): Promise<string> {
  const p = await core.readNamespacedPod({ namespace, name });
  const r = parseAssignedResult(p.metadata?.annotations?.['ipam.spidernet.io/assigned-eth0'] ?? '', 'eth0');
  if (!r.ok) throw new Error(r.reason);
  return r.value.ipv4;
}

afterAll(() => {
  for (const object of cleanup) {
    if (object.startsWith('sp/'))
      kubectl(['patch', object, '--subresource=status', '--type=merge', '-p', '{"status":{"allocatedIPs":null}}']);
    kubectl(['delete', object, '--ignore-not-found', '--wait=false']);
  }
});

describe('addresses never handed out, and pool affinity', () => {
  it('skips reserved IPs and excludeIPs', async () => {
    const namespace = await createTestNamespace(core, 'reserved');
    const pool = `rules-r-${suffix}`;
    cleanup.push(`sp/${pool}`, `sr/rules-sr-${suffix}`);
    expect(
      apply(
        `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderReservedIP\nmetadata: {name: rules-sr-${suffix}}\nspec: {ips: ["172.24.1.10-172.24.1.11"]}\n`,
      ).status,
    ).toBe(0);
    expect(
      apply(
        `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: ${pool}}\nspec: {subnet: 172.24.1.0/24, ips: ["172.24.1.10-172.24.1.15"], excludeIPs: ["172.24.1.12"]}\n`,
      ).status,
    ).toBe(0);
    // The server learns of the reserved IPs through its cache (eventually consistent, as in Spiderpool): poll with new
    // Pods until one is admitted after the cache has them; it must then get .13 (.10-.11 reserved, .12 excluded).
    let n = 0;
    const first = await pollUntil('a Pod to get an address past the reserved ones', 30_000, async () => {
      const name = `p${n++}`;
      expect(apply(pod(namespace, name, pool)).status).toBe(0);
      const ip = await ipv4Of(namespace, name);
      return ip === '172.24.1.13/24' ? { done: true, value: ip } : { done: false, seen: `${name} got ${ip}` };
    });
    expect(first).toBe('172.24.1.13/24');
    expect(apply(pod(namespace, 'next', pool)).status).toBe(0);
    expect(await ipv4Of(namespace, 'next')).toBe('172.24.1.14/24');
  });

  it('honours podAffinity and namespaceName, and says which filter refused the pool', async () => {
    const namespace = await createTestNamespace(core, 'affinity');
    const other = await createTestNamespace(core, 'elsewhere');
    const byPod = `rules-pod-${suffix}`;
    const byNamespace = `rules-ns-${suffix}`;
    cleanup.push(`sp/${byPod}`, `sp/${byNamespace}`);
    expect(
      apply(
        `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: ${byPod}}\nspec: {subnet: 172.24.2.0/24, ips: ["172.24.2.10-172.24.2.19"], podAffinity: {matchLabels: {app: test-app-3}}}\n`,
      ).status,
    ).toBe(0);
    expect(
      apply(
        `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: ${byNamespace}}\nspec: {subnet: 172.24.3.0/24, ips: ["172.24.3.10-172.24.3.19"], namespaceName: [${namespace}]}\n`,
      ).status,
    ).toBe(0);
    expect(apply(pod(namespace, 'match', byPod, { app: 'test-app-3' })).status).toBe(0);
    expect(await ipv4Of(namespace, 'match')).toBe('172.24.2.10/24');
    const mismatch = apply(pod(namespace, 'mismatch', byPod, { app: 'other' }));
    expect(mismatch.status).not.toBe(0);
    expect(mismatch.stderr).toContain(
      `pod ${namespace}/mismatch: eth0 IPv4: no IPPool available, all IPv4 IPPools [${byPod}] of eth0 filtered out`,
    );
    expect(mismatch.stderr).toMatch(/podAffinity|pod labels|unmatched Pod/i);
    expect(apply(pod(namespace, 'here', byNamespace)).status).toBe(0);
    const away = apply(pod(other, 'away', byNamespace));
    expect(away.status).not.toBe(0);
    expect(away.stderr).toMatch(new RegExp(`pod ${other}/away: eth0 IPv4: .*filtered out.*${byNamespace}`));
    const records = kubectl(['get', `sp/${byPod}`, '-o', 'jsonpath={.status.allocatedIPs}']).stdout;
    expect(Object.keys(JSON.parse(records))).toEqual(['172.24.2.10']);
  });

  it('hands out nothing from a pool being deleted, and lets the pool go once nothing holds it', async () => {
    const namespace = await createTestNamespace(core, 'terminating');
    const pool = `rules-t-${suffix}`;
    const hold = 'ipam-test.admission-ipam.io/hold';
    cleanup.push(`sp/${pool}`);
    expect(
      apply(
        `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: ${pool}, finalizers: [${hold}]}\nspec: {subnet: 172.24.5.0/24, ips: ["172.24.5.10-172.24.5.19"]}\n`,
      ).status,
    ).toBe(0);
    // An empty pool may be deleted; a second finalizer keeps it terminating for as long as the test needs.
    expect(kubectl(['delete', `sp/${pool}`, '--wait=false']).status).toBe(0);
    const refusal = await pollUntil('a Pod naming the terminating pool to be refused', 30_000, async () => {
      const name = `t${randomBytes(2).toString('hex')}`;
      const res = apply(pod(namespace, name, pool));
      return res.status !== 0 ? { done: true, value: res.stderr } : { done: false, seen: `${name} was admitted` };
    });
    expect(refusal).toContain(`all IPv4 IPPools [${pool}] of eth0 filtered out`);
    expect(refusal).toMatch(/terminating IPPool/);
    // Pods admitted before the cache saw the deletion hold records; they keep them until they go.
    await core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 });
    const patched = kubectl(['patch', `sp/${pool}`, '--type=json', '-p', `[{"op":"remove","path":"/metadata/finalizers/0"}]`]);
    expect(patched.status, patched.stderr).toBe(0);
    // Our own finalizer goes once the pool holds no address: then the pool is gone.
    await pollUntil(`pool ${pool} to be gone`, 60_000, async () => {
      const res = kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.metadata.finalizers}']);
      return /NotFound/.test(res.stderr) ? { done: true, value: true } : { done: false, seen: res.stdout || res.stderr };
    });
  });
});

describe('DaemonSet Pods, whose node is known at admission', () => {
  it('get addresses on the nodes of a node-restricted pool and are refused elsewhere, with the reason in the events', async () => {
    const namespace = await createTestNamespace(core, 'daemon');
    const pool = `rules-ds-${suffix}`;
    cleanup.push(`sp/${pool}`);
    expect(
      apply(
        `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: ${pool}}\nspec: {subnet: 172.24.4.0/24, ips: ["172.24.4.10-172.24.4.19"], nodeName: [kwok-node-0]}\n`,
      ).status,
    ).toBe(0);
    // One DaemonSet per node: the DaemonSet controller creates Pods in slow-start batches and backs off after a
    // refused create, so one DaemonSet over all nodes may wait minutes before it tries the node that would succeed.
    const daemonSet = (name: string, node: string) => `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata:
      labels: {app: ${name}}
      annotations: {ipam.spidernet.io/ippool: '{"ipv4":["${pool}"]}'}
    spec:
      nodeSelector: {kubernetes.io/hostname: ${node}}
      containers: [{name: a, image: x}]
`;
    expect(apply(daemonSet('agent-here', 'kwok-node-0')).status).toBe(0);
    expect(apply(daemonSet('agent-away', 'kwok-node-1')).status).toBe(0);
    const running = await pollUntil('the DaemonSet Pod on kwok-node-0 to run', 60_000, async () => {
      const pods = (await core.listNamespacedPod({ namespace })).items;
      const ok = pods.filter((p) => p.status?.phase === 'Running');
      return ok.length >= 1 ? { done: true, value: ok } : { done: false, seen: `${pods.length} pods` };
    });
    expect(running.map((p) => p.spec?.nodeName)).toEqual(['kwok-node-0']);
    expect(await ipv4Of(namespace, running[0]?.metadata?.name ?? '')).toBe('172.24.4.10/24');
    const refusal = await pollUntil('a FailedCreate event for the other nodes', 60_000, async () => {
      const events = (await core.listNamespacedEvent({ namespace })).items.filter((e) => e.reason === 'FailedCreate');
      const message = events.map((e) => e.message ?? '').find((m) => m.includes('filtered out'));
      return message
        ? { done: true, value: message }
        : { done: false, seen: events.map((e) => e.message).join(' | ') || 'no FailedCreate event' };
    });
    expect(refusal).toMatch(new RegExp(`eth0 IPv4: no IPPool available, all IPv4 IPPools \\[${pool}\\] of eth0 filtered out`));
    const records = kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.status.allocatedIPs}']).stdout;
    expect(Object.keys(JSON.parse(records))).toEqual(['172.24.4.10']);
    // The DaemonSet controller would go on retrying the refused Pods: remove it.
    await core.deleteNamespace({ name: namespace });
  });
});
