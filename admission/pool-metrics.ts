// How full each pool and subnet is, for "pool nearly used out" alerts. Read at scrape time from the cached objects'
// status counts (the Lease holder's status controller keeps them true), so every replica reports the same values:
// aggregate with max by (pool). One series per pool or subnet: automatic pools add one per workload and interface.
import { Gauge, type Registry } from 'prom-client';
import type { SpiderIPPool, SpiderSubnet } from '../ipam/model/index.js';
import { METRIC_PREFIX } from './metrics.js';

export interface PoolCountsView {
  pools(): readonly SpiderIPPool[];
  subnets(): readonly SpiderSubnet[];
}

type Counted = { metadata: { name?: string }; status?: { totalIPCount?: number; allocatedIPCount?: number } };

function countsGauge(
  register: Registry,
  name: string,
  help: string,
  label: 'pool' | 'subnet',
  read: () => readonly Counted[],
  field: 'totalIPCount' | 'allocatedIPCount',
) {
  const gauge: Gauge<typeof label> = new Gauge({
    name: `${METRIC_PREFIX}${name}`,
    help,
    labelNames: [label],
    registers: [register],
    collect() {
      // Rebuilt at each scrape: a deleted pool's series goes with it.
      gauge.reset();
      for (const object of read()) {
        const value = object.status?.[field];
        if (object.metadata.name && typeof value === 'number') gauge.set({ [label]: object.metadata.name }, value);
      }
    },
  });
}

const gauges = [
  ['ippool_total_ips', 'Usable addresses of a SpiderIPPool (status.totalIPCount).', 'pool', 'totalIPCount'],
  [
    'ippool_allocated_ips',
    'Addresses of a SpiderIPPool held by Pods or reservations (status.allocatedIPCount).',
    'pool',
    'allocatedIPCount',
  ],
  ['subnet_total_ips', 'Usable addresses of a SpiderSubnet (status.totalIPCount).', 'subnet', 'totalIPCount'],
  ['subnet_allocated_ips', 'Addresses of a SpiderSubnet handed to pools (status.allocatedIPCount).', 'subnet', 'allocatedIPCount'],
] as const;

export function registerPoolMetrics(register: Registry, view: PoolCountsView): void {
  for (const [name, help, label, field] of gauges) {
    countsGauge(register, name, help, label, label === 'pool' ? view.pools : view.subnets, field);
  }
}
