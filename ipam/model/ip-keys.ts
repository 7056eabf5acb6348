// The keys of status.allocatedIPs, read fast. Every batch reads every key of the pool (canonical form, order, the
// allocated set), and a pool holds thousands: the general parser (strict, with messages, ipaddr.js for IPv6) costs
// several µs per IPv6 key, these single walks a fraction of that, without splitting or closures. Anything they do not
// recognise goes to the general parser, so they only ever speed up, never change, the answer.
import { formatIP, formatIPv6Groups, type IPFamily, type Parsed, parseIP } from '../ip/index.js';

/** Canonical dotted-decimal IPv4 text (no leading zeros) as a number, exact in a double; undefined otherwise. */
export function ipv4Number(text: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57 || (digits > 0 && octet === 0)) return undefined;
    octet = octet * 10 + (c - 48);
    digits++;
    if (octet > 255) return undefined;
  }
  return dots === 3 && digits > 0 ? value * 256 + octet : undefined;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** The eight 16-bit groups of hex-colon IPv6 text; undefined for anything else (embedded IPv4, zones, junk). */
export function ipv6Groups(text: string): number[] | undefined {
  const n = text.length;
  if (n < 2 || n > 39) return undefined;
  const groups: number[] = [];
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return undefined;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    let value = 0;
    let digits = 0;
    for (let d = hexDigit(text.charCodeAt(i)); i < n && d >= 0; d = hexDigit(text.charCodeAt(++i))) {
      value = value * 16 + d;
      digits++;
    }
    if (digits === 0 || digits > 4 || groups.push(value) > 8) return undefined;
    if (i === n) break;
    // After a group only ":" may follow, and not as the last character; "::" marks the one gap.
    if (text.charCodeAt(i++) !== 58 || i === n) return undefined;
    if (text.charCodeAt(i) === 58) {
      if (gap >= 0) return undefined;
      gap = groups.length;
      i++;
    }
  }
  if (gap < 0) return groups.length === 8 ? groups : undefined;
  if (groups.length > 7) return undefined;
  const out = groups.slice(0, gap);
  for (let k = groups.length; k < 8; k++) out.push(0);
  for (let k = gap; k < groups.length; k++) out.push(groups[k] as number);
  return out;
}

function groupsValue(g: readonly number[]): bigint {
  const w0 = BigInt((g[0] ?? 0) * 65536 + (g[1] ?? 0));
  const w1 = BigInt((g[2] ?? 0) * 65536 + (g[3] ?? 0));
  const w2 = BigInt((g[4] ?? 0) * 65536 + (g[5] ?? 0));
  const w3 = BigInt((g[6] ?? 0) * 65536 + (g[7] ?? 0));
  return (w0 << 96n) | (w1 << 64n) | (w2 << 32n) | w3;
}

/**
 * Order of a key: IPv4 as a number; IPv6 as eight UTF-16 code units, one per group, which compare as the address
 * does and cost far less to build than a bigint. A pool holds one family, so the two never meet.
 */
export type KeyOrder = number | string;

function orderOfGroups(g: readonly number[]): string {
  return String.fromCharCode(g[0] ?? 0, g[1] ?? 0, g[2] ?? 0, g[3] ?? 0, g[4] ?? 0, g[5] ?? 0, g[6] ?? 0, g[7] ?? 0);
}

/** A key of a pool of `family` (any when undefined): its canonical text and order, or why it is not an IP. */
export function readKey(key: string, family: IPFamily | undefined): Parsed<{ text: string; order: KeyOrder }> {
  // Strict IPv4 parsing admits only canonical text, so it needs no rewriting.
  const v4 = family !== 6 ? ipv4Number(key) : undefined;
  if (v4 !== undefined) return { ok: true, value: { text: key, order: v4 } };
  const groups = family !== 4 ? ipv6Groups(key) : undefined;
  if (groups) return { ok: true, value: { text: formatIPv6Groups(groups), order: orderOfGroups(groups) } };
  const ip = parseIP(key);
  if (!ip.ok) return { ok: false, reason: 'which is not an IP' };
  if (family !== undefined && ip.value.family !== family)
    return { ok: false, reason: `which is IPv${ip.value.family}, in an IPv${family} pool` };
  const text = formatIP(ip.value);
  return { ok: true, value: { text, order: keyOrder(text) } };
}

/** The canonical text of a key, or why it is not one. */
export function canonicalKey(key: string, family: IPFamily | undefined): Parsed<string> {
  const read = readKey(key, family);
  return read.ok ? { ok: true, value: read.value.text } : read;
}

/** The order of canonical key text (see KeyOrder); -1 when it is not an IP. */
export function keyOrder(ip: string): KeyOrder {
  const v4 = ipv4Number(ip);
  if (v4 !== undefined) return v4;
  const groups = ipv6Groups(ip) ?? ipv6GroupsOf(ip);
  return groups ? orderOfGroups(groups) : -1;
}

function ipv6GroupsOf(ip: string): number[] | undefined {
  const parsed = parseIP(ip);
  if (!parsed.ok || parsed.value.family !== 6) return undefined;
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((parsed.value.value >> shift) & 0xffffn));
  return groups;
}

/** The key as (family, value). */
export function keyAddress(ip: string): { family: IPFamily; value: bigint } | undefined {
  const v4 = ipv4Number(ip);
  if (v4 !== undefined) return { family: 4, value: BigInt(v4) };
  const groups = ipv6Groups(ip);
  if (groups) return { family: 6, value: groupsValue(groups) };
  const parsed = parseIP(ip);
  return parsed.ok ? parsed.value : undefined;
}

/** Address order of IP text of one family. */
export function compareIPs(a: string, b: string): number {
  const x = keyOrder(a);
  const y = keyOrder(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
