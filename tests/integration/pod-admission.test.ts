// Pod admission on the real control plane: Pods created by real controllers get
// addresses from the pools they name, reserved in pool status, written into their
// annotations and shown by kwok as their Pod IPs; a Pod that cannot get an address
// is refused and reserves nothing. CIDRs 172.28.0.0/16 and fd28::/64 are this file's own.
import { randomBytes } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAssignedResult } from '../../ipam/model/index.js';
import { clients, createTestNamespace, kubectl, pollUntil } from '../support/cluster.js';
import { createDeployment, createStatefulSet, ippoolAnnotation, podManifest, runningPods, scaleDeployment } from '../support/workloads.js';

const { core, apps } = clients();
const suffix = randomBytes(3).toString('hex');
const pools: string[] = [];

function createPool(name: string, spec: string): void {
  pools.push(name);
  const res = kubectl(
    ['apply', '-f', '-'],
    `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata:\n  name: ${name}\nspec:\n${spec}`,
  );
  if (res.status !== 0) throw new Error(res.stderr);
}

function records(pool: string): Record<string, { pod: string; podUid: string; token?: string }> {
  const text = kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.status.allocatedIPs}']).stdout;
  return text ? JSON.parse(text) : {};
}

const eth0 = (pod: V1Pod) => {
  const parsed = parseAssignedResult(pod.metadata?.annotations?.['ipam.spidernet.io/assigned-eth0'] ?? '', 'eth0');
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
};

afterAll(() => {
  // The Pods of these tests outlive the file (their namespaces stay for inspection): clear the records so the pools
  // can go now.
  for (const pool of pools) {
    kubectl(['patch', `sp/${pool}`, '--subresource=status', '--type=merge', '-p', '{"status":{"allocatedIPs":null}}']);
    kubectl(['delete', `sp/${pool}`, '--ignore-not-found', '--wait=false']);
  }
});

describe('Pod admission', () => {
  it("gives a Deployment's Pods distinct addresses from the pool it names, recorded in the pool", async () => {
    const namespace = await createTestNamespace(core, 'alloc');
    const pool = `pa-dep-${suffix}`;
    createPool(
      pool,
      '  subnet: 172.28.1.0/24\n  ips: ["172.28.1.10-172.28.1.14"]\n  gateway: 172.28.1.1\n  routes: [{dst: 10.28.0.0/16, gw: 172.28.1.1}]\n',
    );
    await createDeployment(apps, namespace, { name: 'web', replicas: 3, annotations: ippoolAnnotation({ ipv4: [pool] }) });
    const running = await runningPods(core, namespace, { app: 'web' }, 3);
    const results = running.map(eth0);
    const ips = results.map((r) => r.ipv4).sort();
    expect(ips).toEqual(['172.28.1.10/24', '172.28.1.11/24', '172.28.1.12/24']);
    expect(running.map((p) => `${p.status?.podIP}/24`).sort()).toEqual(ips);
    for (const r of results)
      expect(r).toMatchObject({
        ipv4pool: pool,
        ipv4gateway: '172.28.1.1',
        routes: [{ dst: '10.28.0.0/16', gw: '172.28.1.1' }],
        cleangateway: false,
      });
    // One admission request per Pod, so one token each; once the Pods exist each record is bound to its Pod.
    expect(new Set(results.map((r) => r.token)).size).toBe(3);
    const owner = new Map(
      running.map((p) => [eth0(p).ipv4.split('/')[0], { pod: `${namespace}/${p.metadata?.name}`, podUid: p.metadata?.uid }]),
    );
    await pollUntil('the records bound to the 3 Pods', 30_000, async () => {
      const stored = records(pool);
      const bound =
        Object.keys(stored).sort().join() === '172.28.1.10,172.28.1.11,172.28.1.12' &&
        Object.entries(stored).every(
          ([ip, r]) => r.pod === owner.get(ip)?.pod && r.podUid === owner.get(ip)?.podUid && r.token === undefined,
        );
      return bound ? { done: true, value: stored } : { done: false, seen: JSON.stringify(stored) };
    });
  });

  it('falls back to the next pool, refuses when all are used out, and then reserves nothing', async () => {
    const namespace = await createTestNamespace(core, 'full');
    const small = `pa-small-${suffix}`;
    const next = `pa-next-${suffix}`;
    createPool(small, '  subnet: 172.28.2.0/24\n  ips: ["172.28.2.10"]\n');
    createPool(next, '  subnet: 172.28.3.0/24\n  ips: ["172.28.3.10"]\n');
    const ann = ippoolAnnotation({ ipv4: [small, next] });
    expect(kubectl(['apply', '-f', '-'], podManifest(namespace, { name: 'first', annotations: ann })).status).toBe(0);
    expect(kubectl(['apply', '-f', '-'], podManifest(namespace, { name: 'second', annotations: ann })).status).toBe(0);
    expect(eth0(await core.readNamespacedPod({ namespace, name: 'first' })).ipv4).toBe('172.28.2.10/24');
    expect(eth0(await core.readNamespacedPod({ namespace, name: 'second' })).ipv4).toBe('172.28.3.10/24');
    const third = kubectl(['apply', '-f', '-'], podManifest(namespace, { name: 'third', annotations: ann }));
    expect(third.status).not.toBe(0);
    expect(third.stderr).toContain(`pod ${namespace}/third: eth0 IPv4:`);
    expect(third.stderr).toContain('all IP addresses used out');
    expect(third.stderr).toContain(small);
    expect(third.stderr).toContain(next);
    expect(kubectl(['get', '-n', namespace, 'pod/third']).stderr).toMatch(/NotFound/);
    expect(Object.keys(records(small))).toEqual(['172.28.2.10']);
    expect(Object.keys(records(next))).toEqual(['172.28.3.10']);
  });

  it('refuses a Pod naming a pool that does not exist, and one with a broken annotation', async () => {
    const namespace = await createTestNamespace(core, 'bad');
    const missing = kubectl(
      ['apply', '-f', '-'],
      podManifest(namespace, { name: 'p1', annotations: { 'ipam.spidernet.io/ippool': '{"ipv4":["no-such-pool"]}' } }),
    );
    expect(missing.stderr).toMatch(/pod .*\/p1: .*no-such-pool/);
    const broken = kubectl(
      ['apply', '-f', '-'],
      podManifest(namespace, { name: 'p2', annotations: { 'ipam.spidernet.io/ippool': '{"ipv4": "oops"' } }),
    );
    expect(broken.stderr).toMatch(/pod .*\/p2: .*ipam\.spidernet\.io\/ippool/);
  });

  it('gives a dual-stack Pod one address of each family; kwok reports both', async () => {
    const namespace = await createTestNamespace(core, 'dual');
    const v4 = `pa-v4-${suffix}`;
    const v6 = `pa-v6-${suffix}`;
    createPool(v4, '  subnet: 172.28.4.0/24\n  ips: ["172.28.4.10-172.28.4.11"]\n');
    createPool(v6, '  subnet: fd28::/64\n  ips: ["fd28::10-fd28::11"]\n  gateway: fd28::1\n');
    const res = kubectl(
      ['apply', '-f', '-'],
      podManifest(namespace, { name: 'dual', annotations: ippoolAnnotation({ ipv4: [v4], ipv6: [v6] }) }),
    );
    expect(res.status, res.stderr).toBe(0);
    const pod = await pollUntil('the Pod to run with two IPs', 60_000, async () => {
      const p = await core.readNamespacedPod({ namespace, name: 'dual' });
      return (p.status?.podIPs?.length ?? 0) === 2 ? { done: true, value: p } : { done: false, seen: JSON.stringify(p.status?.podIPs) };
    });
    expect(eth0(pod)).toMatchObject({ ipv4: '172.28.4.10/24', ipv6: 'fd28::10/64', ipv6gateway: 'fd28::1', ipv4pool: v4, ipv6pool: v6 });
    expect(pod.status?.podIPs?.map((p) => p.ip)).toEqual(['172.28.4.10', 'fd28::10']);
  });

  it('pins a Pod to the nodes of a node-restricted pool with a required node affinity', async () => {
    const namespace = await createTestNamespace(core, 'nodes');
    const pool = `pa-node-${suffix}`;
    createPool(pool, '  subnet: 172.28.5.0/24\n  ips: ["172.28.5.10-172.28.5.12"]\n  nodeName: [kwok-node-2]\n');
    const res = kubectl(['apply', '-f', '-'], podManifest(namespace, { name: 'pinned', annotations: ippoolAnnotation({ ipv4: [pool] }) }));
    expect(res.status, res.stderr).toBe(0);
    const pod = await pollUntil('the Pod to be scheduled', 60_000, async () => {
      const p = await core.readNamespacedPod({ namespace, name: 'pinned' });
      return p.spec?.nodeName ? { done: true, value: p } : { done: false, seen: 'not scheduled' };
    });
    expect(pod.spec?.nodeName).toBe('kwok-node-2');
    expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['kwok-node-2'] }] },
    ]);
  });

  it('replaces result annotations a user wrote, and plans without reserving on a dry run', async () => {
    const namespace = await createTestNamespace(core, 'dry');
    const pool = `pa-dry-${suffix}`;
    createPool(pool, '  subnet: 172.28.6.0/24\n  ips: ["172.28.6.10-172.28.6.12"]\n');
    const ann = { ...ippoolAnnotation({ ipv4: [pool] }), 'ipam.spidernet.io/assigned-eth0': '{"interface":"eth0","ipv4":"8.8.8.8/32"}' };
    const dry = kubectl(['apply', '--dry-run=server', '-o', 'json', '-f', '-'], podManifest(namespace, { name: 'p', annotations: ann }));
    expect(dry.status, dry.stderr).toBe(0);
    expect(eth0(JSON.parse(dry.stdout) as V1Pod).ipv4).toBe('172.28.6.10/24');
    expect(records(pool)).toEqual({});
    expect(kubectl(['apply', '-f', '-'], podManifest(namespace, { name: 'p', annotations: ann })).status).toBe(0);
    expect(eth0(await core.readNamespacedPod({ namespace, name: 'p' })).ipv4).toBe('172.28.6.10/24');
  });

  it('leaves alone Pods that opt out by label, and hostNetwork Pods', async () => {
    const namespace = await createTestNamespace(core, 'optout');
    const pool = `pa-opt-${suffix}`;
    createPool(pool, '  subnet: 172.28.8.0/24\n  ips: ["172.28.8.10-172.28.8.12"]\n');
    const ann = ippoolAnnotation({ ipv4: [pool] });
    const labelled = podManifest(namespace, {
      name: 'ignored',
      labels: { 'admission-ipam.spidernet.io/ignore': 'true' },
      annotations: ann,
    });
    expect(kubectl(['apply', '-f', '-'], labelled).status).toBe(0);
    expect(kubectl(['apply', '-f', '-'], podManifest(namespace, { name: 'host', annotations: ann }, { hostNetwork: true })).status).toBe(0);
    for (const name of ['ignored', 'host']) {
      const pod = await core.readNamespacedPod({ namespace, name });
      expect(pod.metadata?.annotations?.['ipam.spidernet.io/assigned-eth0']).toBeUndefined();
    }
    expect(records(pool)).toEqual({});
  });

  it('keeps the seed Deployment nginx-m inside its pool when scaled and when its Pods are replaced', async () => {
    const namespace = await createTestNamespace(core, 'nginx');
    const pool = `pa-nginx-${suffix}`;
    createPool(pool, '  subnet: 172.28.9.0/24\n  ips: ["172.28.9.10-172.28.9.20"]\n');
    const labels = { app: 'nginx' };
    const containers = [{ name: 'nginx', image: 'nginx' }];
    await createDeployment(apps, namespace, {
      name: 'nginx-m',
      replicas: 2,
      labels,
      annotations: ippoolAnnotation({ ipv4: [pool] }),
      containers,
    });
    await runningPods(core, namespace, labels, 2);
    await scaleDeployment(apps, namespace, 'nginx-m', 5);
    const five = await runningPods(core, namespace, labels, 5);
    const inRange = (ip: string | undefined) => /^172\.28\.9\.(1\d|20)$/.test(ip ?? '');
    expect(new Set(five.map((p) => p.status?.podIP)).size).toBe(5);
    expect(five.every((p) => inRange(p.status?.podIP))).toBe(true);
    await pollUntil('the pool to count 5 allocations', 30_000, async () => {
      const count = kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.status.allocatedIPCount}']).stdout;
      return count === '5' ? { done: true, value: count } : { done: false, seen: count };
    });
    const victims = five.slice(0, 2).map((p) => p.metadata?.name ?? '');
    for (const name of victims) await core.deleteNamespacedPod({ namespace, name });
    // runningPods waits for the deleted Pods to be gone: the 5 it returns are the 3 kept and their 2 replacements.
    const replaced = await runningPods(core, namespace, labels, 5);
    expect(replaced.every((p) => inRange(p.status?.podIP))).toBe(true);
    expect(new Set(replaced.map((p) => p.status?.podIP)).size).toBe(5);
  });

  it('gives a StatefulSet Pod its address back when it is re-created', async () => {
    const namespace = await createTestNamespace(core, 'sts');
    const pool = `pa-sts-${suffix}`;
    createPool(pool, '  subnet: 172.28.7.0/24\n  ips: ["172.28.7.10-172.28.7.19"]\n');
    await createStatefulSet(apps, namespace, { name: 'db', replicas: 2, annotations: ippoolAnnotation({ ipv4: [pool] }) });
    const ipOf = (name: string, notUid?: string) =>
      pollUntil(`${name} to run`, 60_000, async () => {
        const p = await core.readNamespacedPod({ namespace, name }).catch(() => undefined);
        return p?.status?.phase === 'Running' && p.metadata?.uid !== notUid
          ? { done: true, value: p }
          : { done: false, seen: p?.status?.phase ?? 'absent' };
      });
    const before = await ipOf('db-1');
    await core.deleteNamespacedPod({ namespace, name: 'db-1' });
    const after = await ipOf('db-1', before.metadata?.uid);
    expect(eth0(after).ipv4).toBe(eth0(before).ipv4);
    expect(
      Object.values(records(pool))
        .map((r) => r.pod)
        .sort(),
    ).toEqual([`${namespace}/db-0`, `${namespace}/db-1`]);
  });
});
