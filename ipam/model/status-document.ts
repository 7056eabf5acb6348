// Spiderpool keeps some status fields as JSON objects serialised into strings (status.allocatedIPs,
// status.controlledIPPools). Reading one: absent or empty is an empty object; anything but a JSON object is a
// message naming the field, never an exception.
import type { Parsed } from '../ip/index.js';

export const isJSONObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** @param keyedBy what the object's keys are, for the message: "IP", "pool name". */
export function parseStatusDocument(field: string, text: string | null | undefined, keyedBy: string): Parsed<Record<string, unknown>> {
  if (text === undefined || text === null || text === '') return { ok: true, value: {} };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `${field} is not JSON: ${(err as Error).message}` };
  }
  return isJSONObject(doc) ? { ok: true, value: doc } : { ok: false, reason: `${field} is not a JSON object keyed by ${keyedBy}` };
}
