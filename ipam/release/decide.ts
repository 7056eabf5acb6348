// What to do with one record of SpiderIPPool.status.allocatedIPs (behaviour preface (a), §5, §7.2, adapted to
// reservations made at admission): keep it, bind a pending reservation to the Pod that now exists, or release the
// address. The rules never free an address a live Pod claims, compare UIDs and never names alone, and keep a
// StatefulSet Pod's address while its ordinal is wanted.
import { isValidStatefulSetPod, parseStatefulSetPodName, type StatefulSetFacts } from '../allocate/statefulset.js';
import { isPending, type PoolRecord, podNamespace } from '../model/index.js';
import { claims, type PodView } from './pod-view.js';

export type ReleaseReason =
  /** No Pod of that name (or that token) exists any more. */
  | 'pod-gone'
  /** A Pod that is not a StatefulSet's has Succeeded or Failed: it never runs again. */
  | 'pod-finished'
  /** A Pod of that name exists, but it is another incarnation (another UID) that does not use this address. */
  | 'uid-mismatch'
  /** The Pod this IPAM admitted does not name this address in its result annotations. */
  | 'not-claimed'
  /** A pending reservation whose Pod never appeared within the grace period (refused after admission, timed out). */
  | 'expired'
  /** A Pod past its deletion deadline on a node that is not Ready: the node will not report it gone. */
  | 'lost-node'
  /** The StatefulSet Pod is gone and its ordinal is no longer wanted (scale-down, StatefulSet deleted). */
  | 'statefulset-released';

export type RecordDecision =
  /** `recheckAt` (epoch seconds): the answer may change then without any event (expiry, a deletion deadline). */
  { action: 'keep'; recheckAt?: number } | { action: 'bind'; pod: string; uid: string } | { action: 'release'; reason: ReleaseReason };

export interface ReleaseFacts {
  /** Epoch seconds. */
  now: number;
  /** How long a pending reservation may wait for its Pod. */
  pendingTTLSeconds: number;
  podByKey(key: string): PodView | undefined;
  /** The Pod carrying this token; 'ambiguous' when several do (a copied annotation), which binds nothing. */
  podByToken(token: string): PodView | 'ambiguous' | undefined;
  /** Whether a Pod carrying this token was seen deleted: its reservation need not wait for the grace period. */
  tokenDeleted(token: string): boolean;
  statefulSet(namespace: string, name: string): StatefulSetFacts | undefined;
  /** False for a node that is NotReady, Unknown or gone. */
  nodeReady(name: string): boolean;
}

const keep: RecordDecision = { action: 'keep' };
const release = (reason: ReleaseReason): RecordDecision => ({ action: 'release', reason });

/**
 * Whether a Pod that exists still holds its addresses. A finished Pod of a StatefulSet keeps them (it is restarted
 * under the same name), as does any Pod being deleted on a Ready node: the kubelet tears its network down first
 * and the Pod object goes after, and then the address is released as "gone".
 */
function liveVerdict(pod: PodView, facts: ReleaseFacts): RecordDecision {
  const sticky = pod.statefulSet !== undefined;
  if (!sticky && (pod.phase === 'Succeeded' || pod.phase === 'Failed')) return release('pod-finished');
  if (pod.deletionDeadline !== undefined && !sticky) {
    if (facts.now < pod.deletionDeadline) return { action: 'keep', recheckAt: pod.deletionDeadline };
    if (pod.nodeName !== '' && !facts.nodeReady(pod.nodeName)) return release('lost-node');
  }
  return keep;
}

function expiry(record: PoolRecord, facts: ReleaseFacts): RecordDecision {
  if (record.at === undefined) return release('expired');
  const deadline = record.at + facts.pendingTTLSeconds;
  return facts.now >= deadline ? release('expired') : { action: 'keep', recheckAt: deadline };
}

/** A record made at admission for a generateName Pod: found by the token its annotations carry. */
function decideTokenRecord(pool: string, ip: string, record: PoolRecord & { token: string }, facts: ReleaseFacts): RecordDecision {
  const pod = facts.podByToken(record.token);
  // Several Pods show this token: one copied another's annotation. Neither is bound, nothing is released.
  if (pod === 'ambiguous') return keep;
  if (pod && pod.namespace === podNamespace(record.pod) && pod.uid !== '') {
    // The token came back on the Pod but not with this address: a batch that was rolled back on the Pod's side.
    if (!pod.claims.some((c) => c.token === record.token && c.pool === pool && c.ip === ip)) return release('not-claimed');
    const verdict = liveVerdict(pod, facts);
    return verdict.action === 'release' ? verdict : { action: 'bind', pod: pod.key, uid: pod.uid };
  }
  if (facts.tokenDeleted(record.token)) return release('pod-gone');
  return expiry(record, facts);
}

/** A record keyed by the Pod's name: bound ones, and StatefulSet reservations (pending or bound). */
function decideNamedRecord(pool: string, ip: string, record: PoolRecord, facts: ReleaseFacts): RecordDecision {
  const pod = facts.podByKey(record.pod);
  if (pod && pod.uid !== '') {
    const same = record.podUid === pod.uid;
    // A StatefulSet reservation not claimed by the Pod the cache shows: that may be the previous incarnation, with the
    // new one on its way. The reservation waits out its grace period, as if no Pod were seen.
    if (isPending(record) && (!pod.admitted || (!pod.unreadable && !claims(pod, pool, ip)))) return expiry(record, facts);
    // A result annotation we cannot read may name this address: never release on the strength of it.
    if (pod.unreadable && !claims(pod, pool, ip)) return same ? liveVerdict(pod, facts) : keep;
    // Records of Pods this IPAM did not admit (written by Spiderpool before a migration, say) are left alone while
    // their Pod lives: the absence of our annotation proves nothing about them.
    if (pod.admitted && !claims(pod, pool, ip)) return release(same ? 'not-claimed' : 'uid-mismatch');
    if (same) return liveVerdict(pod, facts);
    if (!pod.admitted) return pod.statefulSet !== undefined ? keep : release('uid-mismatch');
    // Another incarnation that claims this address: a StatefulSet Pod re-created under its name, or the first
    // binding of a StatefulSet reservation. The record follows the new UID.
    if (pod.statefulSet === undefined && !isPending(record)) return release('uid-mismatch');
    const verdict = liveVerdict(pod, facts);
    return verdict.action === 'release' ? verdict : { action: 'bind', pod: pod.key, uid: pod.uid };
  }
  const slash = record.pod.indexOf('/');
  const name = record.pod.slice(slash + 1);
  const parsed = parseStatefulSetPodName(name);
  if (slash > 0 && parsed && isValidStatefulSetPod(name, facts.statefulSet(record.pod.slice(0, slash), parsed.statefulSet))) return keep;
  // A StatefulSet reservation whose Pod is not seen yet: the StatefulSet may be newer than what the cache shows.
  if (isPending(record)) return expiry(record, facts);
  return release(parsed && facts.statefulSet(record.pod.slice(0, slash), parsed.statefulSet) ? 'statefulset-released' : 'pod-gone');
}

export function decideRecord(pool: string, ip: string, record: PoolRecord, facts: ReleaseFacts): RecordDecision {
  if (isPending(record) && record.token !== undefined) return decideTokenRecord(pool, ip, record as PoolRecord & { token: string }, facts);
  return decideNamedRecord(pool, ip, record, facts);
}
