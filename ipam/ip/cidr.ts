// CIDRs ("10.6.0.0/16", "fd00::/64"). Pools and subnets must name their network in
// canonical form; a CIDR with host bits set is refused with the form to use instead.
import { bitsOf, formatIP, type IP, type IPFamily, maxValue, type Parsed, parseIP } from './address.js';
import type { IPRange } from './range.js';

export interface CIDR {
  family: IPFamily;
  /** The address as written, host bits included. */
  address: bigint;
  prefixLength: number;
}

export function parseCIDR(text: string): Parsed<CIDR> {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, reason: `"${text}" is not a CIDR (expected address/prefix-length)` };
  const ip = parseIP(text.slice(0, slash));
  if (!ip.ok) return { ok: false, reason: `"${text}" is not a valid CIDR: ${ip.reason}` };
  const prefixText = text.slice(slash + 1);
  const bits = bitsOf(ip.value.family);
  if (!/^(0|[1-9]\d{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
    return { ok: false, reason: `"${text}" has an invalid prefix length "${prefixText}" (0-${bits} for IPv${ip.value.family})` };
  }
  return { ok: true, value: { family: ip.value.family, address: ip.value.value, prefixLength: Number(prefixText) } };
}

function hostMask(cidr: Pick<CIDR, 'family' | 'prefixLength'>): bigint {
  return (1n << BigInt(bitsOf(cidr.family) - cidr.prefixLength)) - 1n;
}

export function networkOf(cidr: CIDR): bigint {
  return cidr.address & (maxValue(cidr.family) ^ hostMask(cidr));
}

export function formatCIDR(cidr: CIDR): string {
  return `${formatIP({ family: cidr.family, value: cidr.address })}/${cidr.prefixLength}`;
}

/** The CIDR written with its network address, e.g. "10.6.0.1/16" -> "10.6.0.0/16". */
export function canonicalCIDR(cidr: CIDR): string {
  return formatCIDR({ ...cidr, address: networkOf(cidr) });
}

/** Canonical means the network address, written in canonical IP text. */
export function isCanonicalCIDRText(text: string, cidr: CIDR): boolean {
  return text === canonicalCIDR(cidr);
}

export function cidrRange(cidr: CIDR): IPRange {
  const start = networkOf(cidr);
  return { family: cidr.family, start, end: start | hostMask(cidr) };
}

export function cidrContains(cidr: CIDR, ip: IP): boolean {
  const range = cidrRange(cidr);
  return ip.family === cidr.family && ip.value >= range.start && ip.value <= range.end;
}

/** Two CIDRs overlap exactly when one contains the other. */
export function cidrsOverlap(a: CIDR, b: CIDR): boolean {
  if (a.family !== b.family) return false;
  const ra = cidrRange(a);
  const rb = cidrRange(b);
  return ra.start <= rb.end && rb.start <= ra.end;
}

/** Label-safe form used by Spiderpool's cidr labels: "172.18.40.0/24" -> "172-18-40-0-24". */
export function cidrLabelValue(text: string): string {
  return text.replace(/[.:/]/g, '-');
}
