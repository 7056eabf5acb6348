// SpiderSubnet's status.controlledIPPools, a JSON document Spiderpool keeps as a string, parsed with checks that
// say what is wrong: a corrupt status must produce a message, not a crash. A pool's status.allocatedIPs has its
// own, stricter parser in allocation-records.ts, shared by every reader and writer of that field.
import type { Parsed } from '../ip/index.js';

export interface ControlledPool {
  ips: string[];
  application?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseControlledIPPools(text: string | null | undefined): Parsed<Map<string, ControlledPool>> {
  const pools = new Map<string, ControlledPool>();
  if (text === undefined || text === null || text === '') return { ok: true, value: pools };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `status.controlledIPPools is not JSON: ${(err as Error).message}` };
  }
  if (!isRecord(doc)) return { ok: false, reason: 'status.controlledIPPools is not a JSON object keyed by pool name' };
  for (const [pool, entry] of Object.entries(doc)) {
    if (!isRecord(entry) || !Array.isArray(entry.ips) || !entry.ips.every((ip) => typeof ip === 'string')) {
      return { ok: false, reason: `status.controlledIPPools["${pool}"] has no list of IP ranges "ips"` };
    }
    if (entry.application !== undefined && typeof entry.application !== 'string') {
      return { ok: false, reason: `status.controlledIPPools["${pool}"].application is not a string` };
    }
    pools.set(pool, { ips: entry.ips as string[], ...(typeof entry.application === 'string' ? { application: entry.application } : {}) });
  }
  return { ok: true, value: pools };
}
