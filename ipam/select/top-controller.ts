// The workload a Pod belongs to, at the top of its owner chain, as Spiderpool
// resolves it: Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob, or the
// StatefulSet / DaemonSet / ReplicaSet / Job itself. An owner outside the core,
// apps and batch groups is a third-party controller, identified by that owner.
import type { OwnerReference, TopController } from '../model/index.js';

const nativeGroups = new Set(['', 'apps', 'batch']);

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The owners of a ReplicaSet or Job, read from a cache; undefined when it is not (yet) known. */
export type OwnerLookup = (kind: 'ReplicaSet' | 'Job', namespace: string, name: string) => OwnerReference[] | undefined;

function controllerOf(refs: readonly OwnerReference[] | undefined): OwnerReference | undefined {
  return refs?.find((r) => r.controller === true);
}

export function topController(
  pod: { namespace: string; name: string; ownerReferences?: OwnerReference[] },
  lookup: OwnerLookup,
): TopController {
  const direct = controllerOf(pod.ownerReferences);
  if (!direct) return { group: '', version: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name };
  const gv = splitApiVersion(direct.apiVersion);
  const identity = (ref: OwnerReference): TopController => ({
    ...splitApiVersion(ref.apiVersion),
    kind: ref.kind,
    namespace: pod.namespace,
    name: ref.name,
    uid: ref.uid,
  });
  if (!nativeGroups.has(gv.group)) return identity(direct);
  // A ReplicaSet owned by a Deployment, and a Job owned by a CronJob, belong to that owner.
  if ((direct.kind === 'ReplicaSet' && gv.group === 'apps') || (direct.kind === 'Job' && gv.group === 'batch')) {
    const parent = controllerOf(lookup(direct.kind, pod.namespace, direct.name));
    const expected = direct.kind === 'ReplicaSet' ? 'Deployment' : 'CronJob';
    if (parent && parent.kind === expected && splitApiVersion(parent.apiVersion).group === gv.group) return identity(parent);
  }
  return identity(direct);
}
