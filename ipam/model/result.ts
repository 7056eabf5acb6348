// The per-interface result written on the Pod as `ipam.spidernet.io/assigned-<interface>`:
// Spiderpool's historical shape (interface, ipv4/ipv6 with the pool's prefix
// length, ipv4pool/ipv6pool, vlan), extended with the gateways, clean-gateway,
// routes and the reservation token. The pool record is the proof of ownership;
// this annotation is what the CNI plugin reads back.
import { parseCIDR, parseIP } from '../ip/index.js';
import { podAnnotations } from './names.js';

export interface ResultRoute {
  dst: string;
  gw: string;
}

export interface AssignedResult {
  interface: string;
  /** "172.16.0.100/16", or "" when no IPv4 address was assigned. */
  ipv4: string;
  ipv6: string;
  ipv4pool: string;
  ipv6pool: string;
  vlan: number;
  ipv4gateway: string;
  ipv6gateway: string;
  cleangateway: boolean;
  routes: ResultRoute[];
  /** The admission request that reserved these addresses; the pool records carry it too. */
  token: string;
}

export function assignedAnnotationKey(interfaceName: string): string {
  return `${podAnnotations.assignedPrefix}${interfaceName}`;
}

/** Serialised with a fixed key order, so the same result is always the same text (idempotent patches). */
export function formatAssignedResult(r: AssignedResult): string {
  return JSON.stringify({
    interface: r.interface,
    ipv4: r.ipv4,
    ipv6: r.ipv6,
    ipv4pool: r.ipv4pool,
    ipv6pool: r.ipv6pool,
    vlan: r.vlan,
    ipv4gateway: r.ipv4gateway,
    ipv6gateway: r.ipv6gateway,
    cleangateway: r.cleangateway,
    routes: r.routes.map((route) => ({ dst: route.dst, gw: route.gw })),
    token: r.token,
  });
}

const str = (v: unknown): v is string => typeof v === 'string';

function addressProblem(value: string, family: 4 | 6, key: string): string | undefined {
  if (value === '') return undefined;
  const cidr = parseCIDR(value);
  if (!cidr.ok || cidr.value.family !== family) return `${key} "${value}" is not an IPv${family} address with a prefix length`;
  return undefined;
}

/** Reads an annotation value back (the CNI plugin and the scaler trust nothing they did not check). */
export function parseAssignedResult(
  text: string,
  interfaceName: string,
): { ok: true; value: AssignedResult } | { ok: false; reason: string } {
  const key = assignedAnnotationKey(interfaceName);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, reason: `${key} is not JSON` };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { ok: false, reason: `${key} is not a JSON object` };
  const o = doc as Record<string, unknown>;
  if (o.interface !== interfaceName)
    return { ok: false, reason: `${key} is for interface ${JSON.stringify(o.interface)}, not ${interfaceName}` };
  for (const k of ['ipv4', 'ipv6', 'ipv4pool', 'ipv6pool'])
    if (o[k] !== undefined && !str(o[k])) return { ok: false, reason: `${key}: ${k} is not a string` };
  const ipv4 = (o.ipv4 as string | undefined) ?? '';
  const ipv6 = (o.ipv6 as string | undefined) ?? '';
  const problem = addressProblem(ipv4, 4, 'ipv4') ?? addressProblem(ipv6, 6, 'ipv6');
  if (problem) return { ok: false, reason: `${key}: ${problem}` };
  if (ipv4 === '' && ipv6 === '') return { ok: false, reason: `${key} holds no address` };
  const gateway = (k: string, family: 4 | 6): string | undefined => {
    const v = o[k];
    if (v === undefined || v === '') return '';
    if (!str(v)) return undefined;
    const ip = parseIP(v);
    return ip.ok && ip.value.family === family ? v : undefined;
  };
  const ipv4gateway = gateway('ipv4gateway', 4);
  const ipv6gateway = gateway('ipv6gateway', 6);
  if (ipv4gateway === undefined || ipv6gateway === undefined) return { ok: false, reason: `${key}: a gateway is not an IP of its family` };
  const routes = o.routes ?? [];
  if (!Array.isArray(routes) || !routes.every((r) => typeof r === 'object' && r !== null && str(r.dst) && str(r.gw))) {
    return { ok: false, reason: `${key}: routes must be a list of {dst, gw}` };
  }
  return {
    ok: true,
    value: {
      interface: interfaceName,
      ipv4,
      ipv6,
      ipv4pool: (o.ipv4pool as string | undefined) ?? '',
      ipv6pool: (o.ipv6pool as string | undefined) ?? '',
      vlan: typeof o.vlan === 'number' ? o.vlan : 0,
      ipv4gateway,
      ipv6gateway,
      cleangateway: o.cleangateway === true,
      routes: (routes as ResultRoute[]).map((r) => ({ dst: r.dst, gw: r.gw })),
      token: str(o.token) ? o.token : '',
    },
  };
}
