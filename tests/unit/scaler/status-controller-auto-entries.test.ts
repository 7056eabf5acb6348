// The status controller and controlledIPPools entries written before their pool: kept while the workload lives,
// dropped once it is gone — after a grace, since workload caches lag a workload created a moment ago.
import { afterEach, describe, expect, it } from 'vitest';
import type { SpiderIPPool, SpiderSubnet } from '../../../ipam/model/index.js';
import type { CustomResourceWriter } from '../../../kube/custom-resources.js';
import type { ResourceCache } from '../../../kube/watch/index.js';
import { startStatusController } from '../../../scaler/status-controller.js';
import { silent } from './fixtures.js';
import { MemoryCache } from './memory-cache.js';

type Named<T> = T & { metadata: { name: string } };

const entry = { ips: ['10.0.0.10-10.0.0.14'], application: 'apps_v1_Deployment_ns_nginx' };

function subnet(rv: string, controlled: string | null): Named<SpiderSubnet> {
  return {
    metadata: { name: 's', resourceVersion: rv },
    spec: { ipVersion: 4, subnet: '10.0.0.0/24', ips: ['10.0.0.10-10.0.0.60'] },
    status: { controlledIPPools: controlled, totalIPCount: 51, allocatedIPCount: controlled ? 5 : 0 },
  };
}

function setup(lives: () => 'present' | 'absent' | 'unknown', clock: { t: number }) {
  const pools = new MemoryCache<Named<SpiderIPPool>>();
  const subnets = new MemoryCache<Named<SpiderSubnet>>();
  const writes: Array<Record<string, unknown>> = [];
  const writer: CustomResourceWriter = {
    patchStatus: async (_plural, _name, _rv, status) => {
      writes.push(status);
      return {};
    },
    get: async () => ({}),
    setFinalizers: async () => {},
    delete: async () => {},
  };
  const controller = startStatusController({
    pools: pools as unknown as ResourceCache<Named<SpiderIPPool>>,
    subnets: subnets as unknown as ResourceCache<Named<SpiderSubnet>>,
    writer,
    log: silent,
    workloadLives: lives,
    orphanGraceMs: 1000,
    now: () => clock.t,
  });
  return { subnets, writes, controller };
}

const settle = () => new Promise((r) => setTimeout(r, 30));
let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('entries of automatic pools that do not exist yet', () => {
  it('are kept while their workload lives', async () => {
    const t = setup(() => 'present', { t: 0 });
    stop = t.controller.stop;
    t.subnets.put(subnet('1', JSON.stringify({ 'auto4-nginx-eth0-abcde': entry })));
    await settle();
    expect(t.writes).toEqual([]);
  });

  it('are dropped once the workload has looked gone for the grace period', async () => {
    const clock = { t: 0 };
    const t = setup(() => 'absent', clock);
    stop = t.controller.stop;
    t.subnets.put(subnet('1', JSON.stringify({ 'auto4-nginx-eth0-abcde': entry })));
    await settle();
    expect(t.writes).toEqual([]);
    clock.t = 1500;
    t.subnets.put(subnet('2', JSON.stringify({ 'auto4-nginx-eth0-abcde': entry })));
    await settle();
    expect(t.writes).toEqual([{ controlledIPPools: null, totalIPCount: 51, allocatedIPCount: 0 }]);
  });

  it('are looked at again, with no other event, when the workload caches could not tell at first', async () => {
    const clock = { t: 0 };
    let state: 'unknown' | 'absent' = 'unknown';
    const t = setup(() => state, clock);
    stop = t.controller.stop;
    t.subnets.put(subnet('1', JSON.stringify({ 'auto4-nginx-eth0-abcde': entry })));
    await settle();
    expect(t.writes).toEqual([]);
    // The caches list: the workload is gone. No subnet event follows; the controller's own recheck finds it, and the
    // one after the grace drops the entry.
    state = 'absent';
    clock.t = 1000;
    await new Promise((r) => setTimeout(r, 1100));
    clock.t = 2500;
    await new Promise((r) => setTimeout(r, 1100));
    expect(t.writes).toEqual([{ controlledIPPools: null, totalIPCount: 51, allocatedIPCount: 0 }]);
  });
});
