// Pod UPDATE: the result annotations (`ipam.spidernet.io/assigned-<interface>`) are
// written by admission-ipam only. Anyone else changing, adding or removing one is
// refused. This is a courtesy, not the security boundary: the CNI plugin trusts an
// address only when the pool status records it for the same Pod UID.
import { podAnnotations } from '../../ipam/model/index.js';
import { type AdmissionRequest, allowed, type Decision, denied, type JsonObject } from '../review.js';
import type { AdmissionHandler } from '../server.js';

function resultAnnotations(object: JsonObject | undefined): Map<string, unknown> {
  const metadata = object?.metadata;
  const annotations =
    typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? (metadata as JsonObject).annotations : undefined;
  const out = new Map<string, unknown>();
  if (typeof annotations !== 'object' || annotations === null || Array.isArray(annotations)) return out;
  for (const [key, value] of Object.entries(annotations)) if (key.startsWith(podAnnotations.assignedPrefix)) out.set(key, value);
  return out;
}

/** Keys whose value differs between the two maps, added and removed keys included. */
function changedKeys(before: Map<string, unknown>, after: Map<string, unknown>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}

export function protectPodResults(trustedUsers: readonly string[]): AdmissionHandler {
  const trusted = new Set(trustedUsers);
  return (request: AdmissionRequest): Decision => {
    if (request.operation !== 'UPDATE') return allowed();
    const changed = changedKeys(resultAnnotations(request.oldObject), resultAnnotations(request.object));
    if (changed.length === 0 || trusted.has(request.userInfo.username)) return allowed();
    const pod = `${request.namespace ?? ''}/${request.name ?? ''}`;
    return denied(
      `pod ${pod}: ${changed.join(', ')} ${changed.length === 1 ? 'is' : 'are'} written by admission-ipam only; user "${request.userInfo.username}" cannot change ${changed.length === 1 ? 'it' : 'them'}. Delete the Pod to get new addresses.`,
      { code: 403, target: { kind: 'Pod', ...(request.name ? { name: request.name } : {}) } },
    );
  };
}
