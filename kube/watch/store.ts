// The cache's contents and how they change: keys, applying one watch event, and diffing a relist against what the
// cache held. Pure apart from mutating the Map it is handed.
import type { KubeObject, ObjectEvent } from './types.js';

/** `namespace/name`, or `name` for a cluster-scoped object — the key client-go's MetaNamespaceKeyFunc uses. */
export function objectKey(object: KubeObject): string {
  const name = object.metadata?.name ?? '';
  const namespace = object.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

function sameVersion(a: KubeObject, b: KubeObject): boolean {
  // resourceVersions are opaque: equality is the only comparison the API allows.
  return a.metadata?.resourceVersion !== undefined && a.metadata.resourceVersion === b.metadata?.resourceVersion;
}

/**
 * Applies one watch event to `store` and returns the change it made to the cache, or undefined when it made none: a
 * replayed event (same resourceVersion) after a reconnect, or a DELETED for an object the cache never held.
 */
export function applyWatchEvent<T extends KubeObject>(
  store: Map<string, T>,
  type: 'ADDED' | 'MODIFIED' | 'DELETED',
  object: T,
): ObjectEvent<T> | undefined {
  const key = objectKey(object);
  const old = store.get(key);
  if (type === 'DELETED') {
    if (old === undefined) return undefined;
    store.delete(key);
    // The DELETED event carries the object's final state, which is what a consumer wants to see.
    return { type: 'deleted', key, object };
  }
  store.set(key, object);
  if (old === undefined) return { type: 'added', key, object };
  if (sameVersion(old, object)) return undefined;
  return { type: 'modified', key, object, old };
}

/**
 * The events that turn `before` into `after`: deletions first (in the old order), then additions and
 * modifications (in list order). Objects whose resourceVersion did not change produce no event, so a periodic
 * relist of an unchanged collection is silent.
 */
export function diffSnapshot<T extends KubeObject>(before: ReadonlyMap<string, T>, after: ReadonlyMap<string, T>): ObjectEvent<T>[] {
  const events: ObjectEvent<T>[] = [];
  for (const [key, object] of before) {
    if (!after.has(key)) events.push({ type: 'deleted', key, object });
  }
  for (const [key, object] of after) {
    const old = before.get(key);
    if (old === undefined) events.push({ type: 'added', key, object });
    else if (!sameVersion(old, object)) events.push({ type: 'modified', key, object, old });
  }
  return events;
}

/** A list of objects as a store keyed like the cache. */
export function storeOf<T extends KubeObject>(objects: Iterable<T>): Map<string, T> {
  const store = new Map<string, T>();
  for (const object of objects) store.set(objectKey(object), object);
  return store;
}
