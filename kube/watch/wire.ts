// Parsing what the API server sends (LIST pages, watch lines, Status objects) with explicit checks, so a surprise
// on the wire becomes a message naming the request and the field instead of a TypeError deep in the loop. Pure.
import type { KubeObject } from './types.js';

export interface ListPage<T> {
  items: T[];
  resourceVersion: string;
  /** The `continue` token of the next page; undefined on the last page. */
  continueToken: string | undefined;
}

export interface RawWatchEvent {
  type: string;
  object: unknown;
}

/** The fields of a metav1.Status the loop looks at. */
export interface StatusFields {
  code?: number;
  reason?: string;
  message?: string;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(record: Record<string, unknown> | undefined, field: string): string | undefined {
  const value = record?.[field];
  return typeof value === 'string' ? value : undefined;
}

function metadataOf(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) && isRecord(value.metadata) ? value.metadata : undefined;
}

export function nameOf(value: unknown): string | undefined {
  return stringField(metadataOf(value), 'name');
}

export function resourceVersionOf(value: unknown): string | undefined {
  return stringField(metadataOf(value), 'resourceVersion');
}

/** An object the cache can hold: it has a name to key it by and a resourceVersion to tell versions apart. */
export function checkObject(value: unknown): string | undefined {
  if (!isRecord(value)) return 'is not a JSON object';
  if (!nameOf(value)) return 'has no metadata.name';
  if (!resourceVersionOf(value)) return 'has no metadata.resourceVersion';
  return undefined;
}

/**
 * One page of a LIST. Items of a LIST response carry no kind/apiVersion while watch events do; they are filled
 * in from the list's own (`ConfigMapList` → `ConfigMap`) so cached objects look the same whichever way they came.
 */
export function parseListPage<T extends KubeObject>(raw: unknown, what: string): ListPage<T> {
  if (!isRecord(raw)) throw new Error(`${what}: the response is not a JSON object`);
  const listMeta = isRecord(raw.metadata) ? raw.metadata : undefined;
  const resourceVersion = stringField(listMeta, 'resourceVersion');
  if (!resourceVersion) throw new Error(`${what}: the list has no metadata.resourceVersion, so no watch can start from it`);
  const rawItems = raw.items ?? [];
  if (!Array.isArray(rawItems)) throw new Error(`${what}: items is ${typeof rawItems}, not an array`);
  const listKind = stringField(raw, 'kind');
  const kind = listKind?.endsWith('List') ? listKind.slice(0, -'List'.length) : undefined;
  const apiVersion = stringField(raw, 'apiVersion');
  const items = rawItems.map((item: unknown, index) => {
    const problem = checkObject(item);
    if (problem || !isRecord(item)) throw new Error(`${what}: items[${index}] ${problem ?? 'is not a JSON object'}`);
    // The object is only checked for the fields the cache needs; the rest is trusted to be the T the caller asked for.
    return { ...(apiVersion && { apiVersion }), ...(kind && { kind }), ...item } as T;
  });
  const continueToken = stringField(listMeta, 'continue') || undefined;
  return { items, resourceVersion, continueToken };
}

export function parseWatchLine(line: string): { event: RawWatchEvent } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    return { problem: `not JSON (${err instanceof Error ? err.message : String(err)}): ${line.slice(0, 120)}` };
  }
  if (!isRecord(raw)) return { problem: `not a JSON object: ${line.slice(0, 120)}` };
  const type = stringField(raw, 'type');
  if (!type) return { problem: `no "type": ${line.slice(0, 120)}` };
  return { event: { type, object: raw.object } };
}

/** Reads a metav1.Status (a non-200 body, or the object of an ERROR event); anything else yields no fields. */
export function statusOf(raw: unknown): StatusFields {
  if (!isRecord(raw)) return {};
  const code = typeof raw.code === 'number' ? raw.code : undefined;
  const reason = stringField(raw, 'reason');
  const message = stringField(raw, 'message');
  return { ...(code !== undefined && { code }), ...(reason && { reason }), ...(message && { message }) };
}

/** A Status from a response body that may not be JSON at all (a proxy's HTML error page, say). */
export function statusOfBody(body: string): StatusFields {
  try {
    return statusOf(JSON.parse(body));
  } catch {
    const text = body.trim().slice(0, 200);
    return text ? { message: text } : {};
  }
}
