// Helpers for the automatic-pool integration tests: the pools of a workload, the addresses of its Pods, subnets, and
// waiting for the releaser to free the records of Pods that are gone (the workloads themselves: workloads.ts).
import type { CoreV1Api, CustomObjectsApi, V1Pod } from '@kubernetes/client-node';
import { count, parseRangeList } from '../../ipam/ip/index.js';
import { parseAssignedResult, parseControlledIPPools, type SpiderIPPool, type SpiderSubnet } from '../../ipam/model/index.js';
import { kubectl, pollUntil, selector } from './cluster.js';

const group = 'spiderpool.spidernet.io';
const version = 'v2beta1';

export function applyYaml(yaml: string, namespace?: string): void {
  const res = kubectl(['apply', ...(namespace ? ['-n', namespace] : []), '-f', '-'], yaml);
  if (res.status !== 0) throw new Error(res.stderr);
}

export function applyFile(path: string, namespace?: string): void {
  const res = kubectl(['apply', ...(namespace ? ['-n', namespace] : []), '-f', path]);
  if (res.status !== 0) throw new Error(res.stderr);
}

export async function poolsOf(custom: CustomObjectsApi, kind: string, namespace: string, name: string): Promise<SpiderIPPool[]> {
  const labelSelector = selector({
    'ipam.spidernet.io/owner-application-kind': kind,
    'ipam.spidernet.io/owner-application-namespace': namespace,
    'ipam.spidernet.io/owner-application-name': name,
  });
  const list = (await custom.listClusterCustomObject({ group, version, plural: 'spiderippools', labelSelector })) as {
    items: SpiderIPPool[];
  };
  return list.items.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

export async function getPool(custom: CustomObjectsApi, name: string): Promise<SpiderIPPool | undefined> {
  try {
    return (await custom.getClusterCustomObject({ group, version, plural: 'spiderippools', name })) as SpiderIPPool;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/**
 * Deletes the subnets at the end of a file, trying each for a while: a subnet is refused deletion while it counts IPs
 * of pools, and the entry of a deleted pool goes a few seconds after its workload. One still refused is left behind.
 */
export async function deleteSubnets(names: string[]): Promise<void> {
  for (const name of names) {
    await pollUntil(
      `SpiderSubnet ${name} to be deleted`,
      40_000,
      async () => {
        const res = kubectl(['delete', 'spidersubnet', name, '--ignore-not-found', '--wait=false']);
        return res.status === 0 ? { done: true, value: undefined } : { done: false, seen: res.stderr.trim() };
      },
      1000,
    ).catch(() => undefined);
  }
}

export async function getSubnet(custom: CustomObjectsApi, name: string): Promise<SpiderSubnet> {
  return (await custom.getClusterCustomObject({ group, version, plural: 'spidersubnets', name })) as SpiderSubnet;
}

export const sizeOf = (pool: SpiderIPPool): number => {
  const family = pool.spec.ipVersion === 6 ? 6 : 4;
  return Number(count(parseRangeList(pool.spec.ips ?? [], family).set ?? { family, ranges: [] }));
};

export function recordsOf(pool: SpiderIPPool | undefined): Record<string, { pod: string; podUid: string; token?: string }> {
  return pool?.status?.allocatedIPs ? JSON.parse(pool.status.allocatedIPs) : {};
}

export function entryOf(subnet: SpiderSubnet, pool: string): { ips: string[]; application?: string } | undefined {
  const parsed = parseControlledIPPools(subnet.status?.controlledIPPools);
  return parsed.ok ? parsed.value.get(pool) : undefined;
}

/** The address a Pod's result annotation gives an interface, without the prefix length, and its pool. */
export function addressOf(pod: V1Pod, iface = 'eth0'): { ip: string; pool: string } {
  const parsed = parseAssignedResult(pod.metadata?.annotations?.[`ipam.spidernet.io/assigned-${iface}`] ?? '', iface);
  if (!parsed.ok) throw new Error(`pod ${pod.metadata?.name}: ${parsed.reason}`);
  return { ip: (parsed.value.ipv4 || parsed.value.ipv6).split('/')[0] ?? '', pool: parsed.value.ipv4pool || parsed.value.ipv6pool };
}

/**
 * Waits until the releaser has removed from the pool's status every record whose address no existing Pod of the
 * namespace holds (the Pods of a deleted or scaled-down workload).
 */
export async function releaseRecordsOfGonePods(core: CoreV1Api, custom: CustomObjectsApi, pool: string, namespace: string): Promise<void> {
  const interfaces = ['eth0', 'net1'];
  await pollUntil(`the releaser to free the addresses of gone Pods in ${pool}`, 60_000, async () => {
    const held = new Set<string>();
    for (const pod of (await core.listNamespacedPod({ namespace })).items) {
      for (const iface of interfaces)
        if (pod.metadata?.annotations?.[`ipam.spidernet.io/assigned-${iface}`]) held.add(addressOf(pod, iface).ip);
    }
    const current = await getPool(custom, pool);
    if (!current) return { done: true, value: undefined };
    const stale = Object.keys(recordsOf(current)).filter((ip) => !held.has(ip));
    return stale.length === 0 ? { done: true, value: undefined } : { done: false, seen: `still recorded: ${stale.join(', ')}` };
  });
}
