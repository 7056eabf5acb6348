// The facts about a Pod that pool selection and allocation need, gathered by the
// admission layer (from the Pod, its Namespace, its owners, its Multus networks
// and their NetworkAttachmentDefinitions) and handed to the pure core.
import type { IPFamily } from '../ip/index.js';

/** The workload at the top of the Pod's owner chain (Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob, ...). */
export interface TopController {
  /** API group, "" for core; e.g. "apps", "batch". */
  group: string;
  version: string;
  /** "Deployment", "StatefulSet", ..., or "Pod" for a bare Pod. */
  kind: string;
  namespace: string;
  name: string;
  /** Known for a workload read from the cache; unknown for a bare Pod at admission (no UID yet). */
  uid?: string;
}

/** The IPAM section of an interface's CNI config, as far as pool selection reads it. */
export interface InterfaceIPAMConfig {
  /** `default_ipv4_ippool` / `default_ipv6_ippool` of the CNI config's ipam section (source 5 of selection). */
  defaultIPv4Pools: string[];
  defaultIPv6Pools: string[];
  /** `clean_gateway` of the ipam section. */
  cleanGateway: boolean;
}

/** One network interface of the Pod that uses our IPAM. */
export interface PodInterface {
  /** "eth0", "net1", or the name asked for with `@ifname` / `"interface"`. */
  name: string;
  /** 0 for the first interface, i for the i-th entry of k8s.v1.cni.cncf.io/networks. */
  index: number;
  /** The NetworkAttachmentDefinition as "namespace/name"; undefined for the cluster's primary network without Multus. */
  network?: string;
  ipam: InterfaceIPAMConfig;
}

export interface PodFacts {
  namespace: string;
  /** Empty at admission for a Pod created from generateName. */
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  namespaceLabels: Record<string, string>;
  namespaceAnnotations: Record<string, string>;
  /** Known when spec.nodeName is set, or a required node affinity pins one node (DaemonSet Pods). */
  nodeName?: string;
  topController: TopController;
  /** The interfaces that use our IPAM, in Multus order (the first is eth0). */
  interfaces: PodInterface[];
}

/** The families a cluster allows (Spiderpool's enableIPv4 / enableIPv6). */
export interface FamilySwitches {
  enableIPv4: boolean;
  enableIPv6: boolean;
}

export type { IPFamily };

/** Where an interface's pool names came from (Spiderpool's precedence, highest first). */
export type PoolSource = 'subnet' | 'ippools' | 'ippool' | 'namespace' | 'cni-config' | 'cluster-default';

/**
 * What a Pod asks for on one interface, before the pools are looked up: names (or globs) of pools per family
 * in the user's order — or, for the `subnet` source, the SpiderSubnet name per family whose automatic pool
 * serves the workload. A family that is absent is not allocated.
 */
export interface PoolRequest {
  interface: string;
  source: PoolSource;
  cleanGateway: boolean;
  ipv4?: string[];
  ipv6?: string[];
}
