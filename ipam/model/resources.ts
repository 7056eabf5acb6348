// The three custom resources, as plain JSON types. Fields the API server may omit
// are optional; `routes` keeps the difference between absent and empty, because
// only an absent list inherits the subnet's routes.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

export interface Route {
  dst: string;
  gw: string;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Fields shared by pools and subnets. */
export interface AddressSpec {
  ipVersion?: number;
  subnet: string;
  ips?: string[];
  excludeIPs?: string[];
  gateway?: string;
  routes?: Route[];
}

export interface IPPoolSpec extends AddressSpec {
  podAffinity?: LabelSelector;
  namespaceAffinity?: LabelSelector;
  namespaceName?: string[];
  nodeAffinity?: LabelSelector;
  nodeName?: string[];
  multusName?: string[];
  default?: boolean;
  disable?: boolean;
}

export interface IPPoolStatus {
  /** JSON text: {"<ip>": {"pod": "<ns>/<name>", "podUid": "<uid>"}}; absent or null when nothing is allocated. */
  allocatedIPs?: string | null;
  allocatedIPCount?: number;
  totalIPCount?: number;
}

export interface SpiderIPPool {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: IPPoolSpec;
  status?: IPPoolStatus;
}

export interface SubnetStatus {
  /** JSON text: {"<pool>": {"ips": ["a-b", ...], "application"?: "<gv>_<Kind>_<ns>_<name>"}}. */
  controlledIPPools?: string | null;
  allocatedIPCount?: number;
  totalIPCount?: number;
}

export interface SpiderSubnet {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: AddressSpec;
  status?: SubnetStatus;
}

export interface ReservedIPSpec {
  ipVersion?: number;
  ips?: string[];
}

export interface SpiderReservedIP {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: ReservedIPSpec;
}
