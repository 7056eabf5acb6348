// A Pod with a second interface from a Multus NetworkAttachmentDefinition whose IPAM
// is Spiderpool's: each interface gets its address from its own pool (`ippools`).
// CIDR 172.25.0.0/16 is this file's own.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAssignedResult } from '../../ipam/model/index.js';
import { clients, createTestNamespace, kubectl } from '../support/cluster.js';
import { applyUntilAdmitted, ippoolAnnotation, podManifest } from '../support/workloads.js';

const { core } = clients();
const suffix = randomBytes(3).toString('hex');
const pools = [`mn-eth0-${suffix}`, `mn-net1-${suffix}`];

afterAll(() => {
  for (const pool of pools) {
    kubectl(['patch', `sp/${pool}`, '--subresource=status', '--type=merge', '-p', '{"status":{"allocatedIPs":null}}']);
    kubectl(['delete', `sp/${pool}`, '--ignore-not-found', '--wait=false']);
  }
});

describe('multi-NIC Pods', () => {
  it('gives eth0 and net1 addresses from the pools ippools names for each', async () => {
    const namespace = await createTestNamespace(core, 'multinic');
    const [eth0Pool, net1Pool] = pools as [string, string];
    const manifests = `apiVersion: spiderpool.spidernet.io/v2beta1
kind: SpiderIPPool
metadata: {name: ${eth0Pool}}
spec: {subnet: 172.25.1.0/24, ips: ["172.25.1.10-172.25.1.19"], gateway: 172.25.1.1}
---
apiVersion: spiderpool.spidernet.io/v2beta1
kind: SpiderIPPool
metadata: {name: ${net1Pool}}
spec: {subnet: 172.25.2.0/24, ips: ["172.25.2.10-172.25.2.19"], gateway: 172.25.2.1}
---
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: macvlan-net1, namespace: ${namespace}}
spec:
  config: '{"cniVersion":"0.3.1","type":"macvlan","master":"ens224","mode":"bridge","ipam":{"type":"spiderpool"}}'
`;
    const applied = kubectl(['apply', '-f', '-'], manifests);
    expect(applied.status, applied.stderr).toBe(0);
    const ippools = JSON.stringify([
      { interface: 'eth0', ipv4: [eth0Pool] },
      { interface: 'net1', ipv4: [net1Pool], cleangateway: true },
    ]);
    const twoNics = {
      name: 'two-nics',
      annotations: { 'k8s.v1.cni.cncf.io/networks': 'macvlan-net1', 'ipam.spidernet.io/ippools': ippools },
    };
    await applyUntilAdmitted('the two-NIC Pod', podManifest(namespace, twoNics));
    const stored = await core.readNamespacedPod({ namespace, name: 'two-nics' });
    const annotations = stored.metadata?.annotations ?? {};
    const eth0 = parseAssignedResult(annotations['ipam.spidernet.io/assigned-eth0'] ?? '', 'eth0');
    const net1 = parseAssignedResult(annotations['ipam.spidernet.io/assigned-net1'] ?? '', 'net1');
    expect(eth0).toMatchObject({
      ok: true,
      value: { ipv4: '172.25.1.10/24', ipv4pool: eth0Pool, ipv4gateway: '172.25.1.1', cleangateway: false },
    });
    expect(net1).toMatchObject({
      ok: true,
      value: { ipv4: '172.25.2.10/24', ipv4pool: net1Pool, ipv4gateway: '172.25.2.1', cleangateway: true },
    });
    // A NAD whose IPAM is another plugin's adds no interface of ours: only eth0 gets an address.
    const other = kubectl(
      ['apply', '-f', '-'],
      `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: host-local, namespace: ${namespace}}\nspec:\n  config: '{"cniVersion":"0.3.1","type":"macvlan","ipam":{"type":"host-local","subnet":"192.168.50.0/24"}}'\n`,
    );
    expect(other.status, other.stderr).toBe(0);
    await applyUntilAdmitted(
      'the Pod with a foreign NAD',
      podManifest(namespace, {
        name: 'one-of-ours',
        annotations: { 'k8s.v1.cni.cncf.io/networks': 'host-local', ...ippoolAnnotation({ ipv4: [eth0Pool] }) },
      }),
    );
    const second = (await core.readNamespacedPod({ namespace, name: 'one-of-ours' })).metadata?.annotations ?? {};
    expect(parseAssignedResult(second['ipam.spidernet.io/assigned-eth0'] ?? '', 'eth0')).toMatchObject({
      ok: true,
      value: { ipv4: '172.25.1.11/24' },
    });
    expect(second['ipam.spidernet.io/assigned-net1']).toBeUndefined();
  });
});
