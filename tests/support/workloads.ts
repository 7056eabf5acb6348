// Deployments, StatefulSets, ReplicaSets and bare Pods for the integration tests, most of them naming pools or subnets
// in their Pods' annotations: the objects as the API takes them, created, applied or scaled, and the wait for their
// Pods to run. A test then says only what sets its workload apart: a name, a replica count, the annotations.
import type {
  AppsV1Api,
  CoreV1Api,
  V1Container,
  V1Deployment,
  V1ObjectMeta,
  V1Pod,
  V1PodSpec,
  V1PodTemplateSpec,
  V1ReplicaSet,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { applyYaml } from './auto-pools.js';
import { kubectl, pollUntil, selector } from './cluster.js';

/** kwok starts no container, so any image will do. */
const container: V1Container = { name: 'a', image: 'x' };

/** The `ipam.spidernet.io/ippool` annotation: the pools eth0 takes its addresses from, per family. */
export function ippoolAnnotation(pools: { ipv4?: string[]; ipv6?: string[] }): Record<string, string> {
  return { 'ipam.spidernet.io/ippool': JSON.stringify(pools) };
}

/** The `ipam.spidernet.io/subnet` annotation: the subnets eth0's automatic pools are carved from, per family. */
export function subnetAnnotation(subnets: { ipv4?: string[]; ipv6?: string[] }): Record<string, string> {
  return { 'ipam.spidernet.io/subnet': JSON.stringify(subnets) };
}

/** What sets one test's workload apart. */
export interface Workload {
  name: string;
  replicas: number;
  /** The Pods' labels and the workload's selector; `{ app: name }` unless given. */
  labels?: Record<string, string>;
  /** The Pod template's annotations: the pools or subnets its Pods name. */
  annotations?: Record<string, string>;
  containers?: V1Container[];
}

function template(workload: Workload): { selector: { matchLabels: Record<string, string> }; template: V1PodTemplateSpec } {
  const labels = workload.labels ?? { app: workload.name };
  return {
    selector: { matchLabels: labels },
    template: {
      metadata: { labels, ...(workload.annotations ? { annotations: workload.annotations } : {}) },
      spec: { containers: workload.containers ?? [container] },
    },
  };
}

export function deploymentOf(workload: Workload): V1Deployment {
  return { metadata: { name: workload.name }, spec: { replicas: workload.replicas, ...template(workload) } };
}

/** A StatefulSet whose headless Service name is its own. */
export function statefulSetOf(workload: Workload & { podManagementPolicy?: 'OrderedReady' | 'Parallel' }): V1StatefulSet {
  const { podManagementPolicy } = workload;
  return {
    metadata: { name: workload.name },
    spec: {
      replicas: workload.replicas,
      serviceName: workload.name,
      ...(podManagementPolicy ? { podManagementPolicy } : {}),
      ...template(workload),
    },
  };
}

export function replicaSetOf(workload: Workload): V1ReplicaSet {
  return { metadata: { name: workload.name }, spec: { replicas: workload.replicas, ...template(workload) } };
}

export const createDeployment = (apps: AppsV1Api, namespace: string, workload: Workload): Promise<V1Deployment> =>
  apps.createNamespacedDeployment({ namespace, body: deploymentOf(workload) });

export const createStatefulSet = (
  apps: AppsV1Api,
  namespace: string,
  workload: Parameters<typeof statefulSetOf>[0],
): Promise<V1StatefulSet> => apps.createNamespacedStatefulSet({ namespace, body: statefulSetOf(workload) });

export const createReplicaSet = (apps: AppsV1Api, namespace: string, workload: Workload): Promise<V1ReplicaSet> =>
  apps.createNamespacedReplicaSet({ namespace, body: replicaSetOf(workload) });

/**
 * `kubectl apply` of the Deployment, for tests that apply it again with other annotations (as a user would) or apply
 * it once more after deleting it.
 */
export function applyDeployment(namespace: string, workload: Workload): void {
  applyYaml(JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', ...deploymentOf(workload) }), namespace);
}

export async function scaleDeployment(apps: AppsV1Api, namespace: string, name: string, replicas: number): Promise<void> {
  await apps.patchNamespacedDeploymentScale({ namespace, name, body: [{ op: 'replace', path: '/spec/replicas', value: replicas }] });
}

/** A bare Pod: the metadata given, one container unless `spec` names others. */
export function podOf(metadata: V1ObjectMeta, spec: Partial<V1PodSpec> = {}): V1Pod {
  return { metadata, spec: { containers: [container], ...spec } };
}

/** The same Pod as a manifest for `kubectl apply` or `create` (JSON is YAML). */
export function podManifest(namespace: string, metadata: V1ObjectMeta, spec: Partial<V1PodSpec> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', ...podOf({ ...metadata, namespace }, spec) });
}

/**
 * Applies a Pod manifest until the API server takes it: the server's NAD cache sees a new NAD a moment after it is
 * created, and refuses a Pod that names one it has not seen yet.
 */
export async function applyUntilAdmitted(what: string, manifest: string): Promise<void> {
  await pollUntil(`${what} to be admitted`, 30_000, async () => {
    const res = kubectl(['apply', '-f', '-'], manifest);
    return res.status === 0 ? { done: true, value: undefined } : { done: false, seen: res.stderr.trim() };
  });
}

/** How a Pod stands, for the message of a wait that timed out. */
const standing = (p: V1Pod): string =>
  `${p.metadata?.name}:${p.status?.phase}@${p.spec?.nodeName ?? '-'}${p.status?.podIP ? '' : ':no-ip'}${p.metadata?.deletionTimestamp ? ':terminating' : ''}`;

/** Waits for exactly `n` Pods matching the labels, all Running with an IP and none terminating, and returns them. */
export async function runningPods(
  core: CoreV1Api,
  namespace: string,
  labels: Record<string, string>,
  n: number,
  timeoutMs = 90_000,
): Promise<V1Pod[]> {
  return pollUntil(`${n} Running Pods ${selector(labels)} in ${namespace}`, timeoutMs, async () => {
    const pods = (await core.listNamespacedPod({ namespace, labelSelector: selector(labels) })).items;
    const running = pods.filter((p) => p.status?.phase === 'Running' && p.status.podIP && !p.metadata?.deletionTimestamp);
    return running.length === n && pods.length === n
      ? { done: true, value: running }
      : { done: false, seen: pods.map(standing).join(' ') || 'no Pods' };
  });
}
