// Automatic pools from SpiderSubnets on the real control plane (behaviour §4), with the seed Deployments applied
// unchanged: one pool per (workload, interface, family), sized replicas + N, grown and shrunk with the replica count,
// deleted with the workload unless `ippool-reclaim: "false"` keeps it for the next one of the same name; a CronJob's
// pool follows its jobTemplate; moving a workload to another subnet is refused with a Warning event. CIDRs
// 172.21.0.0/16 except 172.21.6.0/24 are this file's own (auto-pools-race.test.ts has 172.21.6.0/24 and fd21::/64).
// Where a test needs the addresses of deleted Pods back, it waits for the releaser (releaseRecordsOfGonePods).
import { afterAll, describe, expect, it } from 'vitest';
import { contains, parseIP, parseRangeList } from '../../ipam/ip/index.js';
import {
  addressOf,
  applyFile,
  applyYaml,
  deleteSubnets,
  entryOf,
  getPool,
  getSubnet,
  poolsOf,
  recordsOf,
  releaseRecordsOfGonePods,
  sizeOf,
} from '../support/auto-pools.js';
import { clients, createTestNamespace, kubectl, pollUntil, withClusterLock } from '../support/cluster.js';
import { applyDeployment, runningPods, subnetAnnotation } from '../support/workloads.js';

const { core, custom } = clients();
const subnets: string[] = [];

function createSubnet(name: string, cidr: string, ips: string, gateway: string): void {
  subnets.push(name);
  applyYaml(
    `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderSubnet\nmetadata: {name: ${name}}\nspec: {subnet: ${cidr}, ips: ["${ips}"], gateway: ${gateway}}\n`,
  );
}

/** Deletes a workload, releases what its Pods held, and waits for its pools to go (reclaim) or not. */
async function deleteWorkload(kind: string, namespace: string, name: string, labels: Record<string, string>): Promise<void> {
  const pools = await poolsOf(custom, kind, namespace, name);
  expect(kubectl(['delete', '-n', namespace, kind.toLowerCase(), name, '--wait=true', '--timeout=60s']).status).toBe(0);
  await pollUntil(`the Pods of ${kind} ${namespace}/${name} to go`, 60_000, async () => {
    const left = (
      await core.listNamespacedPod({
        namespace,
        labelSelector: Object.entries(labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      })
    ).items;
    return left.length === 0 ? { done: true, value: undefined } : { done: false, seen: `${left.length} Pods` };
  });
  for (const pool of pools) await releaseRecordsOfGonePods(core, custom, pool.metadata.name ?? '', namespace);
}

async function waitPoolSize(kind: string, namespace: string, name: string, size: number, pools = 1) {
  return pollUntil(`${pools} pool(s) of ${kind} ${namespace}/${name} with ${size} IPs`, 60_000, async () => {
    const found = await poolsOf(custom, kind, namespace, name);
    const ok =
      found.length === pools &&
      found.every((p) => sizeOf(p) === size && !p.metadata.annotations?.['admission-ipam.spidernet.io/releasing-ips']);
    return ok
      ? { done: true, value: found }
      : { done: false, seen: found.map((p) => `${p.metadata.name}:${JSON.stringify(p.spec.ips)}`).join(' ') || 'none' };
  });
}

async function waitSubnetCount(name: string, allocated: number): Promise<void> {
  await pollUntil(`SpiderSubnet ${name} to count ${allocated} IPs`, 60_000, async () => {
    const s = await getSubnet(custom, name);
    return s.status?.allocatedIPCount === allocated
      ? { done: true, value: undefined }
      : { done: false, seen: `${s.status?.allocatedIPCount} ${s.status?.controlledIPPools}` };
  });
}

afterAll(() => deleteSubnets(subnets));

describe.sequential('automatic pools', () => {
  it('seed 000: nginx (subnet, +3) gets one pool of 5; 3 replicas: 6; 1 replica: 4; deleted: the pool goes, the subnet counts return', async () => {
    const namespace = await createTestNamespace(core, 'auto-nginx');
    createSubnet('nginx-subnet-v4', '172.21.1.0/24', '172.21.1.90-172.21.1.120', '172.21.1.1');
    applyFile('examples/fixed-ip-calico/nginx-deployment-auto-pool-from-subnet.yaml', namespace);
    const pods = await runningPods(core, namespace, { app: 'nginx' }, 2);
    const [pool] = await waitPoolSize('Deployment', namespace, 'nginx', 5);
    if (!pool?.metadata.name) throw new Error('no pool');
    const poolName = pool.metadata.name;
    expect(poolName).toMatch(/^auto4-nginx-eth0-[0-9a-f]{5}$/);
    expect(pool.spec).toMatchObject({ ips: ['172.21.1.90-172.21.1.94'], subnet: '172.21.1.0/24', gateway: '172.21.1.1' });
    expect(pool.metadata.labels).toMatchObject({
      'ipam.spidernet.io/owner-spider-subnet': 'nginx-subnet-v4',
      'ipam.spidernet.io/ippool-reclaim': 'true',
    });
    expect(pool.metadata.annotations?.['ipam.spidernet.io/ippool-ip-number']).toBe('+3');
    for (const pod of pods) expect(addressOf(pod)).toEqual({ ip: expect.stringMatching(/^172\.21\.1\.(9[0-4])$/), pool: poolName });
    expect(entryOf(await getSubnet(custom, 'nginx-subnet-v4'), poolName)).toEqual({
      ips: pool.spec.ips,
      application: `apps_v1_Deployment_${namespace}_nginx`,
    });
    await waitSubnetCount('nginx-subnet-v4', 5);

    expect(kubectl(['scale', '-n', namespace, 'deployment/nginx', '--replicas=3']).status).toBe(0);
    const three = await runningPods(core, namespace, { app: 'nginx' }, 3);
    const [grown] = await waitPoolSize('Deployment', namespace, 'nginx', 6);
    expect(grown?.spec.ips).toEqual(['172.21.1.90-172.21.1.95']);
    expect(new Set(three.map((p) => addressOf(p).ip)).size).toBe(3);
    await waitSubnetCount('nginx-subnet-v4', 6);

    expect(kubectl(['scale', '-n', namespace, 'deployment/nginx', '--replicas=1']).status).toBe(0);
    const [left] = await runningPods(core, namespace, { app: 'nginx' }, 1);
    if (!left) throw new Error('no Pod left');
    await releaseRecordsOfGonePods(core, custom, poolName, namespace);
    const [shrunk] = await waitPoolSize('Deployment', namespace, 'nginx', 4);
    expect(Object.keys(recordsOf(shrunk))).toEqual([addressOf(left).ip]);
    await waitSubnetCount('nginx-subnet-v4', 4);
    expect(entryOf(await getSubnet(custom, 'nginx-subnet-v4'), poolName)?.ips).toEqual(shrunk?.spec.ips);

    await deleteWorkload('Deployment', namespace, 'nginx', { app: 'nginx' });
    await pollUntil(`pool ${poolName} to be deleted`, 60_000, async () =>
      (await getPool(custom, poolName)) ? { done: false, seen: 'still there' } : { done: true, value: undefined },
    );
    await waitSubnetCount('nginx-subnet-v4', 0);
    expect(entryOf(await getSubnet(custom, 'nginx-subnet-v4'), poolName)).toBeUndefined();
  });

  it('a shrink gives back only addresses no record holds (+0, 3 -> 1 replica), ending with the one Pod left', async () => {
    const namespace = await createTestNamespace(core, 'auto-shrink');
    applyDeployment(namespace, {
      name: 'shrink',
      replicas: 3,
      annotations: { ...subnetAnnotation({ ipv4: ['nginx-subnet-v4'] }), 'ipam.spidernet.io/ippool-ip-number': '+0' },
    });
    await runningPods(core, namespace, { app: 'shrink' }, 3);
    await waitPoolSize('Deployment', namespace, 'shrink', 3);
    // Through the shrink, sample the pool: an address still recorded (a Pod not yet released) never leaves spec.ips.
    const violations: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const pool of await poolsOf(custom, 'Deployment', namespace, 'shrink')) {
          const set = parseRangeList(pool.spec.ips ?? [], 4).set;
          for (const ip of Object.keys(recordsOf(pool))) {
            const parsed = parseIP(ip);
            if (!set || !parsed.ok || !contains(set, parsed.value.value)) violations.push(`${ip} recorded but not in ${pool.spec.ips}`);
          }
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    expect(kubectl(['scale', '-n', namespace, 'deployment/shrink', '--replicas=1']).status).toBe(0);
    const [left] = await runningPods(core, namespace, { app: 'shrink' }, 1);
    if (!left) throw new Error('no Pod left');
    await releaseRecordsOfGonePods(
      core,
      custom,
      (await poolsOf(custom, 'Deployment', namespace, 'shrink'))[0]?.metadata.name ?? '',
      namespace,
    );
    const [shrunk] = await waitPoolSize('Deployment', namespace, 'shrink', 1);
    sampling = false;
    await sampler;
    expect(violations).toEqual([]);
    expect(shrunk?.spec.ips).toEqual([addressOf(left).ip]);
    await deleteWorkload('Deployment', namespace, 'shrink', { app: 'shrink' });
  });

  it('seed 001: test-app (subnets for eth0 and net1, +1) gets two pools of 3, and each Pod an address from each', async () => {
    const namespace = await createTestNamespace(core, 'auto-multinic');
    applyFile('examples/multi-nic/macvlan-nads-ens192-ens224.yaml');
    // seed-examples.test.ts applies SpiderSubnets of these names (with the seed's CIDRs): take turns with it.
    await withClusterLock(core, 'seed-subnet-names', async () => {
      createSubnet('subnet-test-ens192', '172.21.2.0/24', '172.21.2.171-172.21.2.180', '172.21.2.1');
      createSubnet('subnet-test-ens224', '172.21.3.0/24', '172.21.3.171-172.21.3.180', '172.21.3.1');
      try {
        applyFile('examples/multi-nic/test-app-deployment-two-nics-auto-pools.yaml', namespace);
        const pods = await runningPods(core, namespace, { app: 'test-app' }, 2);
        const [eth0, net1] = await waitPoolSize('Deployment', namespace, 'test-app', 3, 2);
        expect([eth0?.metadata.name, net1?.metadata.name]).toEqual([
          expect.stringMatching(/^auto4-test-app-eth0-/),
          expect.stringMatching(/^auto4-test-app-net1-/),
        ]);
        expect([eth0?.spec.ips, net1?.spec.ips]).toEqual([['172.21.2.171-172.21.2.173'], ['172.21.3.171-172.21.3.173']]);
        for (const pod of pods) {
          expect(addressOf(pod, 'eth0')).toEqual({ ip: expect.stringMatching(/^172\.21\.2\.17[1-3]$/), pool: eth0?.metadata.name });
          expect(addressOf(pod, 'net1')).toEqual({ ip: expect.stringMatching(/^172\.21\.3\.17[1-3]$/), pool: net1?.metadata.name });
        }
        await deleteWorkload('Deployment', namespace, 'test-app', { app: 'test-app' });
        await pollUntil('the two pools to go', 60_000, async () => {
          const left = await poolsOf(custom, 'Deployment', namespace, 'test-app');
          return left.length === 0 ? { done: true, value: undefined } : { done: false, seen: `${left.length} pools` };
        });
        await waitSubnetCount('subnet-test-ens192', 0);
      } finally {
        for (const name of ['subnet-test-ens192', 'subnet-test-ens224'])
          kubectl(['delete', 'spidersubnet', name, '--ignore-not-found', '--wait=true', '--timeout=60s']);
      }
    });
  });

  it('ippool-reclaim "false" keeps the pool when the Deployment goes; a new Deployment of the same name adopts it', async () => {
    const namespace = await createTestNamespace(core, 'auto-keep');
    createSubnet('auto-keep-v4', '172.21.4.0/24', '172.21.4.10-172.21.4.50', '172.21.4.1');
    const keep = {
      name: 'keep',
      replicas: 2,
      annotations: {
        ...subnetAnnotation({ ipv4: ['auto-keep-v4'] }),
        'ipam.spidernet.io/ippool-ip-number': '+1',
        'ipam.spidernet.io/ippool-reclaim': 'false',
      },
    };
    applyDeployment(namespace, keep);
    await runningPods(core, namespace, { app: 'keep' }, 2);
    const [kept] = await waitPoolSize('Deployment', namespace, 'keep', 3);
    const name = kept?.metadata.name ?? '';
    const firstUID = kept?.metadata.labels?.['ipam.spidernet.io/owner-application-uid'];
    await deleteWorkload('Deployment', namespace, 'keep', { app: 'keep' });
    await new Promise((r) => setTimeout(r, 3000));
    const after = await getPool(custom, name);
    expect(after?.metadata.deletionTimestamp).toBeUndefined();
    expect(recordsOf(after)).toEqual({});

    applyDeployment(namespace, keep);
    const pods = await runningPods(core, namespace, { app: 'keep' }, 2);
    const deploymentUID = (await clients().apps.readNamespacedDeployment({ namespace, name: 'keep' })).metadata?.uid;
    const [adopted] = await waitPoolSize('Deployment', namespace, 'keep', 3);
    expect(adopted?.metadata.name).toBe(name);
    await pollUntil('the UID label to be rewritten', 30_000, async () => {
      const uid = (await getPool(custom, name))?.metadata.labels?.['ipam.spidernet.io/owner-application-uid'];
      return uid === deploymentUID ? { done: true, value: uid } : { done: false, seen: `${uid}` };
    });
    expect(firstUID).not.toBe(deploymentUID);
    for (const pod of pods) expect(addressOf(pod).pool).toBe(name);

    await deleteWorkload('Deployment', namespace, 'keep', { app: 'keep' });
    expect(kubectl(['delete', 'spiderippool', name, '--wait=true', '--timeout=60s']).status).toBe(0);
    await waitSubnetCount('auto-keep-v4', 0);
  });

  it('a Deployment whose template names another subnet keeps its pool; its new Pods are refused; Warning ApplicationSubnetChanged', async () => {
    const namespace = await createTestNamespace(core, 'auto-move');
    createSubnet('auto-move-a', '172.21.7.0/24', '172.21.7.10-172.21.7.50', '172.21.7.1');
    createSubnet('auto-move-b', '172.21.8.0/24', '172.21.8.10-172.21.8.50', '172.21.8.1');
    const moving = (subnet: string) => ({
      name: 'moving',
      replicas: 1,
      annotations: { ...subnetAnnotation({ ipv4: [subnet] }), 'ipam.spidernet.io/ippool-ip-number': '+1' },
    });
    applyDeployment(namespace, moving('auto-move-a'));
    await runningPods(core, namespace, { app: 'moving' }, 1);
    const [pool] = await waitPoolSize('Deployment', namespace, 'moving', 2);
    applyDeployment(namespace, moving('auto-move-b'));
    const warning = await pollUntil('a Warning ApplicationSubnetChanged on the Deployment', 60_000, async () => {
      const events = (await core.listNamespacedEvent({ namespace })).items;
      const found = events.find((e) => e.reason === 'ApplicationSubnetChanged' && e.involvedObject.kind === 'Deployment');
      return found ? { done: true, value: found } : { done: false, seen: events.map((e) => e.reason).join(' ') };
    });
    expect(warning.type).toBe('Warning');
    expect(warning.message).toContain('moving a workload to SpiderSubnet "auto-move-b"');
    const refused = await pollUntil('the new ReplicaSet to report the refusal', 60_000, async () => {
      const events = (await core.listNamespacedEvent({ namespace })).items.filter((e) => e.reason === 'FailedCreate');
      return events.length > 0 ? { done: true, value: events[0]?.message ?? '' } : { done: false, seen: 'no FailedCreate' };
    });
    expect(refused).toContain('is not supported');
    const after = await poolsOf(custom, 'Deployment', namespace, 'moving');
    expect(after.map((p) => [p.metadata.name, p.spec.ips])).toEqual([[pool?.metadata.name, pool?.spec.ips]]);
    await deleteWorkload('Deployment', namespace, 'moving', { app: 'moving' });
  });

  it("a CronJob's pool follows its jobTemplate; the Pods of its Jobs take their addresses from it", async () => {
    const namespace = await createTestNamespace(core, 'auto-cron');
    createSubnet('auto-cron-v4', '172.21.5.0/24', '172.21.5.10-172.21.5.50', '172.21.5.1');
    applyYaml(
      `apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "0 0 1 1 *"
  suspend: true
  jobTemplate:
    spec:
      parallelism: 2
      completions: 2
      template:
        metadata:
          labels: {app: report}
          annotations:
            ipam.spidernet.io/subnet: '{"ipv4":["auto-cron-v4"]}'
            ipam.spidernet.io/ippool-ip-number: '+1'
        spec:
          restartPolicy: Never
          containers: [{name: a, image: x}]
`,
      namespace,
    );
    const [pool] = await waitPoolSize('CronJob', namespace, 'report', 3);
    expect(pool?.metadata.labels?.['ipam.spidernet.io/owner-application-gv']).toBe('batch_v1');
    expect(kubectl(['create', 'job', '-n', namespace, '--from=cronjob/report', 'report-now']).status).toBe(0);
    // kwok runs a Job's Pods to completion: they may be Running or Succeeded by now.
    const pods = await pollUntil('the 2 Pods of the Job', 60_000, async () => {
      const list = (await core.listNamespacedPod({ namespace, labelSelector: 'app=report' })).items;
      return list.length === 2 ? { done: true, value: list } : { done: false, seen: `${list.length} Pods` };
    });
    for (const pod of pods) expect(addressOf(pod).pool).toBe(pool?.metadata.name);
    expect(await poolsOf(custom, 'Job', namespace, 'report-now')).toEqual([]);
    expect(kubectl(['delete', 'job', '-n', namespace, 'report-now', '--wait=true']).status).toBe(0);
    await deleteWorkload('CronJob', namespace, 'report', { app: 'report' });
    await pollUntil('the CronJob pool to go', 60_000, async () =>
      (await getPool(custom, pool?.metadata.name ?? '')) ? { done: false, seen: 'still there' } : { done: true, value: undefined },
    );
    await waitSubnetCount('auto-cron-v4', 0);
  });
});
