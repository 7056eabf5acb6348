// The fake nodes kwok manages. Labels give pool affinity tests something to match:
// two zones, and a "rack" label that puts the last node apart from the others.
import type { V1Node } from '@kubernetes/client-node';

export const rackLabel = 'ipam-test.admission-ipam.io/rack';
export const zoneLabel = 'topology.kubernetes.io/zone';

export function fakeNodeName(index: number): string {
  return `kwok-node-${index}`;
}

export function fakeNode(index: number, count: number): V1Node {
  const name = fakeNodeName(index);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
        [zoneLabel]: index % 2 === 0 ? 'zone-a' : 'zone-b',
        [rackLabel]: count > 1 && index === count - 1 ? 'rack-b' : 'rack-a',
      },
    },
    status: {
      allocatable: { cpu: '32', memory: '128Gi', pods: '1000' },
      capacity: { cpu: '32', memory: '128Gi', pods: '1000' },
    },
  };
}
