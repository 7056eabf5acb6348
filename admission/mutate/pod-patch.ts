// The Pod as admission-ipam leaves it: one `ipam.spidernet.io/assigned-<interface>`
// annotation per interface it serves (any other such annotation, e.g. written by
// the user, removed), and the required node affinity its pools need.
import { type CIDR, cidrContains, parseCIDR, parseIP } from '../../ipam/ip/index.js';
import {
  type AssignedResult,
  assignedAnnotationKey,
  type CustomRoute,
  formatAssignedResult,
  podAnnotations,
  type ResultRoute,
  type SpiderIPPool,
} from '../../ipam/model/index.js';
import type { Affinity } from '../../ipam/select/index.js';
import type { JsonObject } from '../review.js';
import type { FamilyAllocation, InterfaceAllocation } from './pod-allocation.js';

function cidrOf(pool: SpiderIPPool): CIDR | undefined {
  const parsed = parseCIDR(pool.spec.subnet);
  return parsed.ok ? parsed.value : undefined;
}

function withPrefix(f: FamilyAllocation | undefined): string {
  if (!f) return '';
  return `${f.ip}/${cidrOf(f.pool)?.prefixLength ?? (f.ip.includes(':') ? 128 : 32)}`;
}

/** Pool routes, then the Pod's custom routes whose gateway lies in one of this interface's subnets (Spiderpool's rule). */
function routesOf(a: InterfaceAllocation, custom: readonly CustomRoute[]): ResultRoute[] {
  const routes: ResultRoute[] = [];
  const subnets: CIDR[] = [];
  for (const f of [a.ipv4, a.ipv6]) {
    if (!f) continue;
    for (const r of f.pool.spec.routes ?? []) routes.push({ dst: r.dst, gw: r.gw });
    const cidr = cidrOf(f.pool);
    if (cidr) subnets.push(cidr);
  }
  for (const r of custom) {
    const gw = parseIP(r.gw);
    if (gw.ok && subnets.some((c) => cidrContains(c, gw.value))) routes.push({ dst: r.dst, gw: r.gw });
  }
  return routes;
}

export function assignedResult(a: InterfaceAllocation, token: string, custom: readonly CustomRoute[]): AssignedResult {
  return {
    interface: a.interface,
    ipv4: withPrefix(a.ipv4),
    ipv6: withPrefix(a.ipv6),
    ipv4pool: a.ipv4?.pool.metadata.name ?? '',
    ipv6pool: a.ipv6?.pool.metadata.name ?? '',
    vlan: 0,
    ipv4gateway: a.ipv4?.pool.spec.gateway ?? '',
    ipv6gateway: a.ipv6?.pool.spec.gateway ?? '',
    cleangateway: a.cleanGateway,
    routes: routesOf(a, custom),
    token,
  };
}

/** A plain-JSON copy of the Pod with our annotations and affinity; the webhook diffs it against the raw object. */
export function mutatedPod(raw: JsonObject, results: readonly AssignedResult[], affinity: Affinity | undefined): JsonObject {
  const pod = structuredClone(raw);
  const metadata = (pod.metadata ?? {}) as JsonObject;
  pod.metadata = metadata;
  const annotations: Record<string, string> = { ...((metadata.annotations as Record<string, string> | undefined) ?? {}) };
  for (const key of Object.keys(annotations)) if (key.startsWith(podAnnotations.assignedPrefix)) delete annotations[key];
  for (const r of results) annotations[assignedAnnotationKey(r.interface)] = formatAssignedResult(r);
  metadata.annotations = annotations;
  if (affinity) {
    const spec = (pod.spec ?? {}) as JsonObject;
    pod.spec = spec;
    spec.affinity = affinity as unknown as JsonObject;
  }
  return pod;
}
