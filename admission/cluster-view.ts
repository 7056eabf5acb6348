// What the webhooks read about the cluster: informer caches behind a small
// interface, so a handler never does a live GET on the request path.
import type { SpiderIPPool, SpiderReservedIP, SpiderSubnet } from '../ipam/model/index.js';

export interface ClusterView {
  pools(): SpiderIPPool[];
  subnets(): SpiderSubnet[];
  reservedIPs(): SpiderReservedIP[];
}
