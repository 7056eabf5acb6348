// Candidate order (behaviour §3.7, Spiderpool's ByPoolPriority): more specific pools are tried first, so a pool
// made for these Pods is used before a shared one. Spiderpool sorts unstably, so pools of equal specificity come
// out in an unspecified order although its docs promise the user's order (§13.1); this sort is stable.
import type { SpiderIPPool } from '../model/index.js';

/**
 * The restrictions a pool has, most significant first: podAffinity, nodeName, nodeAffinity, namespaceName,
 * namespaceAffinity, multusName. A selector counts when present (even `{}`, as a non-nil Go pointer), a list when non-empty.
 */
export function specificity(pool: SpiderIPPool): readonly boolean[] {
  const s = pool.spec;
  return [
    s.podAffinity != null,
    (s.nodeName ?? []).length > 0,
    s.nodeAffinity != null,
    (s.namespaceName ?? []).length > 0,
    s.namespaceAffinity != null,
    (s.multusName ?? []).length > 0,
  ];
}

/** Negative when `a` is tried before `b`: the first restriction one pool has and the other lacks decides. */
export function comparePoolSpecificity(a: SpiderIPPool, b: SpiderIPPool): number {
  const x = specificity(a);
  const y = specificity(b);
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) return x[i] ? -1 : 1;
  }
  return 0;
}

/** Orders items by the specificity of their pool; ties keep the input (the user's) order. */
export function orderPools<T>(items: readonly T[], poolOf: (item: T) => SpiderIPPool): T[] {
  // Array.prototype.sort is stable since ES2019; the index makes the tie rule explicit rather than incidental.
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => comparePoolSpecificity(poolOf(a.item), poolOf(b.item)) || a.index - b.index)
    .map(({ item }) => item);
}
