// The JSON documents Spiderpool keeps as strings in status fields, parsed with
// checks that say what is wrong: a corrupt status must produce a message, not a crash.
import type { Parsed } from '../ip/index.js';

/** One address of a pool, held by a Pod (`pod` = "<namespace>/<name>"). */
export interface AllocationRecord {
  pod: string;
  podUid: string;
  [extra: string]: unknown;
}

export interface ControlledPool {
  ips: string[];
  application?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseAllocatedIPs(text: string | null | undefined): Parsed<Map<string, AllocationRecord>> {
  const records = new Map<string, AllocationRecord>();
  if (text === undefined || text === null || text === '') return { ok: true, value: records };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `status.allocatedIPs is not JSON: ${(err as Error).message}` };
  }
  if (!isRecord(doc)) return { ok: false, reason: 'status.allocatedIPs is not a JSON object keyed by IP' };
  for (const [ip, record] of Object.entries(doc)) {
    if (!isRecord(record) || typeof record.pod !== 'string' || typeof record.podUid !== 'string') {
      return { ok: false, reason: `status.allocatedIPs["${ip}"] is not a record {"pod": "<namespace>/<name>", "podUid": "<uid>"}` };
    }
    records.set(ip, record as AllocationRecord);
  }
  return { ok: true, value: records };
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
