// The part of a coordination.k8s.io/v1 Lease that leader election reads and writes, parsed from the API server's
// JSON with explicit checks, and written back into the object it came from. Pure.
import { isRecord } from '../watch/index.js';

/** client-go's LeaderElectionRecord as a Lease spec stores it. */
export interface LeaseRecord {
  /** '' when nobody holds the Lease (released, or never set). */
  holderIdentity: string;
  /** The holder's lease duration; absent on a Lease written by something else than an elector. */
  leaseDurationSeconds?: number;
  /** MicroTime strings, kept as written: expiry is never judged from them (see lease-decision.ts). */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions: number;
}

/** A Lease as read from (or written to) the API server. */
export interface StoredLease {
  resourceVersion: string;
  record: LeaseRecord;
  /** The whole object, so a write keeps the fields we do not manage (labels, annotations, spec.strategy...). */
  object: Record<string, unknown>;
}

/**
 * metav1.MicroTime: RFC 3339 with exactly six fractional digits. The API server parses it with a fixed layout
 * (2006-01-02T15:04:05.000000Z07:00), so the millisecond ISO string of a Date is refused; client-node 1.4.0's
 * typed CoordinationV1Api has the same trap on reads (its V1MicroTime fields arrive as plain strings).
 */
export function formatMicroTime(time: Date): string {
  return time.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function optionalString(spec: Record<string, unknown>, field: string, what: string): string | undefined {
  const value = spec[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Error(`${what}: spec.${field} is ${typeof value}, not a string`);
  return value;
}

function optionalCount(spec: Record<string, unknown>, field: string, what: string): number | undefined {
  const value = spec[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`${what}: spec.${field} is ${JSON.stringify(value)}, not a whole number >= 0`);
  }
  return value;
}

/** Parses a Lease object; `what` names it in errors (`Lease ns/name`). */
export function parseLease(raw: unknown, what: string): StoredLease {
  if (!isRecord(raw)) throw new Error(`${what}: the response is not a JSON object`);
  const metadata = isRecord(raw.metadata) ? raw.metadata : {};
  const resourceVersion = metadata.resourceVersion;
  if (typeof resourceVersion !== 'string' || resourceVersion === '') throw new Error(`${what}: the object has no metadata.resourceVersion`);
  const spec = raw.spec === undefined || raw.spec === null ? {} : raw.spec;
  if (!isRecord(spec)) throw new Error(`${what}: spec is not an object`);
  const leaseDurationSeconds = optionalCount(spec, 'leaseDurationSeconds', what);
  const acquireTime = optionalString(spec, 'acquireTime', what);
  const renewTime = optionalString(spec, 'renewTime', what);
  return {
    resourceVersion,
    record: {
      holderIdentity: optionalString(spec, 'holderIdentity', what) ?? '',
      ...(leaseDurationSeconds !== undefined && { leaseDurationSeconds }),
      ...(acquireTime !== undefined && { acquireTime }),
      ...(renewTime !== undefined && { renewTime }),
      leaseTransitions: optionalCount(spec, 'leaseTransitions', what) ?? 0,
    },
    object: raw,
  };
}

/** The spec fields of a record, every one present so a write replaces the old values. */
function specFields(record: LeaseRecord): Record<string, unknown> {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds ?? null,
    acquireTime: record.acquireTime ?? null,
    renewTime: record.renewTime ?? null,
    leaseTransitions: record.leaseTransitions,
  };
}

/** A new Lease holding `record`. */
export function newLeaseObject(namespace: string, name: string, record: LeaseRecord): Record<string, unknown> {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: specFields(record) };
}

/**
 * `current` with its record replaced, for a PUT guarded by current's resourceVersion. Built on the object as read
 * rather than from our fields alone, so a replace does not wipe labels, annotations or spec fields we do not know.
 */
export function replacedLeaseObject(current: StoredLease, record: LeaseRecord): Record<string, unknown> {
  const metadata = isRecord(current.object.metadata) ? current.object.metadata : {};
  const spec = isRecord(current.object.spec) ? current.object.spec : {};
  return {
    ...current.object,
    metadata: { ...metadata, resourceVersion: current.resourceVersion },
    spec: { ...spec, ...specFields(record) },
  };
}

/** Whether two records are the same version of the election state (client-go compares the serialised record). */
export function sameRecord(a: LeaseRecord, b: LeaseRecord): boolean {
  return (
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.acquireTime === b.acquireTime &&
    a.renewTime === b.renewTime &&
    a.leaseTransitions === b.leaseTransitions
  );
}
