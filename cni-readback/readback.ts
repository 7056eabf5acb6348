// ADD and CHECK, decided without I/O: the Pod's `assigned-<interface>` annotation says which addresses the webhook
// gave the interface; the pool records are the proof that they are still this Pod's. Only then is the annotation
// turned into a CNI result (architecture, "Failure and security rules": the plugin trusts only an address that pool
// status records for the same Pod).
import { cidrContains, formatIP, type IPFamily, parseCIDR, parseIP } from '../ipam/ip/index.js';
import {
  type AssignedResult,
  assignedAnnotationKey,
  optOutLabel,
  parseAssignedResult,
  parseRecords,
  podAnnotations,
  podNamespace,
  type SpiderIPPool,
} from '../ipam/model/index.js';
import { type CniError, cniError, pluginCodes } from './errors.js';
import type { PodIdentity } from './invocation.js';
import type { IPAMResult, ResultIP, ResultRoute } from './versions.js';

export { optOutLabel };

/** The fields of a Pod this plugin reads. */
export interface PodView {
  namespace: string;
  name: string;
  uid: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringMap(v: unknown): Record<string, string> {
  if (!isObject(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) if (typeof value === 'string') out[k] = value;
  return out;
}

/** A Pod as the API server returns it; undefined when the body is not a Pod. */
export function readPodView(doc: unknown): PodView | undefined {
  if (!isObject(doc) || !isObject(doc.metadata)) return undefined;
  const m = doc.metadata;
  if (typeof m.name !== 'string' || typeof m.namespace !== 'string') return undefined;
  return {
    namespace: m.namespace,
    name: m.name,
    uid: typeof m.uid === 'string' ? m.uid : '',
    labels: stringMap(m.labels),
    annotations: stringMap(m.annotations),
  };
}

export type Decided<T> = { ok: true; value: T } | { ok: false; error: CniError; retryable?: boolean };

function whyNotAdmitted(pod: PodView, ifName: string): string {
  if (pod.labels[optOutLabel] === 'true') {
    return `the Pod carries the label ${optOutLabel}=true, which keeps it away from admission-ipam's webhook; remove the label (on a new Pod) to get addresses`;
  }
  const others = Object.keys(pod.annotations)
    .filter((k) => k.startsWith(podAnnotations.assignedPrefix))
    .map((k) => k.slice(podAnnotations.assignedPrefix.length));
  if (others.length > 0) {
    return (
      `the webhook gave addresses to ${others.join(', ')} only: ${ifName} is not an interface it serves. For a Multus interface, ` +
      `check that its NetworkAttachmentDefinition has ipam type "spiderpool" or "admission-ipam" and that the interface name matches; ` +
      'for the primary interface, see the server flag --primary-network and the ippool annotations'
    );
  }
  return (
    `the webhook did not admit it: is namespace ${pod.namespace} excluded from the webhook (kube-system and the IPAM's own namespace are, ` +
    `and so is every namespace labelled ${optOutLabel}=true)? Was the Pod created before the webhook was installed, or while its ` +
    `configuration was missing? Does ${ifName} use this IPAM (for the primary interface: the server flag --primary-network, or an ` +
    'ipam.spidernet.io/ippool(s) annotation on the Pod or its namespace)?'
  );
}

/** The annotation of `ifName`, read and checked against the Pod the runtime names. */
export function assignmentOf(pod: PodView, ifName: string, runtime: PodIdentity): Decided<AssignedResult> {
  const ref = `${pod.namespace}/${pod.name}`;
  if (runtime.uid !== undefined && pod.uid !== runtime.uid) {
    return {
      ok: false,
      error: cniError(
        pluginCodes.podReplaced,
        `pod ${ref}: the runtime sets up UID ${runtime.uid}, but the API server holds UID ${pod.uid}`,
        'the Pod was deleted and created again under its name; the sandbox of the old Pod gets no addresses',
      ),
    };
  }
  const key = assignedAnnotationKey(ifName);
  const text = pod.annotations[key];
  if (text === undefined) {
    return { ok: false, error: cniError(pluginCodes.notAdmitted, `pod ${ref} has no annotation ${key}`, whyNotAdmitted(pod, ifName)) };
  }
  const parsed = parseAssignedResult(text, ifName);
  if (!parsed.ok) return { ok: false, error: cniError(pluginCodes.unreadableResult, `pod ${ref}: ${parsed.reason}`, text) };
  const a = parsed.value;
  for (const [address, pool, family] of [
    [a.ipv4, a.ipv4pool, 'ipv4'],
    [a.ipv6, a.ipv6pool, 'ipv6'],
  ] as const) {
    if (address !== '' && pool === '') {
      return {
        ok: false,
        error: cniError(pluginCodes.unreadableResult, `pod ${ref}: ${key} has ${family} ${address} but no ${family}pool`, text),
      };
    }
  }
  return { ok: true, value: a };
}

/** The pools to read for an assignment, each once. */
export const poolsOf = (a: AssignedResult): string[] =>
  [...new Set([a.ipv4 !== '' ? a.ipv4pool : '', a.ipv6 !== '' ? a.ipv6pool : ''])].filter((p) => p !== '');

interface FamilyPart {
  family: IPFamily;
  address: string;
  pool: string;
  gateway: string;
}

const partsOf = (a: AssignedResult): FamilyPart[] =>
  [
    { family: 4 as const, address: a.ipv4, pool: a.ipv4pool, gateway: a.ipv4gateway },
    { family: 6 as const, address: a.ipv6, pool: a.ipv6pool, gateway: a.ipv6gateway },
  ].filter((p) => p.address !== '');

/** Whether the pool's record of `ip` is this Pod's: same token while pending, same name and UID once bound. */
function checkRecord(pod: PodView, a: AssignedResult, pool: SpiderIPPool, part: FamilyPart, ip: string): Decided<undefined> {
  const ref = `${pod.namespace}/${pod.name}`;
  const poolName = pool.metadata.name ?? part.pool;
  const records = parseRecords(pool.status?.allocatedIPs, part.family);
  if (!records.ok) return { ok: false, error: cniError(pluginCodes.poolUnusable, `pool "${poolName}": ${records.reason}`) };
  const record = records.value.get(ip);
  const refuse = (msg: string, details: string, retryable = false): Decided<undefined> => ({
    ok: false,
    error: cniError(pluginCodes.notOwner, `pod ${ref}: ${msg}`, details),
    retryable,
  });
  if (record === undefined) {
    return refuse(
      `pool "${poolName}" records no reservation of ${ip}`,
      `the annotation ${assignedAnnotationKey(a.interface)} was not written by admission-ipam for this Pod, or the address has been released; addresses are given only at Pod creation`,
    );
  }
  if (record.podUid !== '') {
    if (record.pod === ref && record.podUid === pod.uid) return { ok: true, value: undefined };
    if (record.pod === ref) {
      // A StatefulSet Pod created again under its name: the releaser moves the record to the new UID shortly.
      return refuse(
        `pool "${poolName}" holds ${ip} for another incarnation of ${ref} (UID ${record.podUid}, this Pod is ${pod.uid})`,
        'the record moves to the new Pod once admission-ipam sees it; try again',
        true,
      );
    }
    return refuse(
      `pool "${poolName}" holds ${ip} for pod ${record.pod} (UID ${record.podUid})`,
      'the annotation does not match the pool records',
    );
  }
  // A generateName Pod is reserved as "<ns>/" (its name comes later); a reservation that names a Pod names this one.
  const sameName = record.pod === `${pod.namespace}/` || record.pod === ref;
  if (a.token !== '' && record.token === a.token && podNamespace(record.pod) === pod.namespace && sameName)
    return { ok: true, value: undefined };
  // A StatefulSet reservation is keyed by the Pod's name from admission on and carries no token.
  if (a.token === '' && record.token === undefined && record.pod === ref) return { ok: true, value: undefined };
  return refuse(
    `pool "${poolName}" holds ${ip} as a reservation of ${record.pod === `${pod.namespace}/` ? `another Pod in ${pod.namespace}` : record.pod}, not of this Pod`,
    'the reservation token of the annotation and of the pool record differ',
  );
}

/** Verifies every address of the assignment against its pool and builds the IPAM result. */
export function readBack(pod: PodView, a: AssignedResult, pools: ReadonlyMap<string, SpiderIPPool | undefined>): Decided<IPAMResult> {
  const ref = `${pod.namespace}/${pod.name}`;
  const ips: ResultIP[] = [];
  for (const part of partsOf(a)) {
    const pool = pools.get(part.pool);
    if (pool === undefined) {
      return {
        ok: false,
        error: cniError(
          pluginCodes.poolUnusable,
          `pod ${ref}: the SpiderIPPool "${part.pool}" named by ${assignedAnnotationKey(a.interface)} does not exist`,
        ),
      };
    }
    const address = parseCIDR(part.address);
    const subnet = parseCIDR(pool.spec.subnet);
    if (!address.ok || !subnet.ok)
      return {
        ok: false,
        error: cniError(pluginCodes.poolUnusable, `pool "${part.pool}": spec.subnet "${pool.spec.subnet}" is not a CIDR`),
      };
    const ip = part.address.slice(0, part.address.indexOf('/'));
    const parsedIP = parseIP(ip);
    if (!parsedIP.ok || !cidrContains(subnet.value, parsedIP.value)) {
      return {
        ok: false,
        error: cniError(pluginCodes.notOwner, `pod ${ref}: ${ip} is not inside ${pool.spec.subnet}, the subnet of pool "${part.pool}"`),
      };
    }
    const owned = checkRecord(pod, a, pool, part, formatIP(parsedIP.value));
    if (!owned.ok) return owned;
    // The pool's prefix length, which the annotation copied at admission; the pool is the authority.
    ips.push({ address: `${ip}/${subnet.value.prefixLength}`, ...(part.gateway !== '' ? { gateway: part.gateway } : {}) });
  }
  const routes: ResultRoute[] = a.routes.map((r) => ({ dst: r.dst, gw: r.gw }));
  if (!a.cleangateway) {
    for (const part of partsOf(a))
      if (part.gateway !== '') routes.push({ dst: part.family === 4 ? '0.0.0.0/0' : '::/0', gw: part.gateway });
  }
  return { ok: true, value: { ips, routes } };
}
