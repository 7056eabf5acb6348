// IPv4 and IPv6 addresses as (family, bigint). Parsing is strict: only the forms
// the Kubernetes API itself accepts, so that "010.0.0.1" can never mean 8.0.0.1
// to one component and 10.0.0.1 to another.
import ipaddr from 'ipaddr.js';

export type IPFamily = 4 | 6;

export interface IP {
  family: IPFamily;
  value: bigint;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export const bitsOf = (family: IPFamily): number => (family === 4 ? 32 : 128);
export const maxValue = (family: IPFamily): bigint => (1n << BigInt(bitsOf(family))) - 1n;

const ipv4Pattern = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIPv4(text: string): Parsed<IP> {
  const m = ipv4Pattern.exec(text);
  if (!m) return { ok: false, reason: `"${text}" is not an IP address` };
  let value = 0n;
  for (const octet of m.slice(1)) {
    if (octet.length > 1 && octet.startsWith('0')) {
      return { ok: false, reason: `"${text}" has a leading zero in an octet, which some parsers read as octal; write it without` };
    }
    const n = Number(octet);
    if (n > 255) return { ok: false, reason: `"${text}" has an octet above 255` };
    value = (value << 8n) | BigInt(n);
  }
  return { ok: true, value: { family: 4, value } };
}

function parseIPv6(text: string): Parsed<IP> {
  if (text.includes('%')) return { ok: false, reason: `"${text}" carries a zone ID, which has no meaning in a pool` };
  if (!ipaddr.IPv6.isValid(text)) return { ok: false, reason: `"${text}" is not an IP address` };
  // ipaddr.js accepts an embedded IPv4 part with leading zeros; hold it to the IPv4 rules.
  const embedded = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (embedded?.[1] && !parseIPv4(embedded[1]).ok) return parseIPv4(embedded[1]);
  let value = 0n;
  for (const byte of ipaddr.IPv6.parse(text).toByteArray()) value = (value << 8n) | BigInt(byte);
  return { ok: true, value: { family: 6, value } };
}

export function parseIP(text: string): Parsed<IP> {
  if (text !== text.trim() || text === '') return { ok: false, reason: `"${text}" is not an IP address` };
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

/** Canonical text: dotted decimal for IPv4, RFC 5952 for IPv6 (lower case, longest zero run as "::"). */
export function formatIP(ip: IP): string {
  if (ip.family === 4) {
    const v = ip.value;
    return [24n, 16n, 8n, 0n].map((shift) => String((v >> shift) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((ip.value >> shift) & 0xffffn));
  return formatIPv6Groups(groups);
}

/** RFC 5952 text of eight 16-bit groups: lower case, the longest run of two or more zero groups as "::". */
export function formatIPv6Groups(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1; // RFC 5952: a single zero group is never shortened
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (gs: readonly number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

export function ipFromValue(family: IPFamily, value: bigint): IP {
  if (value < 0n || value > maxValue(family)) throw new RangeError(`value ${value} is outside the IPv${family} space`);
  return { family, value };
}

/** Normalises the text of an IP (e.g. "FD00:0::1" -> "fd00::1"); undefined when it is not an IP. */
export function canonicalIP(text: string): string | undefined {
  const parsed = parseIP(text);
  return parsed.ok ? formatIP(parsed.value) : undefined;
}
