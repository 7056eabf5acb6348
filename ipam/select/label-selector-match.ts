// Label selector matching with Kubernetes semantics (metav1.LabelSelectorAsSelector + Matches), used for the
// pod, namespace and node affinities of pools. Selector syntax is checked when a pool is written
// (rules/label-selector.ts); here a requirement that still cannot be understood matches nothing, so a broken
// selector narrows a pool instead of opening it to everyone.
import type { LabelSelector, LabelSelectorRequirement } from '../model/index.js';

function matchesRequirement(req: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return has && values.includes(labels[req.key] as string);
    // NotIn and DoesNotExist hold for a key that is absent: "not in (a,b)" is true of an unlabelled object.
    case 'NotIn':
      return !has || !values.includes(labels[req.key] as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

/** matchLabels AND matchExpressions; an empty selector matches everything (a missing one is the caller's business). */
export function matchesSelector(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((req) => matchesRequirement(req, labels));
}

/** The selector in kubectl's text form (`app=web,tier in (a,b),!legacy`), for messages a user reads. */
export function formatSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  for (const req of selector.matchExpressions ?? []) {
    const values = [...(req.values ?? [])].sort().join(',');
    switch (req.operator) {
      case 'In':
        parts.push(`${req.key} in (${values})`);
        break;
      case 'NotIn':
        parts.push(`${req.key} notin (${values})`);
        break;
      case 'Exists':
        parts.push(req.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${req.key}`);
        break;
      default:
        parts.push(`${req.key} ${req.operator} (${values})`);
    }
  }
  return parts.length === 0 ? '<everything>' : parts.join(',');
}
