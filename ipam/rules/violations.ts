// Field errors in the shape Kubernetes itself prints them
// (`spec.ips[1]: Invalid value: "172.18.41.10": <why>`), so a denial reads like
// any other API validation error and names the field, the value and the rule.

export type ViolationType = 'Required' | 'Invalid' | 'NotSupported' | 'Duplicate' | 'Forbidden' | 'AlreadyExists';

export interface Violation {
  type: ViolationType;
  field: string;
  value?: unknown;
  detail: string;
}

export const required = (field: string, detail: string): Violation => ({ type: 'Required', field, detail });
export const invalid = (field: string, value: unknown, detail: string): Violation => ({ type: 'Invalid', field, value, detail });
export const notSupported = (field: string, value: unknown, detail: string): Violation => ({ type: 'NotSupported', field, value, detail });
export const duplicate = (field: string, value: unknown, detail: string): Violation => ({ type: 'Duplicate', field, value, detail });
export const forbidden = (field: string, detail: string): Violation => ({ type: 'Forbidden', field, detail });
export const alreadyExists = (field: string, value: unknown, detail: string): Violation => ({
  type: 'AlreadyExists',
  field,
  value,
  detail,
});

/** A value as JSON, cut short: a denial must stay readable whatever was sent. */
function shortJSON(value: unknown, max = 120): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

const labels: Record<ViolationType, string> = {
  Required: 'Required value',
  Invalid: 'Invalid value',
  NotSupported: 'Unsupported value',
  Duplicate: 'Duplicate value',
  Forbidden: 'Forbidden',
  AlreadyExists: 'Already exists',
};

/** `Invalid value: "172.18.41.10": is not inside spec.subnet 172.18.40.0/24` — the part after the field. */
export function formatViolationDetail(v: Violation): string {
  const value = v.type === 'Required' || v.type === 'Forbidden' ? '' : ` ${shortJSON(v.value)}:`;
  return `${labels[v.type]}:${value} ${v.detail}`;
}

export function formatViolation(v: Violation): string {
  return `${v.field}: ${formatViolationDetail(v)}`;
}

/**
 * The HTTP status and reason a set of violations maps to, as Spiderpool answers: a refusal about the object's
 * lifecycle (updating a terminating object, deleting one in use) is Forbidden (403); anything wrong with its
 * content is Invalid (422), even when the field error itself is a Forbidden one.
 */
export function statusOf(violations: readonly Violation[]): { code: number; reason: 'AlreadyExists' | 'Forbidden' | 'Invalid' } {
  if (violations.some((v) => v.type === 'AlreadyExists')) return { code: 409, reason: 'AlreadyExists' };
  const lifecycle = (v: Violation) => v.type === 'Forbidden' && !v.field.startsWith('spec.');
  if (violations.length > 0 && violations.every(lifecycle)) return { code: 403, reason: 'Forbidden' };
  return { code: 422, reason: 'Invalid' };
}

/** `SpiderIPPool "pool1" is invalid: spec.ips[1]: Invalid value: ...; spec.gateway: ...` */
export function formatDenial(kind: string, name: string | undefined, violations: readonly Violation[]): string {
  const { reason } = statusOf(violations);
  const verb = reason === 'AlreadyExists' ? 'already exists' : reason === 'Forbidden' ? 'is forbidden' : 'is invalid';
  return `${kind} "${name ?? ''}" ${verb}: ${violations.map(formatViolation).join('; ')}`;
}
