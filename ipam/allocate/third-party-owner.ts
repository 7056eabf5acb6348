// The owners of automatic pools made for third-party controllers (behaviour §4.8: an OpenKruise CloneSet, any kind
// outside the six native ones). Nothing resizes those pools, but each must go when its owner does, or its addresses
// stay out of the subnet for good. What the pool's labels say about its owner, and whether a live object is it.
import { labels, type SpiderIPPool } from '../model/index.js';
import { nativeWorkloadKind, parseApplicationKey } from './auto-pool-claims.js';
import { isReclaimed } from './auto-pool-plan.js';

export interface ThirdPartyOwner {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

/**
 * The third-party owner whose deletion must delete this pool: undefined for a manual pool, a native workload's pool,
 * a pool kept on purpose (`ippool-reclaim: "false"`), one already being deleted, or labels that do not name an owner.
 */
export function thirdPartyOwnerOf(pool: SpiderIPPool): ThirdPartyOwner | undefined {
  const l = pool.metadata.labels ?? {};
  const gv = l[labels.ownerApplicationGV];
  const kind = l[labels.ownerApplicationKind];
  const namespace = l[labels.ownerApplicationNamespace];
  const name = l[labels.ownerApplicationName];
  const uid = l[labels.ownerApplicationUID];
  if (!gv || !kind || !namespace || !name || !uid) return undefined;
  if (pool.metadata.deletionTimestamp || !isReclaimed(pool)) return undefined;
  // The labels hold the parts of the application key of status.controlledIPPools: read them as one.
  const owner = parseApplicationKey(`${gv}_${kind}_${namespace}_${name}`);
  if (!owner || nativeWorkloadKind(owner)) return undefined;
  return { group: owner.group, version: owner.version, kind, namespace, name, uid };
}

/**
 * Whether the owner still exists: the object read (or cached) under its name must carry its UID. Being deleted
 * (foreground deletion waits for the Pods) still counts as present; a re-created namesake does not.
 */
export const ownerPresent = (owner: ThirdPartyOwner, object: { metadata?: { uid?: string } } | undefined): boolean =>
  object?.metadata?.uid === owner.uid;
