// Node restrictions of pools at admission (behaviour preface, point b): the Pod is usually not scheduled yet, so
// a pool tied to nodes becomes a required node affinity on the Pod, and the scheduler puts the Pod only where
// its IP is valid. Kubernetes semantics: nodeSelectorTerms are ORed, the requirements inside a term are ANDed,
// and an empty term matches no node.
import type { SpiderIPPool } from '../model/index.js';

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

/** Kubernetes' NodeSelector: the node must match at least one term. Also the shape of a pool's node requirement. */
export interface NodeSelector {
  nodeSelectorTerms: NodeSelectorTerm[];
}

export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  preferredDuringSchedulingIgnoredDuringExecution?: unknown[];
}

/** `spec.affinity` of a Pod; fields other than nodeAffinity are carried through untouched. */
export interface Affinity {
  nodeAffinity?: NodeAffinity;
  podAffinity?: unknown;
  podAntiAffinity?: unknown;
}

const nodeNameField = 'metadata.name';

const isEmptyTerm = (t: NodeSelectorTerm): boolean => (t.matchExpressions ?? []).length === 0 && (t.matchFields ?? []).length === 0;

/**
 * The nodes a pool allows, as a NodeSelector; undefined when the pool allows every node. `nodeName` wins over
 * `nodeAffinity` (§1.1). A nodeName list becomes one term per node, not one `metadata.name In [a, b]`: the API
 * server accepts exactly one value in a matchFields requirement ("must be only one value when `operator` is
 * 'In' or 'NotIn' for node field selector"), so the list is spelled as ORed terms.
 */
export function nodeRequirementOf(pool: SpiderIPPool): NodeSelector | undefined {
  const names = [...new Set(pool.spec.nodeName ?? [])];
  if (names.length > 0) {
    return { nodeSelectorTerms: names.map((name) => ({ matchFields: [{ key: nodeNameField, operator: 'In', values: [name] }] })) };
  }
  const affinity = pool.spec.nodeAffinity;
  if (affinity == null) return undefined;
  const expressions: NodeSelectorRequirement[] = Object.entries(affinity.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ key, operator: 'In', values: [value] }));
  for (const req of affinity.matchExpressions ?? []) {
    const withValues = req.operator === 'In' || req.operator === 'NotIn';
    expressions.push(
      withValues ? { key: req.key, operator: req.operator, values: [...(req.values ?? [])] } : { key: req.key, operator: req.operator },
    );
  }
  // An empty selector allows every node; as a term it would allow none.
  return expressions.length === 0 ? undefined : { nodeSelectorTerms: [{ matchExpressions: expressions }] };
}

const requirementKey = (r: NodeSelectorRequirement): string => JSON.stringify([r.key, r.operator, [...(r.values ?? [])].sort()]);

function union(
  existing: NodeSelectorRequirement[] | undefined,
  added: NodeSelectorRequirement[] | undefined,
): NodeSelectorRequirement[] | undefined {
  if (!added || added.length === 0) return existing;
  const out = [...(existing ?? [])];
  const seen = new Set(out.map(requirementKey));
  for (const r of added) {
    if (!seen.has(requirementKey(r))) {
      seen.add(requirementKey(r));
      out.push(r);
    }
  }
  return out;
}

function and(term: NodeSelectorTerm, extra: NodeSelectorTerm): NodeSelectorTerm {
  const out: NodeSelectorTerm = { ...term };
  const expressions = union(term.matchExpressions, extra.matchExpressions);
  const fields = union(term.matchFields, extra.matchFields);
  if (expressions) out.matchExpressions = expressions;
  if (fields) out.matchFields = fields;
  return out;
}

// A term that names two different nodes matches none; dropping it changes nothing for the scheduler and is what
// keeps the merge idempotent (re-applying "a or b" to "…and a" would otherwise add "…and a and b").
function namesNoNode(term: NodeSelectorTerm): boolean {
  let allowed: Set<string> | undefined;
  for (const r of term.matchFields ?? []) {
    if (r.key !== nodeNameField || r.operator !== 'In') continue;
    const values = new Set(r.values ?? []);
    allowed = allowed ? new Set([...allowed].filter((v) => values.has(v))) : values;
  }
  return allowed !== undefined && allowed.size === 0;
}

const requirementSet = (t: NodeSelectorTerm): Set<string> =>
  new Set([
    ...(t.matchExpressions ?? []).map((r) => `e${requirementKey(r)}`),
    ...(t.matchFields ?? []).map((r) => `f${requirementKey(r)}`),
  ]);

// Keeps the first of equal terms and drops a term that has every requirement of another one (X or (X and Y) is X).
// Without this, merging again would add such redundant terms, and the merge would not be idempotent.
function minimal(terms: NodeSelectorTerm[]): NodeSelectorTerm[] {
  const sets = terms.map(requirementSet);
  const within = (a: Set<string>, b: Set<string>): boolean => [...a].every((k) => b.has(k));
  return terms.filter((_, i) =>
    sets.every((other, j) => {
      const mine = sets[i] as Set<string>;
      if (j === i || !within(other, mine)) return true;
      // `other` is contained in this term: keep this one only if they are equal and this one comes first.
      return other.size === mine.size && i < j;
    }),
  );
}

export type MergeResult = { ok: true; affinity: Affinity | undefined } | { ok: false; reason: string };

/**
 * ANDs the requirements into every existing required term of the Pod (or into one new term when it has none).
 * The Pod's terms keep their order, each replaced in place by its combinations with the requirements; empty
 * terms, which match no node, are left alone rather than widened. Applying the same requirements twice gives
 * the same result. Fails when no node can satisfy both the Pod's terms and the pools (e.g. disjoint nodeName lists).
 */
export function mergeRequiredNodeAffinity(existing: Affinity | undefined, requirements: readonly NodeSelector[]): MergeResult {
  const reqs = requirements.filter((r) => r.nodeSelectorTerms.length > 0);
  if (reqs.length === 0) return { ok: true, affinity: existing };
  const own = existing?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const base: NodeSelectorTerm[] = own.length > 0 ? own : [{}];
  const terms: NodeSelectorTerm[] = [];
  for (const term of base) {
    if (own.length > 0 && isEmptyTerm(term)) {
      terms.push(term);
      continue;
    }
    let expanded: NodeSelectorTerm[] = [term];
    for (const req of reqs) {
      expanded = expanded.flatMap((t) => req.nodeSelectorTerms.map((alt) => and(t, alt))).filter((t) => !namesNoNode(t));
    }
    terms.push(...minimal(expanded));
  }
  if (terms.every(isEmptyTerm)) {
    return { ok: false, reason: "no node satisfies both the Pod's required node affinity and the node restrictions of its pools" };
  }
  const nodeAffinity = existing?.nodeAffinity;
  const required = nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return {
    ok: true,
    affinity: {
      ...existing,
      nodeAffinity: { ...nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { ...required, nodeSelectorTerms: terms } },
    },
  };
}

/**
 * The node a Pod is bound to before scheduling: `spec.nodeName`, or a required node affinity whose every term
 * pins one and the same node with `matchFields metadata.name In [node]` — what the DaemonSet controller writes.
 */
export function pinnedNodeName(podSpec: { nodeName?: string; affinity?: Affinity }): string | undefined {
  if (podSpec.nodeName) return podSpec.nodeName;
  const terms = podSpec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  let pinned: string | undefined;
  for (const term of terms) {
    const names = new Set(
      (term.matchFields ?? [])
        .filter((r) => r.key === nodeNameField && r.operator === 'In' && r.values?.length === 1)
        .map((r) => r.values?.[0]),
    );
    const [name] = names;
    if (names.size !== 1 || name === undefined || (pinned !== undefined && pinned !== name)) return undefined;
    pinned = name;
  }
  return pinned;
}

function requirementHolds(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const n = Number(value);
      const bound = Number(values[0]);
      if (value === undefined || !Number.isInteger(n) || !Number.isInteger(bound)) return false;
      return r.operator === 'Gt' ? n > bound : n < bound;
    }
    default:
      return false;
  }
}

/** Kubernetes semantics: terms are ORed, requirements in a term ANDed, an empty term matches no node. */
export function nodeSatisfies(affinity: Affinity | undefined, node: { name: string; labels: Record<string, string> }): boolean {
  const terms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms) return true;
  return terms.some((t) => {
    const expressions = t.matchExpressions ?? [];
    const fields = t.matchFields ?? [];
    if (expressions.length === 0 && fields.length === 0) return false;
    return (
      expressions.every((r) => requirementHolds(r, node.labels[r.key])) &&
      fields.every((r) => requirementHolds(r, r.key === 'metadata.name' ? node.name : undefined))
    );
  });
}
