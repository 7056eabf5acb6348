// The leader gauge: one unlabelled series, 0 until the controllers run here.
import { describe, expect, it } from 'vitest';
import { createLeaderMetrics, createRegistry } from '../../../admission/index.js';

describe('admission_ipam_leader', () => {
  it('reads 0 until leading, then 1', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const { leader } = createLeaderMetrics(registry);
    expect(await registry.metrics()).toMatch(/^# TYPE admission_ipam_leader gauge\nadmission_ipam_leader 0$/m);
    leader.set(1);
    expect(await registry.metrics()).toMatch(/^admission_ipam_leader 1$/m);
  });
});
