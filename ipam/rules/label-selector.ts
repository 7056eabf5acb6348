// Syntax of label selectors, checked as the API server checks Pod selectors, so a
// pool cannot carry a selector that matching would later choke on.
import type { LabelSelector } from '../model/index.js';
import { invalid, notSupported, required, type Violation } from './violations.js';

const namePart = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0 || prefix.length > 253 || !dnsSubdomain.test(prefix)) {
      return 'the prefix must be a DNS subdomain (lower case alphanumerics, "-" and ".", at most 253 characters)';
    }
  }
  if (name.length === 0 || name.length > 63 || !namePart.test(name)) {
    return 'the name must be 1-63 characters of alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric';
  }
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !namePart.test(value)) {
    return 'a label value must be empty or 1-63 characters of alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric';
  }
  return undefined;
}

export function validateLabelSelector(selector: LabelSelector, field: string): Violation[] {
  const out: Violation[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) out.push(invalid(`${field}.matchLabels`, key, keyProblem));
    const valueProblem = typeof value === 'string' ? labelValueProblem(value) : 'a label value must be a string';
    if (valueProblem) out.push(invalid(`${field}.matchLabels[${key}]`, value, valueProblem));
  }
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const at = `${field}.matchExpressions[${i}]`;
    const keyProblem = labelKeyProblem(expr.key ?? '');
    if (keyProblem) out.push(invalid(`${at}.key`, expr.key, keyProblem));
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) out.push(required(`${at}.values`, `must be non-empty when operator is ${expr.operator}`));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) out.push(invalid(`${at}.values`, values, `must be empty when operator is ${expr.operator}`));
        break;
      default:
        out.push(notSupported(`${at}.operator`, expr.operator, 'supported operators are "In", "NotIn", "Exists", "DoesNotExist"'));
    }
    values.forEach((v, j) => {
      const problem = labelValueProblem(v);
      if (problem) out.push(invalid(`${at}.values[${j}]`, v, problem));
    });
  });
  return out;
}

export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}
