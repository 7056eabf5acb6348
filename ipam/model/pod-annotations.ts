// Parsers of the Pod and Namespace annotations that steer pool selection (behaviour §2.1–§2.5, §2.7).
// Values are untrusted text: a parser returns a result and never throws, whatever JSON it is given. Errors name
// the annotation, the value and the rule, and start the way Spiderpool's do ("wrong input, invalid format of Pod
// annotation ...", §3.12) so that a failure reads the same to someone who knows Spiderpool.
import { type IPFamily, type Parsed, parseCIDR, parseIP } from '../ip/index.js';
import { namespaceAnnotations, podAnnotations } from './names.js';

export type JSONObject = Record<string, unknown>;
export const isJSONObject = (v: unknown): v is JSONObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Messages end up in `kubectl` output and events: a pasted megabyte must not make them unreadable. */
export function quoteValue(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return `'${text.length > 160 ? `${text.slice(0, 160)}...` : text}'`;
}

/** A short description of a JSON value for messages; never serialises it (deep nesting would overflow the stack). */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return quoteValue(v).replace(/^'|'$/g, '"');
  if (typeof v === 'object') return 'an object';
  return String(v);
}

export function decodeJSON(text: unknown): Parsed<unknown> {
  if (typeof text !== 'string') return { ok: false, reason: `expected text, got ${typeof text}` };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, reason: `not valid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
}

/**
 * The value of a struct field as Go's encoding/json fills it: keys match case-insensitively and the last matching
 * key wins. Spiderpool decodes every annotation this way, so `{"IPv4": [...]}` works there and must work here.
 */
export function goField(obj: JSONObject, name: string): unknown {
  let found: unknown;
  for (const [key, value] of Object.entries(obj)) if (key === name || key.toLowerCase() === name) found = value;
  return found;
}

/** A list of strings; absent or null is the empty list (a nil slice in Go). */
export function readStrings(v: unknown, field: string): Parsed<string[]> {
  if (v === undefined || v === null) return { ok: true, value: [] };
  if (!Array.isArray(v)) return { ok: false, reason: `"${field}" must be a list of strings, got ${describe(v)}` };
  for (const [i, item] of v.entries()) {
    if (typeof item !== 'string') return { ok: false, reason: `"${field}"[${i}] must be a string, got ${describe(item)}` };
  }
  return { ok: true, value: v as string[] };
}

/** A list of pool names (or globs): no empty name, none twice (behaviour §3.5 refuses a pool named twice). */
export function readPoolNames(v: unknown, field: string): Parsed<string[]> {
  const names = readStrings(v, field);
  if (!names.ok) return names;
  const seen = new Set<string>();
  for (const [i, name] of names.value.entries()) {
    if (name === '') return { ok: false, reason: `"${field}"[${i}] is an empty pool name` };
    if (seen.has(name)) return { ok: false, reason: `"${field}" lists pool "${name}" twice` };
    seen.add(name);
  }
  return names;
}

/** Pool names per family in the user's order; an empty list means "no address of that family". */
export interface PoolNames {
  ipv4: string[];
  ipv6: string[];
}

/** One item of `ipam.spidernet.io/ippools`; `interface` is "" in unnamed mode. */
export interface IPPoolsItem extends PoolNames {
  interface: string;
  cleanGateway: boolean;
}

export interface IPPoolsAnnotation {
  /** true: items are matched to interfaces by name; false: by position. */
  named: boolean;
  items: IPPoolsItem[];
}

/** The SpiderSubnet per family whose automatic pool serves one interface (only the first name of a list counts). */
export interface SubnetItem {
  interface: string;
  ipv4?: string;
  ipv6?: string;
}

export interface CustomRoute {
  dst: string;
  gw: string;
  family: IPFamily;
}

export interface IPPoolIPNumber {
  /** fixed: the pool holds n IPs; flexible: replicas + n. */
  kind: 'fixed' | 'flexible';
  n: number;
}

type Fail = (rule: string) => { ok: false; reason: string };
const failFor =
  (owner: 'Pod' | 'Namespace', key: string, value: unknown): Fail =>
  (rule) => ({ ok: false, reason: `wrong input, invalid format of ${owner} annotation '${key}' value ${quoteValue(value)}: ${rule}` });

function readFamilies(obj: JSONObject, at: string): Parsed<PoolNames> {
  const ipv4 = readPoolNames(goField(obj, 'ipv4'), `${at}ipv4`);
  if (!ipv4.ok) return ipv4;
  const ipv6 = readPoolNames(goField(obj, 'ipv6'), `${at}ipv6`);
  if (!ipv6.ok) return ipv6;
  return { ok: true, value: { ipv4: ipv4.value, ipv6: ipv6.value } };
}

/** `ipam.spidernet.io/ippool`: `{"ipv4"?: [...], "ipv6"?: [...]}` for every interface of the Pod (§2.1). */
export function parseIPPoolAnnotation(value: string): Parsed<PoolNames> {
  const fail = failFor('Pod', podAnnotations.ippool, value);
  const json = decodeJSON(value);
  if (!json.ok) return fail(json.reason);
  // Go decodes null into a struct as "nothing set"; it then names no pool, refused below.
  const obj = json.value ?? {};
  if (!isJSONObject(obj)) return fail(`must be a JSON object {"ipv4": [...], "ipv6": [...]}, got ${describe(obj)}`);
  const pools = readFamilies(obj, '');
  if (!pools.ok) return fail(pools.reason);
  // Spiderpool ignores unknown keys, so a typo leaves the Pod with no pool and a late failure (vectors §3.5):
  // refuse it here, where the message can say why.
  if (pools.value.ipv4.length === 0 && pools.value.ipv6.length === 0) return fail('names no pool: list at least one in "ipv4" or "ipv6"');
  return pools;
}

/** `ipam.spidernet.io/ippools`: pools per interface, all items named or none (§2.2, vectors §3.5). */
export function parseIPPoolsAnnotation(value: string): Parsed<IPPoolsAnnotation> {
  const fail = failFor('Pod', podAnnotations.ippools, value);
  const json = decodeJSON(value);
  if (!json.ok) return fail(json.reason);
  const list = json.value ?? [];
  if (!Array.isArray(list)) return fail(`must be a JSON list of {"interface", "ipv4", "ipv6", "cleangateway"}, got ${describe(list)}`);
  if (list.length === 0) return fail('value requires at least one item');
  const items: IPPoolsItem[] = [];
  for (const [i, raw] of list.entries()) {
    if (!isJSONObject(raw)) return fail(`item [${i}] must be an object, got ${describe(raw)}`);
    const nic = goField(raw, 'interface') ?? '';
    if (typeof nic !== 'string') return fail(`"[${i}].interface" must be a string, got ${describe(nic)}`);
    const pools = readFamilies(raw, `[${i}].`);
    if (!pools.ok) return fail(pools.reason);
    const cleanGateway = goField(raw, 'cleangateway') ?? false;
    if (typeof cleanGateway !== 'boolean') return fail(`"[${i}].cleangateway" must be true or false, got ${describe(cleanGateway)}`);
    items.push({ interface: nic, ...pools.value, cleanGateway });
  }
  const named = items[0]?.interface !== '';
  const seen = new Set<string>();
  for (const [i, item] of items.entries()) {
    if ((item.interface !== '') !== named) {
      return fail(
        `NIC should be either all specified or all unspecified: item [0] ${named ? 'names' : 'does not name'} an interface, item [${i}] ${named ? 'does not' : 'does'}`,
      );
    }
    if (named && seen.has(item.interface)) return fail(`duplicate interface ${item.interface}`);
    seen.add(item.interface);
  }
  return { ok: true, value: { named, items } };
}

/** Subnet names are SpiderSubnet object names, never patterns (§3.3): a glob could only fail later, less clearly. */
const looksLikeGlob = (name: string) => /[*?[\]]/.test(name);

function readSubnetItem(obj: JSONObject, at: string, mode: 'single interface' | 'multiple interfaces'): Parsed<SubnetItem> {
  const nic = goField(obj, 'interface') ?? '';
  if (typeof nic !== 'string') return { ok: false, reason: `"${at}interface" must be a string, got ${describe(nic)}` };
  const item: SubnetItem = { interface: nic };
  for (const family of ['ipv4', 'ipv6'] as const) {
    const names = readStrings(goField(obj, family), `${at}${family}`);
    if (!names.ok) return names;
    // Only the first name counts (Spiderpool drops the rest), so only the first is checked.
    const first = names.value[0];
    if (first === undefined) continue;
    const label = family === 'ipv4' ? 'IPv4' : 'IPv6';
    if (first === '') return { ok: false, reason: `it's invalid to set an empty ${label} subnet with ${mode} ("${at}${family}"[0] is "")` };
    if (looksLikeGlob(first)) return { ok: false, reason: `"${at}${family}"[0] "${first}" is a pattern; name one SpiderSubnet` };
    item[family] = first;
  }
  if (item.ipv4 === undefined && item.ipv6 === undefined) {
    return {
      ok: false,
      reason: `it's invalid to set dual empty subnet with ${mode}: ${at || 'the annotation '}names no SpiderSubnet in "ipv4" or "ipv6"`,
    };
  }
  return { ok: true, value: item };
}

/** `ipam.spidernet.io/subnet`: one item; its interface defaults to eth0 (§2.3, §13.11). */
export function parseSubnetAnnotation(value: string): Parsed<SubnetItem> {
  const fail = failFor('Pod', podAnnotations.subnet, value);
  const json = decodeJSON(value);
  if (!json.ok) return fail(json.reason);
  if (json.value === null) return fail('no subnets specified');
  if (!isJSONObject(json.value)) return fail(`must be a JSON object {"interface"?, "ipv4", "ipv6"}, got ${describe(json.value)}`);
  const item = readSubnetItem(json.value, '', 'single interface');
  if (!item.ok) return fail(item.reason);
  return { ok: true, value: { ...item.value, interface: item.value.interface || 'eth0' } };
}

/**
 * `ipam.spidernet.io/subnets`: one item per interface (§2.3). Unlike `ippools` there is no unnamed mode: Spiderpool
 * matches subnet items by interface name only and labels each automatic pool with it, so an item without an
 * interface could never serve anything; it is refused here.
 */
export function parseSubnetsAnnotation(value: string): Parsed<SubnetItem[]> {
  const fail = failFor('Pod', podAnnotations.subnets, value);
  const json = decodeJSON(value);
  if (!json.ok) return fail(json.reason);
  const list = json.value ?? [];
  if (!Array.isArray(list)) return fail(`must be a JSON list of {"interface", "ipv4", "ipv6"}, got ${describe(list)}`);
  if (list.length === 0) return fail('no subnets specified');
  const items: SubnetItem[] = [];
  for (const [i, raw] of list.entries()) {
    if (!isJSONObject(raw)) return fail(`item [${i}] must be an object, got ${describe(raw)}`);
    const item = readSubnetItem(raw, `[${i}].`, 'multiple interfaces');
    if (!item.ok) return fail(item.reason);
    if (item.value.interface === '') return fail(`item [${i}] names no interface; every item must name the interface it serves`);
    const twice = items.find((other) => other.interface === item.value.interface);
    if (twice) return fail(`it's invalid to use the same Interface name for multiple interfaces: "${twice.interface}" in two items`);
    for (const family of ['ipv4', 'ipv6'] as const) {
      const name = item.value[family];
      const user = items.find((other) => name !== undefined && other[family] === name);
      if (user)
        return fail(
          `it's invalid to use the same subnet for multiple interfaces: ${family} "${name}" serves ${user.interface} and ${item.value.interface}`,
        );
    }
    items.push(item.value);
  }
  return { ok: true, value: items };
}

/** `ipam.spidernet.io/routes`: `[{"dst": "<cidr>", "gw": "<ip>"}]`, both of one family (§2.5). */
export function parseRoutesAnnotation(value: string): Parsed<CustomRoute[]> {
  const fail = failFor('Pod', podAnnotations.routes, value);
  const json = decodeJSON(value);
  if (!json.ok) return fail(json.reason);
  const list = json.value ?? [];
  if (!Array.isArray(list)) return fail(`must be a JSON list of {"dst", "gw"}, got ${describe(list)}`);
  const routes: CustomRoute[] = [];
  for (const [i, raw] of list.entries()) {
    if (!isJSONObject(raw)) return fail(`item [${i}] must be an object {"dst", "gw"}, got ${describe(raw)}`);
    const dst = goField(raw, 'dst');
    const gw = goField(raw, 'gw');
    if (typeof dst !== 'string' || typeof gw !== 'string') {
      return fail(`invalid route format: item [${i}] needs "dst" and "gw" strings, got dst ${describe(dst)}, gw ${describe(gw)}`);
    }
    const cidr = parseCIDR(dst);
    if (!cidr.ok) return fail(`invalid route format 'dst: ${dst}, gw: ${gw}': ${cidr.reason}`);
    const ip = parseIP(gw);
    if (!ip.ok) return fail(`invalid route format 'dst: ${dst}, gw: ${gw}': ${ip.reason}`);
    if (cidr.value.family !== ip.value.family) {
      return fail(`invalid route format 'dst: ${dst}, gw: ${gw}': dst is IPv${cidr.value.family} but gw is IPv${ip.value.family}`);
    }
    routes.push({ dst, gw, family: cidr.value.family });
  }
  return { ok: true, value: routes };
}

/** `ipam.spidernet.io/ippool-ip-number`: "N" (fixed) or "+N" (replicas + N), N an integer >= 0 (§2.4). */
export function parseIPPoolIPNumber(value: string): Parsed<IPPoolIPNumber> {
  const fail = failFor('Pod', podAnnotations.ippoolIPNumber, value);
  if (typeof value !== 'string') return fail('must be text');
  const m = /^(\+?)(-?)(\d+)$/.exec(value);
  if (!m) return fail(`invalid input '${value}': write "N" for a fixed pool size or "+N" for replicas + N`);
  const n = Number(m[3]);
  // Go's Atoi reads "-0" as 0, so only a real negative number is refused, with Spiderpool's words.
  if (m[2] === '-' && n !== 0) return fail('value must equal or greater than 0');
  if (!Number.isSafeInteger(n)) return fail(`${m[3]} is too large`);
  return { ok: true, value: { kind: m[1] === '+' ? 'flexible' : 'fixed', n } };
}

/** The spellings Go's strconv.ParseBool accepts, which is what Spiderpool applies to this annotation. */
const goBooleans: Record<string, boolean> = Object.fromEntries([
  ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((s) => [s, true] as const),
  ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((s) => [s, false] as const),
]);

/** `ipam.spidernet.io/ippool-reclaim`: absent means true (§2.4). */
export function parseIPPoolReclaim(value: string | undefined): Parsed<boolean> {
  if (value === undefined) return { ok: true, value: true };
  const parsed = typeof value === 'string' && Object.hasOwn(goBooleans, value) ? goBooleans[value] : undefined;
  if (parsed === undefined) {
    return failFor(
      'Pod',
      podAnnotations.ippoolReclaim,
      value,
    )('must be a boolean as Go strconv.ParseBool reads it (true, false, 1, 0, t, f, ...)');
  }
  return { ok: true, value: parsed };
}

/** `ipam.spidernet.io/default-ipv4-ippool` / `default-ipv6-ippool` of a Namespace: JSON lists of pool names (§2.7). */
export function parseNamespaceDefaultPools(annotations: Record<string, string>): Parsed<PoolNames> {
  const pools: PoolNames = { ipv4: [], ipv6: [] };
  for (const [family, key] of [
    ['ipv4', namespaceAnnotations.defaultIPv4Pools],
    ['ipv6', namespaceAnnotations.defaultIPv6Pools],
  ] as const) {
    if (!Object.hasOwn(annotations, key)) continue;
    const fail = failFor('Namespace', key, annotations[key]);
    const json = decodeJSON(annotations[key]);
    if (!json.ok) return fail(json.reason);
    if (json.value !== null && !Array.isArray(json.value)) return fail(`must be a JSON list of pool names, got ${describe(json.value)}`);
    const names = readPoolNames(json.value, family);
    if (!names.ok) return fail(names.reason);
    pools[family] = names.value;
  }
  return { ok: true, value: pools };
}
