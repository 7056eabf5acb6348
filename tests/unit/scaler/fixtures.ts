// What the controllers' unit tests share besides the in-memory cache: a logger that drops everything, and an
// automatic pool as the webhook or the auto-pool controller would make it for a workload.
import type { Logger } from '../../../admission/log.js';
import { type AutoPoolOwner, buildAutoPool } from '../../../ipam/allocate/index.js';
import type { SpiderIPPool } from '../../../ipam/model/index.js';

export const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, child: () => silent } as unknown as Logger;

/** An empty IPv4 automatic pool of subnet `s` for the workload's eth0. */
export function autoPoolOf(
  owner: AutoPoolOwner,
  options: { reclaim?: boolean; ipNumber?: string } = {},
): SpiderIPPool & { metadata: { name: string } } {
  const p = buildAutoPool({
    subnet: { metadata: { name: 's', uid: 'su' }, spec: { ipVersion: 4, subnet: '10.0.0.0/24' } },
    workload: owner,
    interfaceName: 'eth0',
    family: 4,
    ips: { family: 4, ranges: [] },
    ipNumber: options.ipNumber ?? '+3',
    reclaim: options.reclaim ?? true,
  });
  return { ...p, metadata: { ...p.metadata, name: p.metadata.name ?? '' } };
}
