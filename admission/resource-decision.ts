// From an admission request to our resource types, and from rule violations to a
// denial the API server relays as-is: the message names the object, field, value and rule.

import { group, type ShapeError } from '../ipam/model/index.js';
import { formatDenial, formatViolationDetail, invalid, statusOf, type Violation, type ViolationType } from '../ipam/rules/index.js';
import { allowed, type CauseType, type Decision, denied } from './review.js';

const causeTypes: Record<ViolationType, CauseType> = {
  Required: 'FieldValueRequired',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
  Duplicate: 'FieldValueDuplicate',
  Forbidden: 'FieldValueForbidden',
  AlreadyExists: 'FieldValueDuplicate',
};

export function violationsDecision(
  kind: string,
  name: string | undefined,
  violations: readonly Violation[],
  warnings?: string[],
): Decision {
  if (violations.length === 0) return allowed(warnings);
  const { code, reason } = statusOf(violations);
  return denied(formatDenial(kind, name, violations), {
    code,
    reason,
    causes: violations.map((v) => ({ field: v.field, message: formatViolationDetail(v), reason: causeTypes[v.type] })),
    target: { group, kind, ...(name ? { name } : {}) },
    ...(warnings ? { warnings } : {}),
  });
}

/** A shape error of an untrusted body, as a denial naming each field (422, as the API server's own schema errors). */
export function shapeDecision(kind: string, name: string | undefined, parsed: { reason: string; errors: ShapeError[] }): Decision {
  if (parsed.errors.length === 0)
    return denied(`${kind} "${name ?? ''}" is invalid: ${parsed.reason}`, {
      code: 422,
      target: { group, kind, ...(name ? { name } : {}) },
    });
  return violationsDecision(
    kind,
    name,
    parsed.errors.map((e) => invalid(e.field, e.value, `must be ${e.expected}`)),
  );
}
