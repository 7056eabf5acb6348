// The CNI plugin against the real API server: a Pod admitted by the webhook gets its eth0 and net1 addresses back in
// every CNI version; a forged annotation, a Pod of an excluded namespace and credentials without the two permissions
// are refused with errors that say why. The node's least-privilege kubeconfig is the one deploy/cni/install.sh writes,
// run here outside a container. CIDRs 172.19.0.0/16 and fd19::/64 are the cni-readback tests' own (here 172.19.1-2.x and fd19::/80).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { clients, createTestNamespace, kubectl, pollUntil, testKubeConfig } from '../support/cluster.js';
import { buildPluginForTest, netConfig, runPluginBinary } from '../support/cni-plugin.js';
import { errorShapeProblems, resultShapeProblems } from '../support/cni-shapes.js';
import { applyUntilAdmitted, podManifest, podOf } from '../support/workloads.js';

const { core } = clients();
const suffix = randomBytes(3).toString('hex');
const pools = { v4: `cnirb-v4-${suffix}`, v6: `cnirb-v6-${suffix}`, net1: `cnirb-net1-${suffix}` };
// The admin kubeconfig of the test cluster; nodes use the least-privilege one of the last test.
const adminKubeconfig = inject('kubeconfig');
const cleanup: string[][] = [];
let plugin = '';
let work = '';
let namespace = '';
let uid = '';

function apply(manifest: string): void {
  const res = kubectl(['apply', '-f', '-'], manifest);
  if (res.status !== 0) throw new Error(res.stderr);
}

function records(pool: string): Record<string, { pod: string; podUid: string; token?: string }> {
  const text = kubectl(['get', `sp/${pool}`, '-o', 'jsonpath={.status.allocatedIPs}']).stdout;
  return text ? JSON.parse(text) : {};
}

const add = (ifName: string, cniVersion: string, over: { pod?: string; namespace?: string; kubeconfig?: string; uid?: string } = {}) =>
  runPluginBinary(plugin, {
    command: 'ADD',
    ifName,
    namespace: over.namespace ?? namespace,
    pod: over.pod ?? 'two-nics',
    ...(over.uid !== undefined ? { uid: over.uid } : {}),
    config: netConfig(cniVersion, over.kubeconfig ?? adminKubeconfig),
  });

function expectError(run: ReturnType<typeof add>, code: number) {
  expect(run.status, run.stdout).not.toBe(0);
  expect(errorShapeProblems(run.json)).toEqual([]);
  expect(run.json?.code, run.stdout).toBe(code);
  return run.json as { code: number; msg: string; details?: string };
}

beforeAll(async () => {
  work = await buildPluginForTest();
  plugin = join(work, 'spiderpool');
  namespace = await createTestNamespace(core, 'cnirb');
  apply(`apiVersion: spiderpool.spidernet.io/v2beta1
kind: SpiderIPPool
metadata: {name: ${pools.v4}}
spec: {subnet: 172.19.1.0/24, ips: ["172.19.1.10-172.19.1.19"], gateway: 172.19.1.1, routes: [{dst: 172.19.200.0/24, gw: 172.19.1.254}]}
---
apiVersion: spiderpool.spidernet.io/v2beta1
kind: SpiderIPPool
metadata: {name: ${pools.v6}}
spec: {subnet: "fd19::/80", ips: ["fd19::a-fd19::13"], gateway: "fd19::1"}
---
apiVersion: spiderpool.spidernet.io/v2beta1
kind: SpiderIPPool
metadata: {name: ${pools.net1}}
spec: {subnet: 172.19.2.0/24, ips: ["172.19.2.10-172.19.2.19"], gateway: 172.19.2.1}
---
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: macvlan-net1, namespace: ${namespace}}
spec:
  config: '{"cniVersion":"1.0.0","type":"macvlan","master":"eth1","mode":"bridge","ipam":{"type":"spiderpool"}}'
`);
  const ippools = JSON.stringify([
    { interface: 'eth0', ipv4: [pools.v4], ipv6: [pools.v6] },
    { interface: 'net1', ipv4: [pools.net1], cleangateway: true },
  ]);
  const annotations = { 'k8s.v1.cni.cncf.io/networks': 'macvlan-net1', 'ipam.spidernet.io/ippools': ippools };
  await applyUntilAdmitted('the two-NIC Pod', podManifest(namespace, { name: 'two-nics', annotations }));
  uid = (await core.readNamespacedPod({ namespace, name: 'two-nics' })).metadata?.uid ?? '';
});

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
  for (const args of cleanup) kubectl(args);
  for (const pool of Object.values(pools)) {
    kubectl(['patch', `sp/${pool}`, '--subresource=status', '--type=merge', '-p', '{"status":{"allocatedIPs":null}}']);
    kubectl(['delete', `sp/${pool}`, '--ignore-not-found', '--wait=false']);
  }
});

describe('cni-readback on the real API server', () => {
  it.each(['0.3.0', '0.3.1', '0.4.0', '1.0.0'])('ADD %s: eth0 gets the dual-stack result the webhook assigned, net1 its own', (v) => {
    const eth0 = add('eth0', v, { uid });
    expect(eth0.status, eth0.stdout + eth0.stderr).toBe(0);
    expect(resultShapeProblems(eth0.json, v)).toEqual([]);
    const legacy = v !== '1.0.0';
    expect(eth0.json).toEqual({
      cniVersion: v,
      ips: [
        { ...(legacy ? { version: '4' } : {}), address: '172.19.1.10/24', gateway: '172.19.1.1' },
        { ...(legacy ? { version: '6' } : {}), address: 'fd19::a/80', gateway: 'fd19::1' },
      ],
      routes: [
        { dst: '172.19.200.0/24', gw: '172.19.1.254' },
        { dst: '0.0.0.0/0', gw: '172.19.1.1' },
        { dst: '::/0', gw: 'fd19::1' },
      ],
      dns: {},
    });
    const net1 = add('net1', v, { uid });
    expect(net1.status, net1.stdout + net1.stderr).toBe(0);
    expect(resultShapeProblems(net1.json, v)).toEqual([]);
    expect(net1.json).toMatchObject({ ips: [{ address: '172.19.2.10/24', gateway: '172.19.2.1' }], routes: [] });
  });

  it('CHECK passes while the records hold, DEL succeeds twice and changes nothing', () => {
    const eth0 = add('eth0', '1.0.0');
    const check = runPluginBinary(plugin, {
      command: 'CHECK',
      namespace,
      pod: 'two-nics',
      uid,
      config: netConfig('1.0.0', adminKubeconfig, { prevResult: eth0.json }),
    });
    expect(check, check.stdout).toMatchObject({ status: 0, stdout: '' });
    const before = records(pools.v4);
    for (let i = 0; i < 2; i++) {
      const del = runPluginBinary(plugin, { command: 'DEL', namespace, pod: 'two-nics', uid, config: netConfig('1.0.0', adminKubeconfig) });
      expect(del, del.stdout).toMatchObject({ status: 0, stdout: '' });
    }
    expect(records(pools.v4)).toEqual(before);
  });

  it('refuses a Pod whose annotation was forged: no pool record, or the record of another Pod', async () => {
    // Bound first, so the forged copy below can only match by name and UID, which it has not.
    await pollUntil('the reservation to be bound to the Pod', 30_000, async () => {
      const r = records(pools.v4)['172.19.1.10'];
      return r?.podUid === uid ? { done: true, value: undefined } : { done: false, seen: JSON.stringify(r) };
    });
    const real =
      (await core.readNamespacedPod({ namespace, name: 'two-nics' })).metadata?.annotations?.['ipam.spidernet.io/assigned-eth0'] ?? '';
    const invented = real.replace('172.19.1.10/24', '172.19.1.18/24');
    // The opt-out label keeps the webhook away, so the annotations stay as written.
    for (const [name, value] of [
      ['copied', real],
      ['invented', invented],
    ]) {
      await core.createNamespacedPod({
        namespace,
        body: podOf({
          name,
          labels: { 'admission-ipam.spidernet.io/ignore': 'true' },
          annotations: { 'ipam.spidernet.io/assigned-eth0': value ?? '' },
        }),
      });
    }
    const copied = expectError(add('eth0', '1.0.0', { pod: 'copied' }), 102);
    expect(copied.msg).toBe(`pod ${namespace}/copied: pool "${pools.v4}" holds 172.19.1.10 for pod ${namespace}/two-nics (UID ${uid})`);
    const inventedRun = expectError(add('eth0', '0.3.1', { pod: 'invented' }), 102);
    expect(inventedRun.msg).toBe(`pod ${namespace}/invented: pool "${pools.v4}" records no reservation of 172.19.1.18`);
  });

  it('explains a Pod of a namespace the webhook excludes', async () => {
    const name = `cnirb-${suffix}`;
    await core.createNamespacedPod({ namespace: 'kube-system', body: podOf({ name }) });
    cleanup.push(['delete', 'pod', '-n', 'kube-system', name, '--ignore-not-found', '--wait=false']);
    const error = expectError(add('eth0', '1.0.0', { namespace: 'kube-system', pod: name }), 100);
    expect(error.msg).toBe(`pod kube-system/${name} has no annotation ipam.spidernet.io/assigned-eth0`);
    expect(error.details).toContain('is namespace kube-system excluded from the webhook');
  });

  it('reports a Pod that does not exist after its bounded retries, and a stale UID', () => {
    const started = Date.now();
    const missing = expectError(add('eth0', '1.0.0', { pod: 'never-created' }), 11);
    expect(missing.msg).toContain(`pod ${namespace}/never-created is not in the API server`);
    expect(Date.now() - started).toBeLessThan(10_000);
    const stale = expectError(add('eth0', '1.0.0', { uid: '00000000-0000-0000-0000-000000000000' }), 106);
    expect(stale.msg).toContain(`the API server holds UID ${uid}`);
  });

  it('works with the least-privilege kubeconfig deploy/cni/install.sh writes, and names what a token without the role lacks', async () => {
    // The ClusterRole of the installer manifest, as it is; bound here to a ServiceAccount of the test namespace.
    const docs = parseAllDocuments(readFileSync('deploy/cni/installer.yaml', 'utf8')).map((d) => d.toJS());
    const role = docs.find((d) => d.kind === 'ClusterRole');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: ['spiderpool.spidernet.io'], resources: ['spiderippools'], verbs: ['get'] },
    ]);
    apply(JSON.stringify(role));
    for (const sa of ['cni', 'nobody']) await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: sa } } });
    const binding = `cnirb-${suffix}`;
    apply(
      JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: binding },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name },
        subjects: [{ kind: 'ServiceAccount', name: 'cni', namespace }],
      }),
    );
    cleanup.push(['delete', 'clusterrolebinding', binding, '--ignore-not-found']);
    const cluster = testKubeConfig().getCurrentCluster();
    const server = cluster?.server ?? '';
    const ca = Buffer.from(cluster?.caData ?? '', 'base64');
    const install = async (sa: string) => {
      const token = await core.createNamespacedServiceAccountToken({
        namespace,
        name: sa,
        body: { spec: { audiences: [], expirationSeconds: 600 } },
      });
      const root = join(work, sa);
      mkdirSync(join(root, 'sa'), { recursive: true });
      writeFileSync(join(root, 'sa', 'token'), token.status?.token ?? '');
      writeFileSync(join(root, 'sa', 'ca.crt'), ca);
      const env = {
        ...process.env,
        CNI_BIN_DIR: join(root, 'bin'),
        CNI_CONF_DIR: join(root, 'net.d'),
        PLUGIN_SOURCE: plugin,
        SA_DIR: join(root, 'sa'),
        KUBERNETES_API_SERVER: server,
      };
      const res = spawnSync('sh', ['deploy/cni/install.sh', 'install'], { env, encoding: 'utf8' });
      expect(res.status, res.stderr).toBe(0);
      return {
        root,
        kubeconfig: join(root, 'net.d', 'admission-ipam.d', 'admission-ipam.kubeconfig'),
        binary: join(root, 'bin', 'admission-ipam'),
      };
    };
    const node = await install('cni');
    // The plugin installed by the script, under the second name, with the kubeconfig the script wrote.
    const run = runPluginBinary(node.binary, {
      command: 'ADD',
      namespace,
      pod: 'two-nics',
      uid,
      config: netConfig('1.0.0', node.kubeconfig),
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.json).toMatchObject({ ips: [{ address: '172.19.1.10/24' }, { address: 'fd19::a/80' }] });
    const nobody = await install('nobody');
    const denied = expectError(add('eth0', '1.0.0', { kubeconfig: nobody.kubeconfig }), 105);
    expect(denied.msg).toContain('HTTP 403');
    expect(denied.details).toContain('need "get" on pods and on spiderippools.spiderpool.spidernet.io');
    // A token the API server does not accept at all (the kubeconfig names its token file, next to it).
    writeFileSync(join(dirname(nobody.kubeconfig), 'token'), 'not-a-token');
    const unknown = expectError(add('eth0', '1.0.0', { kubeconfig: nobody.kubeconfig }), 105);
    expect(unknown.msg).toContain('HTTP 401');
    expect(unknown.details).toContain('were not accepted');
  });
});
