// A Pod admitted with eth0 (dual stack) and net1 (IPv4, clean gateway), the pools that record its addresses, and a
// reader that serves them as the API server would.

import type { KubeReader, Read } from '../../../cni-readback/index.js';
import { formatAssignedResult, type SpiderIPPool } from '../../../ipam/model/index.js';

export const uid = '6a1c3e52-2f0b-4d6e-9a51-3b1f0c2d4e5f';
export const token = 'ZjQ3YmM5ZGEtZjNhNi00ZT';

export function pool(name: string, subnet: string, gateway: string | undefined, records: Record<string, unknown>): SpiderIPPool {
  return {
    metadata: { name },
    spec: { subnet, ips: [], ...(gateway ? { gateway } : {}) },
    status: {
      allocatedIPs: Object.keys(records).length === 0 ? null : JSON.stringify(records),
      allocatedIPCount: Object.keys(records).length,
    },
  };
}

export const eth0Annotation = formatAssignedResult({
  interface: 'eth0',
  ipv4: '172.19.1.10/24',
  ipv6: 'fd19::a/64',
  ipv4pool: 'v4',
  ipv6pool: 'v6',
  vlan: 0,
  ipv4gateway: '172.19.1.1',
  ipv6gateway: 'fd19::1',
  cleangateway: false,
  routes: [{ dst: '172.19.200.0/24', gw: '172.19.1.254' }],
  token,
});

export const net1Annotation = formatAssignedResult({
  interface: 'net1',
  ipv4: '172.19.2.10/24',
  ipv6: '',
  ipv4pool: 'net1',
  ipv6pool: '',
  vlan: 0,
  ipv4gateway: '172.19.2.1',
  ipv6gateway: '',
  cleangateway: true,
  routes: [],
  token,
});

export function podJSON(overrides: { annotations?: Record<string, string>; labels?: Record<string, string>; uid?: string } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-7c9f',
      namespace: 'shop',
      uid: overrides.uid ?? uid,
      labels: overrides.labels ?? { app: 'web' },
      annotations: overrides.annotations ?? {
        'ipam.spidernet.io/assigned-eth0': eth0Annotation,
        'ipam.spidernet.io/assigned-net1': net1Annotation,
      },
    },
    spec: { containers: [{ name: 'a', image: 'x' }] },
  };
}

export const boundPools = (): Map<string, SpiderIPPool> =>
  new Map([
    ['v4', pool('v4', '172.19.1.0/24', '172.19.1.1', { '172.19.1.10': { pod: 'shop/web-7c9f', podUid: uid } })],
    ['v6', pool('v6', 'fd19::/64', 'fd19::1', { 'fd19::a': { pod: 'shop/web-7c9f', podUid: uid } })],
    ['net1', pool('net1', '172.19.2.0/24', '172.19.2.1', { '172.19.2.10': { pod: 'shop/', podUid: '', token, at: 1767225600 } })],
  ]);

export interface FakeApi {
  pods: Array<unknown | undefined>;
  pools: Map<string, SpiderIPPool>;
  calls: string[];
  closed: number;
}

/** Serves `pods` in turn (undefined = 404; the last one repeats) and the pools by name. */
export function fakeApi(
  pods: Array<unknown | undefined>,
  pools: Map<string, SpiderIPPool> = boundPools(),
): { api: FakeApi; reader: KubeReader } {
  const api: FakeApi = { pods, pools, calls: [], closed: 0 };
  let served = 0;
  const reader: KubeReader = {
    async getPod(namespace, name): Promise<Read> {
      api.calls.push(`pod ${namespace}/${name}`);
      const pod = api.pods[Math.min(served++, api.pods.length - 1)];
      return pod === undefined ? { found: false } : { found: true, body: structuredClone(pod) };
    },
    async getPool(name): Promise<Read> {
      api.calls.push(`pool ${name}`);
      const p = api.pools.get(name);
      return p === undefined ? { found: false } : { found: true, body: structuredClone(p) };
    },
    close() {
      api.closed++;
    },
  };
  return { api, reader };
}
