// Pool and subnet fill, read from the cached objects at each scrape.
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../../admission/index.js';
import { registerPoolMetrics } from '../../../admission/pool-metrics.js';
import type { SpiderIPPool, SpiderSubnet } from '../../../ipam/model/index.js';

const pool = (name: string, total?: number, allocated?: number): SpiderIPPool => ({
  metadata: { name },
  spec: { subnet: '10.6.0.0/16' },
  ...(total === undefined ? {} : { status: { totalIPCount: total, allocatedIPCount: allocated } }),
});

describe('pool metrics', () => {
  it('report each pool and subnet with counts, follow changes and drop deleted pools', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    let pools: SpiderIPPool[] = [pool('web', 11, 2), pool('new')];
    const subnets: SpiderSubnet[] = [
      { metadata: { name: 'lan' }, spec: { subnet: '10.6.0.0/16' }, status: { totalIPCount: 100, allocatedIPCount: 11 } },
    ];
    registerPoolMetrics(registry, { pools: () => pools, subnets: () => subnets });
    const first = await registry.metrics();
    expect(first).toMatch(/^admission_ipam_ippool_total_ips\{pool="web"\} 11$/m);
    expect(first).toMatch(/^admission_ipam_ippool_allocated_ips\{pool="web"\} 2$/m);
    expect(first).not.toContain('pool="new"');
    expect(first).toMatch(/^admission_ipam_subnet_total_ips\{subnet="lan"\} 100$/m);
    expect(first).toMatch(/^admission_ipam_subnet_allocated_ips\{subnet="lan"\} 11$/m);

    pools = [pool('other', 5, 5)];
    const second = await registry.metrics();
    expect(second).not.toContain('pool="web"');
    expect(second).toMatch(/^admission_ipam_ippool_allocated_ips\{pool="other"\} 5$/m);
  });
});
