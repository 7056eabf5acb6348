// SpiderSubnet's status.controlledIPPools, a JSON document Spiderpool keeps as a string, parsed with checks that
// say what is wrong: a corrupt status must produce a message, not a crash. A pool's status.allocatedIPs has its
// own, stricter parser in allocation-records.ts, shared by every reader and writer of that field.
import type { Parsed } from '../ip/index.js';
import { isJSONObject, parseStatusDocument } from './status-document.js';

export interface ControlledPool {
  ips: string[];
  application?: string;
}

export function parseControlledIPPools(text: string | null | undefined): Parsed<Map<string, ControlledPool>> {
  const pools = new Map<string, ControlledPool>();
  const read = parseStatusDocument('status.controlledIPPools', text, 'pool name');
  if (!read.ok) return read;
  const doc = read.value;
  for (const [pool, entry] of Object.entries(doc)) {
    if (!isJSONObject(entry) || !Array.isArray(entry.ips) || !entry.ips.every((ip) => typeof ip === 'string')) {
      return { ok: false, reason: `status.controlledIPPools["${pool}"] has no list of IP ranges "ips"` };
    }
    if (entry.application !== undefined && typeof entry.application !== 'string') {
      return { ok: false, reason: `status.controlledIPPools["${pool}"].application is not a string` };
    }
    pools.set(pool, { ips: entry.ips as string[], ...(typeof entry.application === 'string' ? { application: entry.application } : {}) });
  }
  return { ok: true, value: pools };
}
