// Every cache the webhooks and controllers read, in one place: our resources and the
// Kubernetes objects a Pod's admission looks at (its Namespace, the Nodes, Multus
// NetworkAttachmentDefinitions, and the owners between a Pod and its workload).
import type { KubeConfig } from '@kubernetes/client-node';
import {
  apiVersion,
  type OwnerReference,
  plurals,
  type SpiderIPPool,
  type SpiderReservedIP,
  type SpiderSubnet,
} from '../ipam/model/index.js';
import { type PodObject, trimPod } from '../ipam/release/index.js';
import { type KubeObject, ResourceCache } from './watch/index.js';

type Named<T> = T & { metadata: { name: string } };

export interface NamespaceObject extends KubeObject {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}
export interface NodeObject extends KubeObject {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { conditions?: Array<{ type: string; status: string }> };
}
export interface NetworkAttachmentObject extends KubeObject {
  metadata: { name: string; namespace: string };
  spec?: { config?: string };
}
export interface OwnedObject extends KubeObject {
  metadata: { name: string; namespace: string; ownerReferences?: OwnerReference[] };
}
export interface StatefulSetObject extends KubeObject {
  metadata: { name: string; namespace: string; uid?: string };
  spec?: { replicas?: number; ordinals?: { start?: number } };
}

export interface ClusterCaches {
  pools: ResourceCache<Named<SpiderIPPool>>;
  subnets: ResourceCache<Named<SpiderSubnet>>;
  reservedIPs: ResourceCache<Named<SpiderReservedIP>>;
  namespaces: ResourceCache<NamespaceObject>;
  nodes: ResourceCache<NodeObject>;
  networkAttachments: ResourceCache<NetworkAttachmentObject>;
  replicaSets: ResourceCache<OwnedObject>;
  jobs: ResourceCache<OwnedObject>;
  statefulSets: ResourceCache<StatefulSetObject>;
}

export const networkAttachmentsPath = '/apis/k8s.cni.cncf.io/v1/network-attachment-definitions';

export function createClusterCaches(kc: KubeConfig): ClusterCaches {
  const ours = (plural: string) => `/apis/${apiVersion}/${plural}`;
  return {
    pools: new ResourceCache(kc, ours(plurals.ipPool)),
    subnets: new ResourceCache(kc, ours(plurals.subnet)),
    reservedIPs: new ResourceCache(kc, ours(plurals.reservedIP)),
    namespaces: new ResourceCache(kc, '/api/v1/namespaces'),
    nodes: new ResourceCache(kc, '/api/v1/nodes'),
    // Without Multus the CRD is absent: the cache retries quietly and no Pod names a NAD anyway.
    networkAttachments: new ResourceCache(kc, networkAttachmentsPath),
    replicaSets: new ResourceCache(kc, '/apis/apps/v1/replicasets'),
    jobs: new ResourceCache(kc, '/apis/batch/v1/jobs'),
    statefulSets: new ResourceCache(kc, '/apis/apps/v1/statefulsets'),
  };
}

/**
 * Every Pod, trimmed to what the releaser reads (trimPod). Only the releaser reads it, so only the Lease holder
 * keeps one: a replica that is not leading neither watches every Pod of the cluster nor holds them in memory.
 */
export function createPodCache(kc: KubeConfig): ResourceCache<PodObject> {
  return new ResourceCache(kc, '/api/v1/pods', { transform: (pod) => trimPod(pod as PodObject) });
}

/** The caches readiness waits for: the NAD cache is optional (a cluster without Multus has no such API). */
export function requiredCaches(c: ClusterCaches): Array<[string, { isSynced(): boolean }]> {
  return [
    ['spiderippools', c.pools],
    ['spidersubnets', c.subnets],
    ['spiderreservedips', c.reservedIPs],
    ['namespaces', c.namespaces],
    ['nodes', c.nodes],
    ['replicasets', c.replicaSets],
    ['jobs', c.jobs],
    ['statefulsets', c.statefulSets],
  ];
}

export function allCaches(c: ClusterCaches): ResourceCache<KubeObject>[] {
  return Object.values(c) as ResourceCache<KubeObject>[];
}
