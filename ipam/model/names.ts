// Names of the API, labels, annotations and finalizer, as Spiderpool spells them:
// manifests written for Spiderpool must work here unchanged.
export const group = 'spiderpool.spidernet.io';
export const version = 'v2beta1';
export const apiVersion = `${group}/${version}`;

export const kinds = {
  ipPool: 'SpiderIPPool',
  subnet: 'SpiderSubnet',
  reservedIP: 'SpiderReservedIP',
} as const;

export const plurals = {
  ipPool: 'spiderippools',
  subnet: 'spidersubnets',
  reservedIP: 'spiderreservedips',
} as const;

/** The label (value "true") that keeps a Pod or a Namespace away from the Pod webhook: set by users, not Spiderpool's. */
export const optOutLabel = 'admission-ipam.spidernet.io/ignore';

/** The one finalizer used on pools and subnets. */
export const finalizer = 'spiderpool.spidernet.io';

const prefix = 'ipam.spidernet.io';

export const labels = {
  ipPoolCIDR: `${prefix}/ippool-cidr`,
  subnetCIDR: `${prefix}/subnet-cidr`,
  ownerSubnet: `${prefix}/owner-spider-subnet`,
  ownerApplicationGV: `${prefix}/owner-application-gv`,
  ownerApplicationKind: `${prefix}/owner-application-kind`,
  ownerApplicationNamespace: `${prefix}/owner-application-namespace`,
  ownerApplicationName: `${prefix}/owner-application-name`,
  ownerApplicationUID: `${prefix}/owner-application-uid`,
  interface: `${prefix}/interface`,
  ipVersion: `${prefix}/ip-version`,
  reclaimIPPool: `${prefix}/ippool-reclaim`,
} as const;

/** The podAffinity matchLabels keys an automatic pool carries, naming its workload. */
export const autoPoolAffinityKeys = {
  apiGroup: `${prefix}/app-api-group`,
  apiVersion: `${prefix}/app-api-version`,
  kind: `${prefix}/app-kind`,
  namespace: `${prefix}/app-namespace`,
  name: `${prefix}/app-name`,
} as const;

export const podAnnotations = {
  ippool: `${prefix}/ippool`,
  ippools: `${prefix}/ippools`,
  subnet: `${prefix}/subnet`,
  subnets: `${prefix}/subnets`,
  ippoolIPNumber: `${prefix}/ippool-ip-number`,
  ippoolReclaim: `${prefix}/ippool-reclaim`,
  routes: `${prefix}/routes`,
  defaultRouteNIC: `${prefix}/default-route-nic`,
  /** Prefix of the per-interface result annotation: `ipam.spidernet.io/assigned-eth0`. */
  assignedPrefix: `${prefix}/assigned-`,
} as const;

export const namespaceAnnotations = {
  defaultIPv4Pools: `${prefix}/default-ipv4-ippool`,
  defaultIPv6Pools: `${prefix}/default-ipv6-ippool`,
} as const;
