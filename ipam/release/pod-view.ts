// What the releaser needs to know of a Pod, read from the Pod object: who it is (UID), whether it still uses its
// addresses (phase, deletion), where it runs, whether a StatefulSet owns it, and which addresses it claims — the
// `ipam.spidernet.io/assigned-<interface>` annotations the webhook wrote, which the CNI plugin reads back.
import { canonicalIP } from '../ip/index.js';
import { optOutLabel, parseAssignedResult, podAnnotations } from '../model/index.js';

/** The fields of a core/v1 Pod this module reads: the cache keeps only these (trimPod). */
export interface PodObject {
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid?: string; controller?: boolean }>;
  };
  spec?: { nodeName?: string };
  status?: { phase?: string; podIPs?: Array<{ ip: string }> };
}

/** One address a Pod's result annotation names. */
export interface Claim {
  pool: string;
  /** Canonical text, as the pool records key it. */
  ip: string;
  token: string;
}

export interface PodView {
  /** "<namespace>/<name>", the `pod` of a pool record. */
  key: string;
  namespace: string;
  uid: string;
  phase: string;
  /** When the Pod must be gone: the API server sets it to the deletion request's time plus the grace period. */
  deletionDeadline?: number;
  nodeName: string;
  /** The StatefulSet controlling the Pod, if any: its address is sticky (behaviour §5). */
  statefulSet?: string;
  /** Whether this IPAM admitted the Pod: it carries at least one result annotation. */
  admitted: boolean;
  /** A result annotation could not be read: what it names is unknown, so nothing is released for not being named. */
  unreadable: boolean;
  claims: Claim[];
}

const assignedPrefix = podAnnotations.assignedPrefix;

function claimsOf(annotations: Record<string, string>): { admitted: boolean; unreadable: boolean; claims: Claim[] } {
  let admitted = false;
  let unreadable = false;
  const claims: Claim[] = [];
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(assignedPrefix)) continue;
    admitted = true;
    const parsed = parseAssignedResult(value, key.slice(assignedPrefix.length));
    // An unreadable result proves no claim, and disproves none either (see decide.ts).
    if (!parsed.ok) {
      unreadable = true;
      continue;
    }
    const { ipv4, ipv6, ipv4pool, ipv6pool, token } = parsed.value;
    for (const [cidr, pool] of [
      [ipv4, ipv4pool],
      [ipv6, ipv6pool],
    ] as const) {
      if (cidr === '') continue;
      const ip = canonicalIP(cidr.slice(0, cidr.indexOf('/')));
      if (ip !== undefined) claims.push({ pool, ip, token });
    }
  }
  return { admitted, unreadable, claims };
}

function epochSecondsOf(timestamp: string | undefined): number | undefined {
  if (timestamp === undefined) return undefined;
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

export function podView(pod: PodObject): PodView {
  const { metadata } = pod;
  const owner = metadata.ownerReferences?.find((r) => r.controller === true);
  const statefulSet = owner && owner.kind === 'StatefulSet' && owner.apiVersion.startsWith('apps/') ? owner.name : undefined;
  const deletionDeadline = epochSecondsOf(metadata.deletionTimestamp);
  return {
    key: `${metadata.namespace}/${metadata.name}`,
    namespace: metadata.namespace,
    uid: metadata.uid ?? '',
    phase: pod.status?.phase ?? '',
    ...(deletionDeadline !== undefined ? { deletionDeadline } : {}),
    nodeName: pod.spec?.nodeName ?? '',
    ...(statefulSet !== undefined ? { statefulSet } : {}),
    // A Pod that opted out never met the webhook: result annotations it carries were written by someone else and
    // prove nothing (a copied token must not bind another Pod's reservation to it).
    ...(metadata.labels?.[optOutLabel] === 'true'
      ? { admitted: false, unreadable: false, claims: [] }
      : claimsOf(metadata.annotations ?? {})),
  };
}

/** Whether the Pod's annotations name this address in this pool. */
export const claims = (pod: PodView, pool: string, ip: string): boolean => pod.claims.some((c) => c.pool === pool && c.ip === ip);

/**
 * The Pod as the releaser's cache keeps it: a full Pod is several kilobytes (specs, container statuses, managed
 * fields), of which these fields are a few hundred bytes.
 */
export function trimPod(pod: PodObject): PodObject {
  const m = pod.metadata;
  const annotations = Object.fromEntries(Object.entries(m.annotations ?? {}).filter(([k]) => k.startsWith(assignedPrefix)));
  const owner = m.ownerReferences?.filter((r) => r.controller === true);
  return {
    metadata: {
      name: m.name,
      namespace: m.namespace,
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
      ...(m.deletionTimestamp !== undefined ? { deletionTimestamp: m.deletionTimestamp } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...(m.labels?.[optOutLabel] !== undefined ? { labels: { [optOutLabel]: m.labels[optOutLabel] } } : {}),
      ...(owner && owner.length > 0
        ? { ownerReferences: owner.map(({ apiVersion, kind, name, uid, controller }) => ({ apiVersion, kind, name, uid, controller })) }
        : {}),
    },
    spec: pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {},
    status: {
      ...(pod.status?.phase !== undefined ? { phase: pod.status.phase } : {}),
      ...(pod.status?.podIPs ? { podIPs: pod.status.podIPs.map((p) => ({ ip: p.ip })) } : {}),
    },
  };
}
