// Inclusive address ranges and the text forms pools use: "10.6.0.5" or
// "10.6.0.7-10.6.0.9" (no spaces, no CIDR notation).
import { formatIP, type IPFamily, type Parsed, parseIP } from './address.js';

export interface IPRange {
  family: IPFamily;
  start: bigint;
  end: bigint;
}

export function parseIPRange(text: string): Parsed<IPRange> {
  const parts = text.split('-');
  if (parts.length > 2) return { ok: false, reason: `"${text}" is not an IP or an IP range "start-end"` };
  if (text.includes('/')) return { ok: false, reason: `"${text}" is a CIDR; write a single IP or a range "start-end"` };
  const start = parseIP(parts[0] ?? '');
  if (!start.ok) return { ok: false, reason: `"${text}" is not an IP or an IP range "start-end": ${start.reason}` };
  if (parts.length === 1) return { ok: true, value: { family: start.value.family, start: start.value.value, end: start.value.value } };
  const end = parseIP(parts[1] ?? '');
  if (!end.ok) return { ok: false, reason: `"${text}" is not an IP range "start-end": ${end.reason}` };
  if (end.value.family !== start.value.family) return { ok: false, reason: `"${text}" mixes IPv4 and IPv6` };
  if (end.value.value < start.value.value) return { ok: false, reason: `"${text}" ends before it starts` };
  return { ok: true, value: { family: start.value.family, start: start.value.value, end: end.value.value } };
}

export function formatIPRange(range: IPRange): string {
  const start = formatIP({ family: range.family, value: range.start });
  return range.start === range.end ? start : `${start}-${formatIP({ family: range.family, value: range.end })}`;
}

export function rangeSize(range: IPRange): bigint {
  return range.end - range.start + 1n;
}
