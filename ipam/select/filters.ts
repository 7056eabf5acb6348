// The filters of behaviour §3.6, one small predicate per rule, run in Spiderpool's order; a pool leaves the
// list at the first rule it fails, and the reason is kept so a denial can say why each pool was skipped.
// Reasons start with Spiderpool's words ("terminating", "unmatched Node name", ...) so they stay recognisable.
import type { IPFamily } from '../ip/index.js';
import { autoPoolAffinityKeys, labels, type PodFacts, poolFamily, type SpiderIPPool, type TopController } from '../model/index.js';
import { formatSelector, matchesSelector } from './label-selector-match.js';

/** A current Node, as far as pool selection looks at it. */
export interface NodeFacts {
  name: string;
  labels: Record<string, string>;
}

export interface SelectOptions {
  /** The IPAM's install namespace: a `multusName` entry without "ns/" names a NetworkAttachmentDefinition there. */
  installNamespace: string;
}

export interface FilterContext {
  facts: PodFacts;
  interfaceName: string;
  family: IPFamily;
  /** Every current Node; consulted only while the Pod's node is not known (preface, point b). */
  nodes: readonly NodeFacts[];
  options: SelectOptions;
}

/** `undefined` keeps the pool; a string is the reason it is left out. */
export type PoolFilter = (pool: SpiderIPPool, ctx: FilterContext) => string | undefined;

export interface Exclusion {
  pool: SpiderIPPool;
  reason: string;
}

const list = (values: readonly string[]): string => `[${values.join(' ')}]`;

/** The Pod's node, when admission already knows it (spec.nodeName, or a required affinity pinning one node). */
const knownNode = (facts: PodFacts): string | undefined => (facts.nodeName ? facts.nodeName : undefined);

export const terminatingPool: PoolFilter = (pool) =>
  pool.metadata.deletionTimestamp ? `terminating IPPool (deletionTimestamp ${pool.metadata.deletionTimestamp})` : undefined;

export const disabledPool: PoolFilter = (pool) => (pool.spec.disable === true ? 'disabled IPPool (spec.disable is true)' : undefined);

export const wrongFamily: PoolFilter = (pool, ctx) => {
  const family = poolFamily(pool);
  return family === ctx.family ? undefined : `expect an IPv${ctx.family} IPPool, but spec.ipVersion is ${family ?? 'unknown'}`;
};

// Spiderpool checks the node the Pod runs on. At admission that node is often not chosen yet: then a pool is
// usable if some current Node satisfies it, and the caller pins the Pod to such nodes (node-affinity.ts).
export const nodeMismatch: PoolFilter = (pool, ctx) => {
  const node = knownNode(ctx.facts);
  const names = pool.spec.nodeName ?? [];
  if (names.length > 0) {
    if (node !== undefined)
      return names.includes(node) ? undefined : `unmatched Node name: node "${node}" is not in spec.nodeName ${list(names)}`;
    return ctx.nodes.some((n) => names.includes(n.name))
      ? undefined
      : `unmatched Node name: no current Node is in spec.nodeName ${list(names)}`;
  }
  const affinity = pool.spec.nodeAffinity;
  if (affinity == null) return undefined;
  const wanted = formatSelector(affinity);
  if (node !== undefined) {
    const found = ctx.nodes.find((n) => n.name === node);
    if (!found) return `unmatched Node affinity: node "${node}" is unknown, so spec.nodeAffinity (${wanted}) cannot be checked`;
    return matchesSelector(affinity, found.labels)
      ? undefined
      : `unmatched Node affinity: node "${node}" does not match spec.nodeAffinity (${wanted})`;
  }
  return ctx.nodes.some((n) => matchesSelector(affinity, n.labels))
    ? undefined
    : `unmatched Node affinity: no current Node matches spec.nodeAffinity (${wanted})`;
};

// namespaceName wins over namespaceAffinity (§1.1): when the list is set the selector is not looked at.
export const namespaceMismatch: PoolFilter = (pool, ctx) => {
  const ns = ctx.facts.namespace;
  const names = pool.spec.namespaceName ?? [];
  if (names.length > 0) {
    return names.includes(ns) ? undefined : `unmatched Namespace name: namespace "${ns}" is not in spec.namespaceName ${list(names)}`;
  }
  const affinity = pool.spec.namespaceAffinity;
  if (affinity == null || matchesSelector(affinity, ctx.facts.namespaceLabels)) return undefined;
  return `unmatched Namespace affinity: namespace "${ns}" does not match spec.namespaceAffinity (${formatSelector(affinity)})`;
};

/** §2.8: Spiderpool treats a pool as automatic exactly when it carries the owner-application-name label. */
export const isAutoPoolForSelection = (pool: SpiderIPPool): boolean =>
  Object.hasOwn(pool.metadata.labels ?? {}, labels.ownerApplicationName);

const describeWorkload = (group: string, version: string, kind: string, namespace: string, name: string): string =>
  `${group ? `${group}/` : ''}${version} ${kind} ${namespace}/${name}`;

function autoPoolIdentity(top: TopController): Record<string, string> {
  return {
    [autoPoolAffinityKeys.apiGroup]: top.group,
    [autoPoolAffinityKeys.apiVersion]: top.version,
    [autoPoolAffinityKeys.kind]: top.kind,
    [autoPoolAffinityKeys.namespace]: top.namespace,
    [autoPoolAffinityKeys.name]: top.name,
  };
}

// An auto pool belongs to one workload (§4.6): its five app-* keys are compared with the top controller and the
// Pod's own labels are not looked at. An absent key reads as "" (a Go map lookup), which is how core's group matches.
export const podAffinityMismatch: PoolFilter = (pool, ctx) => {
  const affinity = pool.spec.podAffinity;
  if (affinity == null) return undefined;
  if (isAutoPoolForSelection(pool)) {
    const have = affinity.matchLabels ?? {};
    const want = autoPoolIdentity(ctx.facts.topController);
    if (Object.entries(want).every(([k, v]) => (have[k] ?? '') === v)) return undefined;
    const k = autoPoolAffinityKeys;
    const owner = describeWorkload(
      have[k.apiGroup] ?? '',
      have[k.apiVersion] ?? '',
      have[k.kind] ?? '',
      have[k.namespace] ?? '',
      have[k.name] ?? '',
    );
    const t = ctx.facts.topController;
    return `unmatched Pod affinity of auto-created IPPool: it serves ${owner}, not the Pod's ${describeWorkload(t.group, t.version, t.kind, t.namespace, t.name)}`;
  }
  return matchesSelector(affinity, ctx.facts.labels)
    ? undefined
    : `unmatched Pod affinity: the Pod's labels do not match spec.podAffinity (${formatSelector(affinity)})`;
};

// Only a pool that lists multusName is checked: Spiderpool's newer code also filters every pool of an interface
// whose NAD cannot be resolved (§13.4, probably a regression), which would empty the primary network without Multus.
export const multusMismatch: PoolFilter = (pool, ctx) => {
  const wanted = (pool.spec.multusName ?? []).map((m) => (m.includes('/') ? m : `${ctx.options.installNamespace}/${m}`));
  if (wanted.length === 0) return undefined;
  const network = ctx.facts.interfaces.find((i) => i.name === ctx.interfaceName)?.network;
  if (network === undefined) {
    return `unmatched multusName: interface ${ctx.interfaceName} uses no NetworkAttachmentDefinition, spec.multusName is ${list(wanted)}`;
  }
  return wanted.includes(network)
    ? undefined
    : `unmatched multusName: interface ${ctx.interfaceName} uses "${network}", not one of spec.multusName ${list(wanted)}`;
};

/** §3.6 rules 1-7 in order (rule 8, the SR-IOV master-subnet check, needs the node's interfaces and is not done at admission). */
export const poolFilters: readonly PoolFilter[] = [
  terminatingPool,
  disabledPool,
  wrongFamily,
  nodeMismatch,
  namespaceMismatch,
  podAffinityMismatch,
  multusMismatch,
];

/** The first reason a pool is unusable for this Pod and interface, or undefined. */
export function exclusionReason(pool: SpiderIPPool, ctx: FilterContext): string | undefined {
  for (const rule of poolFilters) {
    const reason = rule(pool, ctx);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** Splits pools into the usable ones (input order kept) and the excluded ones with their reasons. */
export function filterPools(pools: readonly SpiderIPPool[], ctx: FilterContext): { kept: SpiderIPPool[]; excluded: Exclusion[] } {
  const kept: SpiderIPPool[] = [];
  const excluded: Exclusion[] = [];
  for (const pool of pools) {
    const reason = exclusionReason(pool, ctx);
    if (reason === undefined) kept.push(pool);
    else excluded.push({ pool, reason });
  }
  return { kept, excluded };
}
