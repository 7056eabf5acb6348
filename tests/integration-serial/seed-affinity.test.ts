// Seed 003 (SpiderIPPool affinity) walked through on the real cluster: the manifests of examples/affinity/ are
// applied verbatim, as the reader of the seed applies them; around them the tests only add the namespaces and the
// NetworkAttachmentDefinitions the seed names but does not show (tests/fixtures/seed-nads/), and a fourth fake node
// named node1, the node the seed's pools are tied to.
// The manifests use fixed cluster-wide names and the CIDRs 10.6.0.0/16, 10.7.0.0/16 and 172.18.0.0/16 that
// tests/integration/seed-examples.test.ts also uses, so this file runs in the serial project, after the others, and
// every walkthrough removes what it created (the releaser frees the addresses before the pools are deleted).
import { resolve } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { fakeNode } from '../../cluster/src/nodes.js';
import { type AssignedResult, parseAssignedResult } from '../../ipam/model/index.js';
import { clients, kubectl, pollUntil } from '../support/cluster.js';

const { core, apps } = clients();
const repoRoot = resolve(import.meta.dirname, '..', '..');
const seed = (file: string) => `${repoRoot}/examples/affinity/${file}`;
const nad = (file: string) => `${repoRoot}/tests/fixtures/seed-nads/${file}`;

const ippoolAnnotation = 'ipam.spidernet.io/ippool';
const ippoolsAnnotation = 'ipam.spidernet.io/ippools';

/** What a walkthrough leaves behind, removed in this order: workloads, then (once empty) pools, then the rest. */
interface Walkthrough {
  /** Manifests of workloads, with the namespace and label selector of their Pods. */
  workloads: Array<{ file: string; namespace: string; selector: string }>;
  pools: Array<{ file: string; names: string[] }>;
  namespaces?: string[];
  nads?: string[];
}

function apply(path: string): void {
  const res = kubectl(['apply', '-f', path]);
  expect(res.status, `kubectl apply -f ${path}: ${res.stderr}`).toBe(0);
  // Only warnings may be printed (the finalizer name of the pools).
  for (const line of res.stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^Warning: /);
}

function deleteFile(path: string): void {
  const res = kubectl(['delete', '-f', path, '--ignore-not-found', '--wait=true', '--timeout=50s']);
  if (res.status !== 0) throw new Error(`kubectl delete -f ${path}: ${res.stderr}`);
}

interface PoolState {
  count: number;
  records: Record<string, { pod: string; podUid: string }>;
}

function poolState(pool: string): PoolState {
  const res = kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.status.allocatedIPCount}|{.status.allocatedIPs}']);
  if (res.status !== 0) throw new Error(`kubectl get sp/${pool}: ${res.stderr}`);
  const [count = '', records = ''] = res.stdout.split('|');
  return { count: Number(count || 0), records: records ? JSON.parse(records) : {} };
}

/** The pool once the releaser has bound every reservation to its Pod (it batches bindings over about a second). */
async function boundPoolState(pool: string): Promise<PoolState> {
  return pollUntil(`${pool}: every record bound to its Pod`, 30_000, async () => {
    const state = poolState(pool);
    const pending = Object.values(state.records).filter((r) => r.podUid === '' || 'token' in r);
    return pending.length === 0 ? { done: true, value: state } : { done: false, seen: JSON.stringify(state.records) };
  });
}

async function poolEmpty(pool: string): Promise<void> {
  await pollUntil(`${pool} to have no allocated IP`, 30_000, async () => {
    const state = poolState(pool);
    return state.count === 0 && Object.keys(state.records).length === 0
      ? { done: true, value: undefined }
      : { done: false, seen: `allocatedIPCount ${state.count}, allocatedIPs ${JSON.stringify(state.records)}` };
  });
}

/** The Pods of a selector that are not being deleted. */
async function livePods(namespace: string, selector: string): Promise<V1Pod[]> {
  const pods = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items;
  return pods.filter((p) => !p.metadata?.deletionTimestamp);
}

async function runningPods(namespace: string, selector: string, count: number): Promise<V1Pod[]> {
  return pollUntil(`${count} Running Pod(s) ${selector} in ${namespace}`, 60_000, async () => {
    const pods = await livePods(namespace, selector);
    const running = pods.filter((p) => p.status?.phase === 'Running');
    return running.length === count && pods.length === count
      ? { done: true, value: running }
      : { done: false, seen: pods.map((p) => `${p.metadata?.name} ${p.status?.phase}`).join(', ') || 'no Pod' };
  });
}

function assigned(pod: V1Pod, interfaceName: string): AssignedResult {
  const text = pod.metadata?.annotations?.[`ipam.spidernet.io/assigned-${interfaceName}`];
  if (text === undefined) throw new Error(`pod ${pod.metadata?.name} has no ipam.spidernet.io/assigned-${interfaceName}`);
  const result = parseAssignedResult(text, interfaceName);
  if (!result.ok) throw new Error(`pod ${pod.metadata?.name}: ${result.reason}`);
  return result.value;
}

/** "10.6.168.151/16" … "10.6.168.160/16": the addresses of a pool's `ips` range, with the subnet's prefix. */
function addresses(prefix: string, first: number, last: number, bits: number): string[] {
  return Array.from({ length: last - first + 1 }, (_, i) => `${prefix}.${first + i}/${bits}`);
}

/** The UID of the ReplicaSet a Deployment created: its FailedCreate events are attached to it. */
async function replicaSetUid(namespace: string, deployment: string, selector: string): Promise<string> {
  return pollUntil(`the ReplicaSet of ${namespace}/${deployment}`, 30_000, async () => {
    const sets = (await apps.listNamespacedReplicaSet({ namespace, labelSelector: selector })).items;
    const owned = sets.find((rs) => rs.metadata?.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === deployment));
    const uid = owned?.metadata?.uid;
    return uid ? { done: true, value: uid } : { done: false, seen: `${sets.length} ReplicaSet(s)` };
  });
}

/** The first FailedCreate event of the object `uid` whose message matches `pattern`. */
async function refusal(namespace: string, uid: string, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return pollUntil(`a FailedCreate event matching ${pattern}`, timeoutMs, async () => {
    const events = (await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.uid=${uid},reason=FailedCreate` })).items;
    const message = events.map((e) => e.message ?? '').find((m) => pattern.test(m));
    return message
      ? { done: true, value: message }
      : { done: false, seen: events.map((e) => e.message).join(' | ') || 'no FailedCreate event' };
  });
}

/**
 * Removes what a walkthrough created. The pools are deleted only once the releaser has freed every address (a pool
 * in use cannot be deleted); with `force` (after a failed test, or leftovers of an interrupted run) records left
 * anyway are cleared first, so that the next walkthrough, which reuses names and ranges, can start.
 */
async function tearDown(w: Walkthrough, force = false): Promise<void> {
  for (const { file } of w.workloads) deleteFile(file);
  for (const { namespace, selector } of w.workloads) {
    await pollUntil(`the Pods ${selector} in ${namespace} to be gone`, 60_000, async () => {
      const left = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items.length;
      return left === 0 ? { done: true, value: undefined } : { done: false, seen: `${left} Pod(s) left` };
    });
  }
  for (const { file, names } of w.pools) {
    for (const name of names) {
      if (kubectl(['get', `sp/${name}`, '--ignore-not-found', '-o', 'name']).stdout.trim() === '') continue;
      if (force) {
        kubectl(['patch', `sp/${name}`, '--subresource=status', '--type=merge', '-p', '{"status":{"allocatedIPs":null}}']);
      } else {
        await poolEmpty(name);
      }
    }
    deleteFile(file);
  }
  // One call, so that the namespace controller empties them side by side (about 5 s each).
  if (w.namespaces?.length) {
    const res = kubectl(['delete', 'namespace', ...w.namespaces, '--ignore-not-found', '--wait=true', '--timeout=50s']);
    if (res.status !== 0) throw new Error(`kubectl delete namespace ${w.namespaces.join(' ')}: ${res.stderr}`);
  }
  for (const file of w.nads ?? []) deleteFile(file);
}

/** Runs a walkthrough: leftovers of an interrupted run removed first, everything removed after, even on failure. */
async function walk(w: Walkthrough, body: () => Promise<void>): Promise<void> {
  let cleaned = false;
  onTestFinished(async () => {
    if (!cleaned) await tearDown(w, true);
  });
  await tearDown(w, true);
  await body();
  await tearDown(w);
  cleaned = true;
}

const podAffinity: Walkthrough = {
  workloads: [
    { file: seed('pod-affinity-test-app-3-deployment.yaml'), namespace: 'default', selector: 'app=test-app-3' },
    { file: seed('pod-affinity-test-unmatch-labels-deployment.yaml'), namespace: 'default', selector: 'app=test-unmatch-labels' },
  ],
  pools: [{ file: seed('pod-affinity-test-pod-ippool.yaml'), names: ['test-pod-ippool'] }],
};

// The default network of every Pod in the first three walkthroughs.
beforeAll(() => apply(nad('macvlan-ens192.yaml')));
afterAll(() => deleteFile(nad('macvlan-ens192.yaml')));

describe.sequential('seed 003: SpiderIPPool affinity, manifests applied unchanged', () => {
  it('pod affinity: test-app-3 gets an address of test-pod-ippool; test-unmatch-labels gets no Pod, and the ReplicaSet says why', async () => {
    await walk(podAffinity, async () => {
      apply(seed('pod-affinity-test-pod-ippool.yaml'));
      apply(seed('pod-affinity-test-app-3-deployment.yaml'));
      const [pod] = await runningPods('default', 'app=test-app-3', 1);
      const eth0 = assigned(pod as V1Pod, 'eth0');
      expect(eth0.ipv4pool).toBe('test-pod-ippool');
      expect(addresses('10.6.168', 151, 160, 16)).toContain(eth0.ipv4);
      expect(pod?.status?.podIP).toBe(eth0.ipv4.split('/')[0]);

      apply(seed('pod-affinity-test-unmatch-labels-deployment.yaml'));
      const uid = await replicaSetUid('default', 'test-unmatch-labels', 'app=test-unmatch-labels');
      const message = await refusal('default', uid, /filtered out/);
      expect(message).toMatch(
        /pod default\/test-unmatch-labels-[a-z0-9]+-\*: eth0 IPv4: no IPPool available, all IPv4 IPPools \[test-pod-ippool\] of eth0 filtered out: test-pod-ippool: unmatched Pod affinity: the Pod's labels do not match spec\.podAffinity \(app=test-app-3\)/,
      );
      expect(await livePods('default', 'app=test-unmatch-labels')).toEqual([]);
      // The seed's `kubectl get spiderippool`: one address allocated, to test-app-3's Pod only.
      const state = await boundPoolState('test-pod-ippool');
      expect(state.count).toBe(1);
      expect(state.records).toEqual({
        [eth0.ipv4.split('/')[0] as string]: { pod: `default/${pod?.metadata?.name}`, podUid: pod?.metadata?.uid },
      });
    });
  });

  describe.sequential('namespace affinity', () => {
    it.each([
      [
        'namespace-affinity-test-ns1-ippool.yaml',
        'unmatched Namespace affinity: namespace "test-ns2" does not match spec.namespaceAffinity (kubernetes.io/metadata.name=test-ns1)',
      ],
      ['namespace-name-test-ns1-ippool.yaml', 'unmatched Namespace name: namespace "test-ns2" is not in spec.namespaceName [test-ns1]'],
    ])('%s: test-app-2 in test-ns1 gets an address; test-other-ns in test-ns2 is refused', async (poolFile, reason) => {
      const w: Walkthrough = {
        workloads: [
          { file: seed('namespace-affinity-test-app-2-deployment.yaml'), namespace: 'test-ns1', selector: 'app=test-app-2' },
          { file: seed('namespace-affinity-test-other-ns-deployment.yaml'), namespace: 'test-ns2', selector: 'app=test-other-ns' },
        ],
        pools: [{ file: seed(poolFile), names: ['test-ns1-ippool'] }],
        namespaces: ['test-ns1', 'test-ns2'],
      };
      await walk(w, async () => {
        // As the seed: `kubectl create ns`; the API server labels each with kubernetes.io/metadata.name, which is
        // what the namespaceAffinity of the pool selects.
        for (const namespace of ['test-ns1', 'test-ns2']) {
          const created = kubectl(['create', 'ns', namespace]);
          expect(created.status, created.stderr).toBe(0);
          const labels = (await core.readNamespace({ name: namespace })).metadata?.labels ?? {};
          expect(labels['kubernetes.io/metadata.name']).toBe(namespace);
        }
        apply(seed(poolFile));
        apply(seed('namespace-affinity-test-app-2-deployment.yaml'));
        const [pod] = await runningPods('test-ns1', 'app=test-app-2', 1);
        const eth0 = assigned(pod as V1Pod, 'eth0');
        expect(eth0.ipv4pool).toBe('test-ns1-ippool');
        expect(addresses('10.6.168', 111, 120, 16)).toContain(eth0.ipv4);

        apply(seed('namespace-affinity-test-other-ns-deployment.yaml'));
        const uid = await replicaSetUid('test-ns2', 'test-other-ns', 'app=test-other-ns');
        const message = await refusal('test-ns2', uid, /filtered out/);
        expect(message).toContain(
          'eth0 IPv4: no IPPool available, all IPv4 IPPools [test-ns1-ippool] of eth0 filtered out: test-ns1-ippool: ',
        );
        expect(message).toContain(reason);
        expect(await livePods('test-ns2', 'app=test-other-ns')).toEqual([]);
        const state = await boundPoolState('test-ns1-ippool');
        expect(state.count).toBe(1);
        expect(Object.values(state.records)).toEqual([{ pod: `test-ns1/${pod?.metadata?.name}`, podUid: pod?.metadata?.uid }]);
      });
    });
  });

  describe.sequential('node affinity, on a fourth fake node named node1', () => {
    const node1 = 'node1';
    // A NoSchedule taint no DaemonSet Pod tolerates, held on the other nodes while the DaemonSet starts.
    const hold = 'seed-affinity.admission-ipam.io/hold';
    let otherNodes: string[] = [];

    function untaint(): void {
      if (otherNodes.length > 0) kubectl(['taint', 'nodes', ...otherNodes, `${hold}:NoSchedule-`]);
    }

    beforeAll(async () => {
      otherNodes = (await core.listNode()).items.map((n) => n.metadata?.name ?? '').filter((n) => n !== '' && n !== node1);
      untaint();
      // Built as cluster/src/nodes.ts builds kwok-node-N (kwok manages every Node with its annotation), renamed:
      // the seed's pools select kubernetes.io/hostname=node1 and nodeName node1.
      const node = fakeNode(otherNodes.length, otherNodes.length + 1);
      node.metadata = { ...node.metadata, name: node1, labels: { ...node.metadata?.labels, 'kubernetes.io/hostname': node1 } };
      kubectl(['delete', 'node', node1, '--ignore-not-found', '--wait=true']);
      await core.createNode({ body: node });
      await pollUntil(`node ${node1} to be Ready`, 60_000, async () => {
        const conditions = (await core.readNode({ name: node1 })).status?.conditions ?? [];
        return conditions.some((c) => c.type === 'Ready' && c.status === 'True')
          ? { done: true, value: undefined }
          : { done: false, seen: JSON.stringify(conditions) };
      });
    });

    afterAll(async () => {
      deleteFile(seed('node-affinity-test-app-1-daemonset.yaml'));
      untaint();
      await pollUntil(`the Pods on ${node1} to be gone`, 60_000, async () => {
        const left = (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node1}` })).items.length;
        return left === 0 ? { done: true, value: undefined } : { done: false, seen: `${left} Pod(s) left` };
      });
      kubectl(['delete', 'node', node1, '--ignore-not-found', '--wait=true', '--timeout=50s']);
    });

    it.each([
      [
        'node-affinity-test-node1-ippool.yaml',
        /unmatched Node affinity: node "([^"]+)" does not match spec\.nodeAffinity \(kubernetes\.io\/hostname in \(node1\)\)/,
      ],
      ['node-name-test-node1-ippool.yaml', /unmatched Node name: node "([^"]+)" is not in spec\.nodeName \[node1\]/],
    ])('%s: the DaemonSet Pod on node1 gets an address; the other nodes are refused', async (poolFile, reason) => {
      const daemonSet = seed('node-affinity-test-app-1-daemonset.yaml');
      const w: Walkthrough = {
        workloads: [{ file: daemonSet, namespace: 'default', selector: 'app=test-app-1' }],
        pools: [{ file: seed(poolFile), names: ['test-node1-ippool'] }],
      };
      onTestFinished(untaint);
      await walk(w, async () => {
        apply(seed(poolFile));
        // The DaemonSet controller creates Pods in slow-start batches of random node order and backs off after a
        // refused create, so with every node open it may try node1 first or only after minutes. The other nodes are
        // held closed while it starts, so its first Pod is node1's; opened again, they get their refusals.
        kubectl(['taint', 'nodes', ...otherNodes, `${hold}:NoSchedule`, '--overwrite']);
        apply(daemonSet);
        const [pod] = await runningPods('default', 'app=test-app-1', 1);
        expect(pod?.spec?.nodeName).toBe(node1);
        const eth0 = assigned(pod as V1Pod, 'eth0');
        expect(eth0.ipv4pool).toBe('test-node1-ippool');
        expect(addresses('10.6.168', 101, 110, 16)).toContain(eth0.ipv4);

        untaint();
        const uid = (await apps.readNamespacedDaemonSet({ namespace: 'default', name: 'test-app-1' })).metadata?.uid ?? '';
        const message = await refusal('default', uid, reason);
        expect(message).toMatch(
          /pod default\/test-app-1-\*: eth0 IPv4: no IPPool available, all IPv4 IPPools \[test-node1-ippool\] of eth0 filtered out: test-node1-ippool: /,
        );
        expect(otherNodes).toContain(reason.exec(message)?.[1]);
        // The seed's `kubectl get po -l app=test-app-1`: the DaemonSet wants a Pod on every node, only node1's exists.
        await pollUntil('the DaemonSet to count 4 nodes and 1 Pod', 30_000, async () => {
          const status = (await apps.readNamespacedDaemonSet({ namespace: 'default', name: 'test-app-1' })).status;
          const seen = `desired ${status?.desiredNumberScheduled}, current ${status?.currentNumberScheduled}`;
          return status?.desiredNumberScheduled === otherNodes.length + 1 && status.currentNumberScheduled === 1
            ? { done: true, value: undefined }
            : { done: false, seen };
        });
        expect((await livePods('default', 'app=test-app-1')).map((p) => p.spec?.nodeName)).toEqual([node1]);
        const state = await boundPoolState('test-node1-ippool');
        expect(state.count).toBe(1);
        expect(Object.values(state.records)).toEqual([{ pod: `default/${pod?.metadata?.name}`, podUid: pod?.metadata?.uid }]);
      });
    });
  });

  it('multus default pools: eth0 and net1 of test-app get addresses from the default pool tied to their NAD', async () => {
    const w: Walkthrough = {
      workloads: [{ file: seed('multus-test-app-deployment-two-nics.yaml'), namespace: 'default', selector: 'app=test-app' }],
      pools: [{ file: seed('multus-default-ippools-eth0-eth1.yaml'), names: ['test-ippool-eth0', 'test-ippool-eth1'] }],
      nads: [nad('macvlan-vlan0-eth0.yaml'), nad('macvlan-vlan0-eth1.yaml')],
    };
    await walk(w, async () => {
      for (const file of w.nads ?? []) apply(file);
      apply(seed('multus-default-ippools-eth0-eth1.yaml'));
      apply(seed('multus-test-app-deployment-two-nics.yaml'));
      const [pod] = await runningPods('default', 'app=test-app', 1);
      const annotations = pod?.metadata?.annotations ?? {};
      // No IPAM annotation: the pools are cluster defaults, and multusName picks one per interface. eth0 is ours
      // because its default network (v1.multus-cni.io/default-network) is a NAD whose IPAM is spiderpool.
      expect(annotations).not.toHaveProperty([ippoolAnnotation]);
      expect(annotations).not.toHaveProperty([ippoolsAnnotation]);
      const eth0 = assigned(pod as V1Pod, 'eth0');
      const net1 = assigned(pod as V1Pod, 'net1');
      expect(eth0.ipv4pool).toBe('test-ippool-eth0');
      expect(addresses('10.6.168', 151, 160, 16)).toContain(eth0.ipv4);
      expect(net1.ipv4pool).toBe('test-ippool-eth1');
      expect(addresses('10.7.168', 151, 160, 16)).toContain(net1.ipv4);
      for (const pool of ['test-ippool-eth0', 'test-ippool-eth1']) {
        const state = await boundPoolState(pool);
        expect(state.count).toBe(1);
        expect(Object.values(state.records)).toEqual([{ pod: `default/${pod?.metadata?.name}`, podUid: pod?.metadata?.uid }]);
      }
    });
  });

  it('shared static pool: both Deployments draw distinct addresses from shared-static-ipv4-ippool', async () => {
    const w: Walkthrough = {
      workloads: [{ file: seed('shared-static-ippool-deployments.yaml'), namespace: 'default', selector: 'app=static' }],
      pools: [{ file: seed('shared-static-ipv4-ippool.yaml'), names: ['shared-static-ipv4-ippool'] }],
    };
    await walk(w, async () => {
      apply(seed('shared-static-ipv4-ippool.yaml'));
      apply(seed('shared-static-ippool-deployments.yaml'));
      const pods = await runningPods('default', 'app=static', 4);
      const byDeployment = pods.map((p) => /^(shared-static-ippool-deploy-[12])-/.exec(p.metadata?.name ?? '')?.[1]).sort();
      expect(byDeployment).toEqual([
        'shared-static-ippool-deploy-1',
        'shared-static-ippool-deploy-1',
        'shared-static-ippool-deploy-2',
        'shared-static-ippool-deploy-2',
      ]);
      const results = pods.map((p) => assigned(p, 'eth0'));
      expect(results.every((r) => r.ipv4pool === 'shared-static-ipv4-ippool')).toBe(true);
      // Four Pods, four addresses in the pool: every one handed out once (the seed's 172.18.41.44-47).
      expect(results.map((r) => r.ipv4).sort()).toEqual(addresses('172.18.41', 44, 47, 24));
      const state = await boundPoolState('shared-static-ipv4-ippool');
      expect(state.count).toBe(4);
      expect(
        Object.values(state.records)
          .map((r) => r.pod)
          .sort(),
      ).toEqual(pods.map((p) => `default/${p.metadata?.name}`).sort());
    });
  });
});
