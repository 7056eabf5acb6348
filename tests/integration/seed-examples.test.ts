// Every SpiderIPPool / SpiderSubnet manifest of the seed documents applies unchanged
// through our webhooks, is counted right, and deletes cleanly. The seeds reuse names
// and addresses across scenarios, so the files are applied one at a time, in order.
// The CIDRs 10.6.0.0/16, 10.7.0.0/16, 10.244.0.0/16 and 172.18.0.0/16 belong to this file.
import { describe, expect, it } from 'vitest';
import { clients, kubectl, pollUntil, withClusterLock } from '../support/cluster.js';

const cases: Array<[string, Array<[resource: string, total: number]>]> = [
  ['fixed-ip-calico/nginx-v4-ippool.yaml', [['sp/nginx-v4-ippool', 11]]],
  ['install/subnet-test.yaml', [['ss/subnet-test', 10]]],
  [
    'multi-nic/subnets-ens192-ens224.yaml',
    [
      ['ss/subnet-test-ens192', 10],
      ['ss/subnet-test-ens224', 10],
    ],
  ],
  [
    'affinity/multus-default-ippools-eth0-eth1.yaml',
    [
      ['sp/test-ippool-eth0', 10],
      ['sp/test-ippool-eth1', 10],
    ],
  ],
  ['affinity/namespace-affinity-test-ns1-ippool.yaml', [['sp/test-ns1-ippool', 10]]],
  ['affinity/namespace-name-test-ns1-ippool.yaml', [['sp/test-ns1-ippool', 10]]],
  ['affinity/node-affinity-test-node1-ippool.yaml', [['sp/test-node1-ippool', 10]]],
  ['affinity/node-name-test-node1-ippool.yaml', [['sp/test-node1-ippool', 10]]],
  ['affinity/pod-affinity-test-pod-ippool.yaml', [['sp/test-pod-ippool', 10]]],
  ['affinity/test-pod-ippool-every-affinity-field.yaml', [['sp/test-pod-ippool', 10]]],
  ['affinity/shared-static-ipv4-ippool.yaml', [['sp/shared-static-ipv4-ippool', 4]]],
];

// auto-pools.test.ts uses the names of multi-nic/subnets-ens192-ens224.yaml (with its own CIDRs): take turns.
const sharedNames = new Set(['multi-nic/subnets-ens192-ens224.yaml']);
const { core } = clients();

describe.sequential('seed manifests', () => {
  it.each(cases)('%s applies unchanged, is counted, and deletes', async (file, expected) => {
    if (sharedNames.has(file)) await withClusterLock(core, 'seed-subnet-names', () => applyAndDelete(file, expected));
    else await applyAndDelete(file, expected);
  });
});

async function applyAndDelete(file: string, expected: Array<[resource: string, total: number]>): Promise<void> {
  const path = `examples/${file}`;
  kubectl(['delete', '-f', path, '--ignore-not-found', '--wait=true', '--timeout=60s']);
  const applied = kubectl(['apply', '--validate=strict', '-f', path]);
  expect(applied.status, applied.stderr).toBe(0);
  // Only warnings may be printed (the finalizer name, a subnet stored in canonical form).
  for (const line of applied.stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^Warning: /);
  for (const [resource, total] of expected) {
    await pollUntil(`${resource} to count ${total} IPs`, 30_000, async () => {
      const out = kubectl(['get', resource, '-o', 'jsonpath={.status.allocatedIPCount}/{.status.totalIPCount}']).stdout;
      return out === `0/${total}` ? { done: true, value: out } : { done: false, seen: out };
    });
  }
  const deleted = kubectl(['delete', '-f', path, '--wait=true', '--timeout=60s']);
  expect(deleted.status, deleted.stderr).toBe(0);
  for (const [resource] of expected) expect(kubectl(['get', resource]).stderr).toMatch(/NotFound/);
}
