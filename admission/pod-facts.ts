// Gathers what the pure core needs to know about a Pod being admitted: its labels
// and annotations, its Namespace, its workload, its node when already known, and
// the interfaces that take their addresses from us (through Multus NADs, or the
// primary network when that is configured as ours).
import {
  deeperThan,
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function requirementsProblem(v: unknown, at: string): string | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return `${at} must be a list`;
  for (const [i, r] of v.entries()) {
    if (!isObject(r) || typeof r.key !== 'string' || typeof r.operator !== 'string' || (r.values !== undefined && !isStrings(r.values))) {
      return `${at}[${i}] must be {key, operator, values: [strings]}`;
    }
  }
  return undefined;
}

/** The required node affinity is read (to pin a node) and rewritten (to add ours): its shape must be right. */
function affinityProblem(affinity: unknown): string | undefined {
  if (affinity === undefined) return undefined;
  if (!isObject(affinity)) return 'spec.affinity must be an object';
  const nodeAffinity = affinity.nodeAffinity;
  if (nodeAffinity === undefined) return undefined;
  if (!isObject(nodeAffinity)) return 'spec.affinity.nodeAffinity must be an object';
  const required = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined) return undefined;
  const at = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms';
  if (!isObject(required) || !Array.isArray(required.nodeSelectorTerms)) return `${at} must be a list`;
  for (const [i, term] of required.nodeSelectorTerms.entries()) {
    if (!isObject(term)) return `${at}[${i}] must be an object`;
    const problem =
      requirementsProblem(term.matchExpressions, `${at}[${i}].matchExpressions`) ??
      requirementsProblem(term.matchFields, `${at}[${i}].matchFields`);
    if (problem) return problem;
  }
  return undefined;
}

function ownerProblem(refs: unknown): string | undefined {
  if (refs === undefined) return undefined;
  if (!Array.isArray(refs)) return 'metadata.ownerReferences must be a list';
  for (const [i, r] of refs.entries()) {
    if (!isObject(r) || typeof r.apiVersion !== 'string' || typeof r.kind !== 'string' || typeof r.name !== 'string') {
      return `metadata.ownerReferences[${i}] must have string apiVersion, kind and name`;
    }
    if (r.controller !== undefined && typeof r.controller !== 'boolean')
      return `metadata.ownerReferences[${i}].controller must be true or false`;
  }
  return undefined;
}

/**
 * Checks the JSON types of every field read or rewritten here; anything else in the Pod is left to the API
 * server, which has already decoded it into a typed Pod (so these only fail on requests built by hand).
 */
export function readPod(json: unknown): { ok: true; pod: PodObject } | { ok: false; reason: string } {
  if (!isObject(json)) return { ok: false, reason: 'the request carries no Pod' };
  if (deeperThan(json, 64)) return { ok: false, reason: 'the Pod nests deeper than 64 levels' };
  const metadata = json.metadata ?? {};
  const spec = json.spec ?? {};
  if (!isObject(metadata)) return { ok: false, reason: 'metadata must be an object' };
  if (!isObject(spec)) return { ok: false, reason: 'spec must be an object' };
  for (const key of ['name', 'generateName', 'namespace'] as const) {
    if (metadata[key] !== undefined && typeof metadata[key] !== 'string') return { ok: false, reason: `metadata.${key} must be a string` };
  }
  for (const key of ['labels', 'annotations'] as const) {
    if (metadata[key] !== undefined && !isStringMap(metadata[key]))
      return { ok: false, reason: `metadata.${key} must be a map of strings` };
  }
  const problem = ownerProblem(metadata.ownerReferences) ?? affinityProblem(spec.affinity);
  if (problem) return { ok: false, reason: problem };
  if (spec.nodeName !== undefined && typeof spec.nodeName !== 'string') return { ok: false, reason: 'spec.nodeName must be a string' };
  if (spec.hostNetwork !== undefined && typeof spec.hostNetwork !== 'boolean')
    return { ok: false, reason: 'spec.hostNetwork must be true or false' };
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
