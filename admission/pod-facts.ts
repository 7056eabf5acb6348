// Gathers what the pure core needs to know about a Pod being admitted: its labels
// and annotations, its Namespace, its workload, its node when already known, and
// the interfaces that take their addresses from us (through Multus NADs, or the
// primary network when that is configured as ours).
import {
  type InterfaceIPAMConfig,
  namespaceAnnotations,
  type OwnerReference,
  type PodFacts,
  type PodInterface,
  podAnnotations,
} from '../ipam/model/index.js';
import { multusInterfaces } from '../ipam/model/multus.js';
import { readAttachmentIPAM } from '../ipam/model/network-attachment.js';
import { type Affinity, pinnedNodeName } from '../ipam/select/node-affinity.js';
import { type OwnerLookup, topController } from '../ipam/select/top-controller.js';

/** The parts of a Pod admission reads, checked for their JSON types. */
export interface PodObject {
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
  };
  spec: { nodeName?: string; hostNetwork?: boolean; affinity?: Affinity };
}

export interface PodView {
  namespace(name: string): { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;
  /** `spec.config` of a NAD "namespace/name"; `undefined` when the NAD does not exist. */
  networkAttachmentConfig(key: string): { config: string | undefined } | undefined;
  owners: OwnerLookup;
}

export interface PodFactsOptions {
  /** Where a bare Multus default-network name lives. */
  multusNamespace: string;
  /** Multus' clusterNetwork ("ns/name"), when the cluster runs Multus with one. */
  clusterNetwork?: string;
  /**
   * Whether eth0 without a NetworkAttachmentDefinition (the cluster's primary network) takes its address from us:
   * `ours` always (our IPAM is the primary CNI's IPAM, as with Calico underlay); `other` never (an overlay keeps
   * its own IPAM; only Multus interfaces of ours are served); `annotated` when the Pod or its Namespace names
   * pools or subnets with ipam.spidernet.io annotations.
   */
  primaryNetwork: 'ours' | 'annotated' | 'other';
}

const selectionAnnotations = [podAnnotations.ippool, podAnnotations.ippools, podAnnotations.subnet, podAnnotations.subnets];
const namespaceSelectionAnnotations = [namespaceAnnotations.defaultIPv4Pools, namespaceAnnotations.defaultIPv6Pools];

function primaryIsOurs(options: PodFactsOptions, pod: PodObject, ns: { annotations?: Record<string, string> }): boolean {
  if (options.primaryNetwork !== 'annotated') return options.primaryNetwork === 'ours';
  const podOwn = pod.metadata.annotations ?? {};
  const nsOwn = ns.annotations ?? {};
  return selectionAnnotations.some((k) => k in podOwn) || namespaceSelectionAnnotations.some((k) => k in nsOwn);
}

const noIPAMConfig: InterfaceIPAMConfig = { defaultIPv4Pools: [], defaultIPv6Pools: [], cleanGateway: false };

function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

/** Checks the few fields read here; anything else in the Pod is left to the API server. */
export function readPod(json: unknown): { ok: true; pod: PodObject } | { ok: false; reason: string } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'the request carries no Pod' };
  const o = json as Record<string, unknown>;
  const metadata = (o.metadata ?? {}) as Record<string, unknown>;
  const spec = (o.spec ?? {}) as Record<string, unknown>;
  if (typeof metadata !== 'object' || typeof spec !== 'object') return { ok: false, reason: 'the Pod has no metadata or spec object' };
  for (const key of ['labels', 'annotations'] as const) {
    if (metadata[key] !== undefined && !isStringMap(metadata[key]))
      return { ok: false, reason: `metadata.${key} must be a map of strings` };
  }
  if (metadata.ownerReferences !== undefined && !Array.isArray(metadata.ownerReferences))
    return { ok: false, reason: 'metadata.ownerReferences must be a list' };
  if (spec.nodeName !== undefined && typeof spec.nodeName !== 'string') return { ok: false, reason: 'spec.nodeName must be a string' };
  return { ok: true, pod: { metadata: metadata as PodObject['metadata'], spec: spec as PodObject['spec'] } };
}

/** The interfaces whose addresses we assign, or why the Pod cannot be served. */
function ourInterfaces(
  pod: PodObject,
  namespace: string,
  primaryOurs: boolean,
  view: PodView,
  options: PodFactsOptions,
): { ok: true; value: PodInterface[] } | { ok: false; reason: string } {
  const all = multusInterfaces(pod.metadata.annotations ?? {}, namespace, options);
  if (!all.ok) return all;
  const out: PodInterface[] = [];
  for (const iface of all.value) {
    if (iface.network === undefined) {
      if (primaryOurs) out.push({ name: iface.name, index: iface.index, ipam: noIPAMConfig });
      continue;
    }
    const nad = view.networkAttachmentConfig(iface.network);
    if (!nad) {
      return { ok: false, reason: `interface ${iface.name}: NetworkAttachmentDefinition ${iface.network} does not exist` };
    }
    const ipam = readAttachmentIPAM(iface.network, nad.config);
    if (!ipam.ok) return { ok: false, reason: `interface ${iface.name}: ${ipam.reason}` };
    if (ipam.value.ours) out.push({ name: iface.name, index: iface.index, network: iface.network, ipam: ipam.value.ipam });
  }
  return { ok: true, value: out };
}

export function podFacts(
  pod: PodObject,
  namespace: string,
  view: PodView,
  options: PodFactsOptions,
): { ok: true; facts: PodFacts } | { ok: false; reason: string } {
  const ns = view.namespace(namespace);
  if (!ns) return { ok: false, reason: `namespace ${namespace} is not known yet; retry` };
  const interfaces = ourInterfaces(pod, namespace, primaryIsOurs(options, pod, ns), view, options);
  if (!interfaces.ok) return interfaces;
  const name = pod.metadata.name ?? '';
  const nodeName = pinnedNodeName(pod.spec);
  return {
    ok: true,
    facts: {
      namespace,
      name,
      labels: pod.metadata.labels ?? {},
      annotations: pod.metadata.annotations ?? {},
      namespaceLabels: ns.labels ?? {},
      namespaceAnnotations: ns.annotations ?? {},
      ...(nodeName ? { nodeName } : {}),
      topController: topController({ namespace, name, ownerReferences: pod.metadata.ownerReferences }, view.owners),
      interfaces: interfaces.value,
    },
  };
}
