// Releasing addresses on the real control plane: reservations made at admission are bound to the Pods that carry
// their token, and addresses come back when Pods are gone or finished, while a StatefulSet Pod keeps its address
// across incarnations as long as its ordinal is wanted. CIDR 172.23.0.0/16 is this file's own.
import { randomBytes } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAssignedResult } from '../../ipam/model/index.js';
import { clients, createTestNamespace, kubectl, pollUntil } from '../support/cluster.js';
import { createDeployment, createStatefulSet, ippoolAnnotation, podOf, runningPods } from '../support/workloads.js';

const { core, apps, batch } = clients();
const suffix = randomBytes(3).toString('hex');
const pools: string[] = [];
/** Milliseconds from a Pod's deletion (or completion) until its address was free again, for the summary below. */
const releaseTimes: number[] = [];

type Records = Record<string, { pod: string; podUid: string; token?: string; at?: number }>;

function createPool(name: string, range: string, subnet: string): void {
  pools.push(name);
  const res = kubectl(
    ['apply', '-f', '-'],
    `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: ${name}}\nspec: {subnet: ${subnet}, ips: ["${range}"]}\n`,
  );
  if (res.status !== 0) throw new Error(res.stderr);
}

function records(pool: string): Records {
  const text = kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.status.allocatedIPs}']).stdout;
  return text ? JSON.parse(text) : {};
}

const ipOf = (pod: V1Pod): string => {
  const parsed = parseAssignedResult(pod.metadata?.annotations?.['ipam.spidernet.io/assigned-eth0'] ?? '', 'eth0');
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value.ipv4.split('/')[0] ?? '';
};

async function livePods(namespace: string, labelSelector?: string): Promise<V1Pod[]> {
  const pods = (await core.listNamespacedPod({ namespace, ...(labelSelector ? { labelSelector } : {}) })).items;
  return pods.filter((p) => !p.metadata?.deletionTimestamp);
}

/** Waits until the pool's records are exactly the given Pods, each bound to its name and UID. */
async function recordsMatch(pool: string, pods: () => Promise<V1Pod[]>, what: string): Promise<Records> {
  return pollUntil(what, 60_000, async () => {
    const current = await pods();
    const want = Object.fromEntries(
      current.map((p) => [ipOf(p), { pod: `${p.metadata?.namespace}/${p.metadata?.name}`, podUid: p.metadata?.uid }]),
    );
    const have = records(pool);
    const same =
      JSON.stringify(Object.keys(have).sort()) === JSON.stringify(Object.keys(want).sort()) &&
      Object.entries(want).every(([ip, r]) => have[ip]?.pod === r.pod && have[ip]?.podUid === r.podUid && have[ip]?.token === undefined);
    return same ? { done: true, value: have } : { done: false, seen: `records ${JSON.stringify(have)}; Pods ${JSON.stringify(want)}` };
  });
}

/**
 * Waits until none of `ips` is recorded in the pool. Returns, and records for the summary, the time from the moment
 * the last of their Pods was seen gone (or finished) to the release: Kubernetes' own time to delete a Pod is not ours.
 */
async function released(pool: string, ips: string[], what: string): Promise<number> {
  const holders = new Set(ips.map((ip) => records(pool)[ip]?.pod).filter((p): p is string => p !== undefined));
  let goneAt: number | undefined;
  await pollUntil(
    what,
    60_000,
    async () => {
      if (goneAt === undefined) {
        const live = await Promise.all(
          [...holders].map(async (key) => {
            const [namespace = '', name = ''] = key.split('/');
            const pod = await core.readNamespacedPod({ namespace, name }).catch(() => undefined);
            return pod !== undefined && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
          }),
        );
        if (!live.some(Boolean)) goneAt = Date.now();
      }
      const left = ips.filter((ip) => ip in records(pool));
      return left.length === 0 ? { done: true, value: true } : { done: false, seen: `still recorded: ${left.join(', ')}` };
    },
    100,
  );
  const took = Date.now() - (goneAt ?? Date.now());
  releaseTimes.push(took);
  return took;
}

afterAll(async () => {
  // A pool in use cannot be deleted: wait for the releaser to empty it first.
  for (const pool of pools) {
    await pollUntil(`pool ${pool} empty`, 20_000, async () => {
      const count = kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.status.allocatedIPCount}', '--ignore-not-found']).stdout;
      return count === '' || count === '0' ? { done: true, value: true } : { done: false, seen: `${count} allocated` };
    }).catch(() => undefined);
    kubectl(['delete', `sp/${pool}`, '--ignore-not-found', '--wait=false']);
  }
  if (releaseTimes.length > 0) {
    const sorted = [...releaseTimes].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(`release latency over ${sorted.length} releases: median ${median} ms, max ${sorted[sorted.length - 1]} ms`);
  }
});

describe('releasing addresses', () => {
  it("binds a Deployment's reservations to its Pods and releases them on scale-down and deletion", async () => {
    const namespace = await createTestNamespace(core, 'release');
    const pool = `rel-dep-${suffix}`;
    createPool(pool, '172.23.1.10-172.23.1.19', '172.23.1.0/24');
    await createDeployment(apps, namespace, { name: 'rel', replicas: 3, annotations: ippoolAnnotation({ ipv4: [pool] }) });
    const pods = () => livePods(namespace, 'app=rel');
    await pollUntil('3 Pods', 60_000, async () =>
      (await pods()).length === 3 ? { done: true, value: true } : { done: false, seen: 'fewer Pods' },
    );
    const bound = await recordsMatch(pool, pods, 'the records bound to the 3 Pods');
    expect(Object.keys(bound)).toHaveLength(3);

    const before = new Set(Object.keys(bound));
    expect(kubectl(['scale', '-n', namespace, 'deployment/rel', '--replicas=1']).status).toBe(0);
    await pollUntil('1 Pod left', 60_000, async () =>
      (await pods()).length === 1 ? { done: true, value: true } : { done: false, seen: 'more' },
    );
    const left = await recordsMatch(pool, pods, 'the records of the 1 Pod left');
    expect(Object.keys(left)).toHaveLength(1);
    const gone = [...before].filter((ip) => !(ip in left));

    await apps.deleteNamespacedDeployment({ namespace, name: 'rel' });
    await released(pool, [...before], 'every address back after the Deployment is deleted');
    expect(gone).toHaveLength(2);
    expect(kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.status.allocatedIPCount}']).stdout).toBe('0');
  });

  it("releases a Job Pod's address when it completes, while the Pod object still exists", async () => {
    const namespace = await createTestNamespace(core, 'release-job');
    const pool = `rel-job-${suffix}`;
    createPool(pool, '172.23.2.10-172.23.2.19', '172.23.2.0/24');
    await batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'once' },
        spec: {
          template: {
            metadata: { annotations: ippoolAnnotation({ ipv4: [pool] }) },
            spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] },
          },
        },
      },
    });
    const pod = await pollUntil('the Job Pod to succeed', 60_000, async () => {
      const done = (await core.listNamespacedPod({ namespace })).items.find((p) => p.status?.phase === 'Succeeded');
      return done ? { done: true, value: done } : { done: false, seen: 'not yet' };
    });
    const ip = ipOf(pod);
    await released(pool, [ip], 'the completed Job Pod address released');
    // The Pod is still there: finished, it never uses its address again.
    expect((await core.readNamespacedPod({ namespace, name: pod.metadata?.name ?? '' })).status?.phase).toBe('Succeeded');
  });

  it('gives each StatefulSet Pod its address back when deleted, and releases the addresses of ordinals scaled away', async () => {
    const namespace = await createTestNamespace(core, 'release-sts');
    const pool = `rel-sts-${suffix}`;
    createPool(pool, '172.23.3.10-172.23.3.19', '172.23.3.0/24');
    await createStatefulSet(apps, namespace, {
      name: 'web',
      replicas: 3,
      podManagementPolicy: 'Parallel',
      annotations: ippoolAnnotation({ ipv4: [pool] }),
    });
    const pods = () => livePods(namespace, 'app=web');
    const first = await runningPods(core, namespace, { app: 'web' }, 3);
    await recordsMatch(pool, pods, 'the records bound to web-0..2');
    const addressOf = new Map(first.map((p) => [p.metadata?.name ?? '', ipOf(p)]));
    const uids = new Set(first.map((p) => p.metadata?.uid));

    for (const name of addressOf.keys()) await core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });
    const again = await pollUntil('web-0..2 re-created and running', 60_000, async () => {
      const current = (await pods()).filter((p) => p.status?.phase === 'Running' && !uids.has(p.metadata?.uid));
      return current.length === 3 ? { done: true, value: current } : { done: false, seen: `${current.length} new Pods running` };
    });
    for (const pod of again) expect(ipOf(pod)).toBe(addressOf.get(pod.metadata?.name ?? ''));
    // The records follow the new UIDs.
    await recordsMatch(pool, pods, 'the records re-bound to the new web-0..2');

    expect(kubectl(['scale', '-n', namespace, 'statefulset/web', '--replicas=1']).status).toBe(0);
    await released(pool, [addressOf.get('web-1') ?? '', addressOf.get('web-2') ?? ''], 'web-1 and web-2 released');
    expect(Object.keys(records(pool))).toEqual([addressOf.get('web-0')]);

    await apps.deleteNamespacedStatefulSet({ namespace, name: 'web' });
    await released(pool, [addressOf.get('web-0') ?? ''], 'web-0 released with its StatefulSet');
  });

  it('moves a StatefulSet Pod to the pool its template names after a change, and releases its old address', async () => {
    const namespace = await createTestNamespace(core, 'release-move');
    const from = `rel-from-${suffix}`;
    const to = `rel-to-${suffix}`;
    createPool(from, '172.23.5.10-172.23.5.19', '172.23.5.0/24');
    createPool(to, '172.23.6.10-172.23.6.19', '172.23.6.0/24');
    await createStatefulSet(apps, namespace, { name: 'db', replicas: 1, annotations: ippoolAnnotation({ ipv4: [from] }) });
    const pods = () => livePods(namespace, 'app=db');
    await recordsMatch(from, pods, 'db-0 bound in the first pool');
    const [old] = await pods();
    const oldIP = ipOf(old as V1Pod);
    const patch = JSON.stringify({ spec: { template: { metadata: { annotations: ippoolAnnotation({ ipv4: [to] }) } } } });
    expect(kubectl(['patch', '-n', namespace, 'statefulset/db', '--type=merge', '-p', patch]).status).toBe(0);
    // The rolling update re-creates db-0; the new one takes an address of the new pool.
    const moved = await pollUntil('db-0 re-created in the new pool', 60_000, async () => {
      const pod = (await pods()).find((p) => p.metadata?.uid !== old?.metadata?.uid && p.status?.phase === 'Running');
      return pod ? { done: true, value: pod } : { done: false, seen: 'the old db-0 still runs' };
    });
    expect(ipOf(moved).startsWith('172.23.6.')).toBe(true);
    await recordsMatch(to, pods, 'db-0 bound in the new pool');
    await released(from, [oldIP], 'the old address released');
    await apps.deleteNamespacedStatefulSet({ namespace, name: 'db' });
  });

  it('releases the address of a Pod left Terminating on a NotReady node once its deletion deadline has passed', async () => {
    // A node no kubelet (and no kwok) speaks for: a Pod deleted there stays Terminating for good, so the releaser
    // must not wait for it to go. The taint keeps every other test's Pods off it; this Pod names the node itself.
    const node = `lost-${suffix}`;
    await core.createNode({
      body: {
        metadata: { name: node, labels: { 'kubernetes.io/hostname': node } },
        spec: { taints: [{ key: 'ipam-test.admission-ipam.io/lost', effect: 'NoSchedule' }] },
      },
    });
    const namespace = await createTestNamespace(core, 'release-lost');
    const pool = `rel-lost-${suffix}`;
    createPool(pool, '172.23.7.10-172.23.7.19', '172.23.7.0/24');
    try {
      const notReady = JSON.stringify({
        status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'no kubelet in this test' }] },
      });
      const patched = kubectl(['patch', 'node', node, '--subresource=status', '--type=merge', '-p', notReady]);
      expect(patched.status, patched.stderr).toBe(0);
      const created = await core.createNamespacedPod({
        namespace,
        body: podOf({ name: 'stuck', annotations: ippoolAnnotation({ ipv4: [pool] }) }, { nodeName: node }),
      });
      const ip = ipOf(created);
      await recordsMatch(pool, () => livePods(namespace), 'the record bound to the Pod on the lost node');

      const graceSeconds = 10;
      await core.deleteNamespacedPod({ namespace, name: 'stuck', gracePeriodSeconds: graceSeconds });
      const terminating = await core.readNamespacedPod({ namespace, name: 'stuck' });
      const deadline = new Date(terminating.metadata?.deletionTimestamp ?? 0).getTime();
      expect(deadline).toBeGreaterThan(0);
      // Before the deadline the node might still report the Pod gone: the address stays.
      if (Date.now() < deadline - 2000) expect(records(pool)[ip]?.podUid).toBe(created.metadata?.uid);

      await pollUntil('the address of the Pod on the lost node released', 90_000, async () =>
        ip in records(pool) ? { done: false, seen: JSON.stringify(records(pool)[ip]) } : { done: true, value: true },
      );
      // Released while the Pod object still exists, and not before its deadline (the API server's clock, one second of
      // resolution).
      expect(Date.now()).toBeGreaterThanOrEqual(deadline - 1000);
      const still = await core.readNamespacedPod({ namespace, name: 'stuck' });
      expect(still.metadata?.deletionTimestamp).toBeTruthy();
      expect(still.metadata?.uid).toBe(created.metadata?.uid);
    } finally {
      kubectl(['delete', 'pod', '-n', namespace, 'stuck', '--grace-period=0', '--force', '--ignore-not-found']);
      await core.deleteNode({ name: node });
    }
  });

  it('releases the reservation of a Pod refused after admission once the grace period is over', async () => {
    const namespace = await createTestNamespace(core, 'release-refused');
    const pool = `rel-refused-${suffix}`;
    createPool(pool, '172.23.4.10-172.23.4.19', '172.23.4.0/24');
    // A validating admission policy runs after every mutating webhook: the address is reserved, then the Pod refused.
    const policy = `rel-refuse-${suffix}`;
    const manifest = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: ${policy}}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}]
  validations:
  - expression: "!has(object.metadata.labels) || !('refuse-me' in object.metadata.labels)"
    message: refused by the test policy
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: ${policy}}
spec:
  policyName: ${policy}
  validationActions: [Deny]
  matchResources:
    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${namespace}}}
`;
    expect(kubectl(['apply', '-f', '-'], manifest).status).toBe(0);
    try {
      const refusal = await pollUntil('the policy to refuse a Pod', 60_000, async () => {
        const res = kubectl(
          ['create', '-f', '-'],
          `apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: refused-\n  namespace: ${namespace}\n  labels: {refuse-me: "yes"}\n  annotations: {ipam.spidernet.io/ippool: '{"ipv4":["${pool}"]}'}\nspec: {containers: [{name: a, image: x}]}\n`,
        );
        return res.status !== 0 && res.stderr.includes('refused by the test policy')
          ? { done: true, value: res.stderr }
          : { done: false, seen: res.stderr || 'created' };
      });
      expect(refusal).toContain('refused by the test policy');
    } finally {
      kubectl(['delete', 'validatingadmissionpolicybinding', policy, '--ignore-not-found']);
      kubectl(['delete', 'validatingadmissionpolicy', policy, '--ignore-not-found']);
    }
    // Pods created before the policy took effect hold bound records; the refused ones left pending records.
    const created = new Set((await core.listNamespacedPod({ namespace })).items.map((p) => `${namespace}/${p.metadata?.name}`));
    const pending = Object.entries(records(pool)).filter(([, r]) => !created.has(r.pod));
    expect(pending.length).toBeGreaterThan(0);
    for (const [, record] of pending) {
      expect(record.podUid).toBe('');
      expect(record.token).toBeTruthy();
    }
    const since = Date.now();
    // The test cluster runs with a 15 s grace period.
    await pollUntil('the pending reservations released', 90_000, async () => {
      const left = pending.map(([ip]) => ip).filter((ip) => ip in records(pool));
      return left.length === 0 ? { done: true, value: true } : { done: false, seen: left.join(', ') };
    });
    console.log(`a refused Pod's reservation was released ${Date.now() - since} ms after the refusal`);
    await core.deleteCollectionNamespacedPod({ namespace });
  });
});
