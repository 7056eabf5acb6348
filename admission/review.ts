// The AdmissionReview wire format and the decisions every webhook handler returns.
// Pure: no I/O. client-node has no AdmissionReview types, so they are declared here and
// the few fields we read are checked explicitly (node20-stack-notes §2).
import type { Operation } from 'fast-json-patch';
import jsonPatch from 'fast-json-patch';

export const ADMISSION_V1 = 'admission.k8s.io/v1';
export const ADMISSION_V1BETA1 = 'admission.k8s.io/v1beta1';
export type AdmissionApiVersion = typeof ADMISSION_V1 | typeof ADMISSION_V1BETA1;

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind?: GroupVersionKind;
  requestResource?: GroupVersionResource;
  requestSubResource?: string;
  /** Absent on a CREATE with `metadata.generateName`: the API server names the object after admission. */
  name?: string;
  namespace?: string;
  operation: AdmissionOperation;
  userInfo: UserInfo;
  /** The object as the API server sent it (plain JSON, unknown fields included); absent on DELETE. */
  object?: JsonObject;
  /** The stored object on UPDATE and DELETE. */
  oldObject?: JsonObject;
  dryRun?: boolean;
  options?: JsonObject;
}

/** An incoming review, as received (request only). */
export interface AdmissionReview {
  apiVersion: AdmissionApiVersion;
  kind: 'AdmissionReview';
  request: AdmissionRequest;
}

/** Kubernetes `metav1.StatusReason` values a webhook may answer with. */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'TooManyRequests'
  | 'RequestEntityTooLarge'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'Unknown';

/** Kubernetes `metav1.CauseType` values (what `kubectl` shows per field of an Invalid error). */
export type CauseType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'InternalError';

export interface StatusCause {
  field: string;
  message: string;
  reason: CauseType;
}

export type PatchOperation = Operation;

export type Decision =
  | { kind: 'allowed'; warnings?: string[] }
  | {
      kind: 'denied';
      code: number;
      reason?: StatusReason;
      message: string;
      causes?: StatusCause[];
      target?: StatusTarget;
      warnings?: string[];
    }
  | { kind: 'patched'; patch: PatchOperation[]; warnings?: string[] };

export interface DenialOptions {
  /** HTTP-style status code shown to the user; 403 by default, 422 for spec validation failures. */
  code?: number;
  /** Defaults from the code: 403 Forbidden, 422 Invalid, 409 AlreadyExists, 400 BadRequest, 500 InternalError. */
  reason?: StatusReason;
  causes?: StatusCause[];
  /** The object refused; kubectl then prints `The <Kind> "<name>" is invalid:` followed by the causes. */
  target?: StatusTarget;
  warnings?: string[];
}

export interface StatusTarget {
  name?: string;
  group?: string;
  kind?: string;
}

export interface AdmissionStatus {
  code: number;
  reason?: StatusReason;
  message: string;
  details?: StatusTarget & { causes?: StatusCause[] };
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  /** The denial. On the wire this is `status` — there is no `result` field (Go's `Result` is tagged `json:"status"`). */
  status?: AdmissionStatus;
  patchType?: 'JSONPatch';
  /** base64 of the JSON Patch array. */
  patch?: string;
  warnings?: string[];
}

export interface AdmissionReviewResponse {
  apiVersion: AdmissionApiVersion;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

// ---------------------------------------------------------------------------------------------
// Decisions

export function allowed(warnings?: string[]): Decision {
  return warnings !== undefined && warnings.length > 0 ? { kind: 'allowed', warnings } : { kind: 'allowed' };
}

const defaultReasons: ReadonlyMap<number, StatusReason> = new Map([
  [400, 'BadRequest'],
  [401, 'Unauthorized'],
  [403, 'Forbidden'],
  [404, 'NotFound'],
  [409, 'AlreadyExists'],
  [410, 'Gone'],
  [413, 'RequestEntityTooLarge'],
  [422, 'Invalid'],
  [429, 'TooManyRequests'],
  [500, 'InternalError'],
  [503, 'ServiceUnavailable'],
  [504, 'Timeout'],
]);

export function denied(message: string, options: DenialOptions = {}): Decision {
  const code = options.code ?? 403;
  const reason = options.reason ?? defaultReasons.get(code);
  return {
    kind: 'denied',
    code,
    message,
    ...(reason !== undefined ? { reason } : {}),
    ...(options.causes !== undefined && options.causes.length > 0 ? { causes: options.causes } : {}),
    ...(options.target !== undefined ? { target: options.target } : {}),
    ...(options.warnings !== undefined && options.warnings.length > 0 ? { warnings: options.warnings } : {}),
  };
}

/**
 * Allow with the JSON Patch that turns `raw` (the request's object exactly as received) into `mutated`.
 * `mutated` must be a plain-JSON copy of `raw` (e.g. `structuredClone(request.object)`, then edited). Diffing
 * against the raw object rather than a re-serialised typed model is what keeps fields this program does not
 * know about out of the patch (controller-runtime's PatchResponseFromRaw, kubebuilder#510).
 */
export function patched(raw: JsonObject, mutated: object, warnings?: string[]): Decision {
  // Compare what will actually go over the wire: `undefined` properties vanish, Dates become strings.
  const wire: unknown = JSON.parse(JSON.stringify(mutated));
  if (!isObject(wire)) throw new TypeError('patched: the mutated object does not serialise to a JSON object');
  const patch = jsonPatch.compare(raw, wire);
  if (patch.length === 0) return allowed(warnings);
  return warnings !== undefined && warnings.length > 0 ? { kind: 'patched', patch, warnings } : { kind: 'patched', patch };
}

export function isDecision(value: unknown): value is Decision {
  if (!isObject(value)) return false;
  switch (value.kind) {
    case 'allowed':
      return true;
    case 'denied':
      return typeof value.code === 'number' && typeof value.message === 'string';
    case 'patched':
      return Array.isArray(value.patch);
    default:
      return false;
  }
}

/** The response review, in the apiVersion the request came in. */
export function reviewResponse(review: Pick<AdmissionReview, 'apiVersion' | 'request'>, decision: Decision): AdmissionReviewResponse {
  const response: AdmissionResponse = { uid: review.request.uid, allowed: decision.kind !== 'denied' };
  if (decision.kind === 'denied') {
    response.status = {
      code: decision.code,
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
      message: decision.message,
      ...(decision.causes?.length || decision.target
        ? { details: { ...decision.target, ...(decision.causes?.length ? { causes: decision.causes } : {}) } }
        : {}),
    };
  }
  if (decision.kind === 'patched' && decision.patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(decision.patch), 'utf8').toString('base64');
  }
  if (decision.warnings !== undefined && decision.warnings.length > 0) response.warnings = decision.warnings;
  return { apiVersion: review.apiVersion, kind: 'AdmissionReview', response };
}

// ---------------------------------------------------------------------------------------------
// Parsing

export type ParsedReview = { ok: true; review: AdmissionReview } | { ok: false; error: string };

class ReviewFormatError extends Error {}

const operations: readonly AdmissionOperation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

/** Checks an untrusted body; the error names the field, what was expected and what came. */
export function parseAdmissionReview(body: unknown): ParsedReview {
  try {
    return { ok: true, review: readReview(body) };
  } catch (error) {
    if (error instanceof ReviewFormatError) return { ok: false, error: error.message };
    throw error;
  }
}

function readReview(body: unknown): AdmissionReview {
  const review = readObject(body, 'AdmissionReview');
  if (review.kind !== 'AdmissionReview') fail('kind', 'expected "AdmissionReview"', review.kind);
  const apiVersion = review.apiVersion;
  if (apiVersion !== ADMISSION_V1 && apiVersion !== ADMISSION_V1BETA1) {
    fail('apiVersion', `expected "${ADMISSION_V1}" or "${ADMISSION_V1BETA1}"`, apiVersion);
  }
  return { apiVersion, kind: 'AdmissionReview', request: readRequest(review.request) };
}

function readRequest(value: unknown): AdmissionRequest {
  const r = readObject(value, 'request');
  const operation = r.operation;
  if (typeof operation !== 'string' || !(operations as readonly string[]).includes(operation)) {
    fail('request.operation', `expected one of ${operations.join(', ')}`, operation);
  }
  const request: AdmissionRequest = {
    uid: readNonEmptyString(r.uid, 'request.uid'),
    kind: readGroupVersionKind(r.kind, 'request.kind'),
    resource: readGroupVersionResource(r.resource, 'request.resource'),
    operation: operation as AdmissionOperation,
    userInfo: readUserInfo(r.userInfo, 'request.userInfo'),
  };
  const subResource = readOptionalString(r.subResource, 'request.subResource');
  if (subResource !== undefined) request.subResource = subResource;
  if (!isAbsent(r.requestKind)) request.requestKind = readGroupVersionKind(r.requestKind, 'request.requestKind');
  if (!isAbsent(r.requestResource)) request.requestResource = readGroupVersionResource(r.requestResource, 'request.requestResource');
  const requestSubResource = readOptionalString(r.requestSubResource, 'request.requestSubResource');
  if (requestSubResource !== undefined) request.requestSubResource = requestSubResource;
  const name = readOptionalString(r.name, 'request.name');
  if (name !== undefined && name !== '') request.name = name;
  const namespace = readOptionalString(r.namespace, 'request.namespace');
  if (namespace !== undefined && namespace !== '') request.namespace = namespace;
  // The API server sends `"object": null` on DELETE and `"oldObject": null` on CREATE.
  if (!isAbsent(r.object)) request.object = readObject(r.object, 'request.object');
  if (!isAbsent(r.oldObject)) request.oldObject = readObject(r.oldObject, 'request.oldObject');
  if (!isAbsent(r.dryRun)) {
    if (typeof r.dryRun !== 'boolean') fail('request.dryRun', 'expected a boolean', r.dryRun);
    request.dryRun = r.dryRun;
  }
  if (!isAbsent(r.options)) request.options = readObject(r.options, 'request.options');
  if ((operation === 'CREATE' || operation === 'UPDATE') && request.object === undefined) {
    fail('request.object', `expected the object of the ${operation}`, r.object);
  }
  return request;
}

function readGroupVersionKind(value: unknown, path: string): GroupVersionKind {
  const o = readObject(value, path);
  // The core group is the empty string.
  return {
    group: readString(o.group, `${path}.group`),
    version: readNonEmptyString(o.version, `${path}.version`),
    kind: readNonEmptyString(o.kind, `${path}.kind`),
  };
}

function readGroupVersionResource(value: unknown, path: string): GroupVersionResource {
  const o = readObject(value, path);
  return {
    group: readString(o.group, `${path}.group`),
    version: readNonEmptyString(o.version, `${path}.version`),
    resource: readNonEmptyString(o.resource, `${path}.resource`),
  };
}

function readUserInfo(value: unknown, path: string): UserInfo {
  const o = readObject(value, path);
  const userInfo: UserInfo = { username: readString(o.username, `${path}.username`) };
  const uid = readOptionalString(o.uid, `${path}.uid`);
  if (uid !== undefined) userInfo.uid = uid;
  if (!isAbsent(o.groups)) userInfo.groups = readStringArray(o.groups, `${path}.groups`);
  if (!isAbsent(o.extra)) {
    const extra = readObject(o.extra, `${path}.extra`);
    userInfo.extra = Object.fromEntries(Object.entries(extra).map(([key, v]) => [key, readStringArray(v, `${path}.extra.${key}`)]));
  }
  return userInfo;
}

function readObject(value: unknown, path: string): JsonObject {
  if (!isObject(value)) fail(path, 'expected an object', value);
  // JSON.parse only produces JSON values, so an object from the parsed body is a JsonObject.
  return value as JsonObject;
}

function readString(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, 'expected a string', value);
  return value;
}

function readNonEmptyString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') fail(path, 'expected a non-empty string', value);
  return value;
}

function readOptionalString(value: unknown, path: string): string | undefined {
  return isAbsent(value) ? undefined : readString(value, path);
}

function readStringArray(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) fail(path, 'expected an array of strings', value);
  return value.map((item: unknown, index) => readString(item, `${path}[${index}]`));
}

function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(path: string, expected: string, got: unknown): never {
  throw new ReviewFormatError(`${path}: ${expected}, got ${describe(got)}`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (field missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
    return value === '' ? 'an empty string' : `the string ${JSON.stringify(shown)}`;
  }
  return `${typeof value} ${String(value)}`;
}
