// Checks shared by SpiderIPPool and SpiderSubnet: version, family switches, the
// CIDR, ips/excludeIPs, gateway and routes. Besides the violations it returns what
// it could parse, so the kind-specific rules (overlaps, ownership) build on it.
import {
  type CIDR,
  canonicalCIDR,
  cidrContains,
  cidrRange,
  emptySet,
  formatIPRange,
  type IPFamily,
  type IPRange,
  type IPRangeSet,
  isCanonicalCIDRText,
  isSubset,
  parseCIDR,
  parseIP,
  parseIPRange,
  rangeSetOf,
  contains as setContains,
  subtract,
} from '../ip/index.js';
import type { AddressSpec } from '../model/index.js';
import type { RulesConfig } from './config.js';
import { duplicate, forbidden, invalid, notSupported, required, type Violation } from './violations.js';

export interface AddressAnalysis {
  family?: IPFamily;
  cidr?: CIDR;
  ips?: IPRangeSet;
  excludeIPs?: IPRangeSet;
  /** ips − excludeIPs, when both parsed. */
  usable?: IPRangeSet;
}

export function checkIPVersion(
  ipVersion: unknown,
  config: RulesConfig,
  derivedFrom: string,
): { family?: IPFamily; violations: Violation[] } {
  if (ipVersion === undefined || ipVersion === null) {
    return { violations: [required('spec.ipVersion', `set 4 or 6, or a valid ${derivedFrom} to derive it from`)] };
  }
  if (ipVersion !== 4 && ipVersion !== 6) {
    return { violations: [notSupported('spec.ipVersion', ipVersion, 'supported values are 4 and 6')] };
  }
  const enabled = ipVersion === 4 ? config.enableIPv4 : config.enableIPv6;
  if (!enabled) {
    return {
      family: ipVersion,
      violations: [forbidden('spec.ipVersion', `IPv${ipVersion} is disabled in this cluster (enableIPv${ipVersion}: false)`)],
    };
  }
  return { family: ipVersion, violations: [] };
}

function checkSubnetCIDR(text: unknown, family: IPFamily | undefined, checkCanonical: boolean): { cidr?: CIDR; violations: Violation[] } {
  if (typeof text !== 'string' || text === '') return { violations: [required('spec.subnet', 'a CIDR such as 10.6.0.0/16')] };
  const parsed = parseCIDR(text);
  if (!parsed.ok) return { violations: [invalid('spec.subnet', text, parsed.reason)] };
  if (family !== undefined && parsed.value.family !== family) {
    return { violations: [invalid('spec.subnet', text, `is an IPv${parsed.value.family} CIDR but spec.ipVersion is ${family}`)] };
  }
  if (checkCanonical && !isCanonicalCIDRText(text, parsed.value)) {
    return { violations: [invalid('spec.subnet', text, `is not in canonical form; write ${canonicalCIDR(parsed.value)}`)] };
  }
  return { cidr: parsed.value, violations: [] };
}

function checkRangeItem(item: unknown, at: string, family: IPFamily | undefined, cidr: CIDR | undefined): IPRange | Violation {
  if (typeof item !== 'string') return invalid(at, item, 'must be a string: an IP or a range "start-end"');
  const parsed = parseIPRange(item);
  if (!parsed.ok) return invalid(at, item, parsed.reason);
  if (family !== undefined && parsed.value.family !== family) {
    return invalid(at, item, `is IPv${parsed.value.family} but spec.ipVersion is ${family}`);
  }
  if (cidr) {
    const net = cidrRange(cidr);
    if (parsed.value.family !== cidr.family || parsed.value.start < net.start || parsed.value.end > net.end) {
      return invalid(at, item, `is not inside spec.subnet ${canonicalCIDR(cidr)}`);
    }
  }
  return parsed.value;
}

/** Parses a list of IPs/ranges, each of `family` and inside `cidr` (when known). */
export function checkRangeList(
  items: readonly unknown[] | undefined,
  field: string,
  family: IPFamily | undefined,
  cidr: CIDR | undefined,
): { set?: IPRangeSet; ranges: IPRange[]; violations: Violation[] } {
  const violations: Violation[] = [];
  const ranges: IPRange[] = [];
  (items ?? []).forEach((item, i) => {
    const checked = checkRangeItem(item, `${field}[${i}]`, family, cidr);
    if ('detail' in checked) violations.push(checked);
    else ranges.push(checked);
  });
  if (violations.length > 0 || family === undefined) return { ranges, violations };
  return { set: rangeSetOf(family, ranges), ranges, violations };
}

/** Two items of one list that share an address, e.g. "10.0.0.1-10.0.0.5" and "10.0.0.5". */
function firstOverlap(ranges: readonly IPRange[]): [IPRange, IPRange] | undefined {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as IPRange;
    const cur = sorted[i] as IPRange;
    if (cur.start <= prev.end) return [prev, cur];
  }
  return undefined;
}

function checkGateway(spec: AddressSpec, a: AddressAnalysis): Violation[] {
  if (spec.gateway === undefined || spec.gateway === null || spec.gateway === '') return [];
  const parsed = parseIP(spec.gateway);
  if (!parsed.ok) return [invalid('spec.gateway', spec.gateway, parsed.reason)];
  if (a.family !== undefined && parsed.value.family !== a.family) {
    return [invalid('spec.gateway', spec.gateway, `is IPv${parsed.value.family} but spec.ipVersion is ${a.family}`)];
  }
  if (a.cidr && !cidrContains(a.cidr, parsed.value)) {
    return [invalid('spec.gateway', spec.gateway, `is not inside spec.subnet ${canonicalCIDR(a.cidr)}`)];
  }
  if (a.ips && setContains(a.ips, parsed.value.value) && !(a.excludeIPs && setContains(a.excludeIPs, parsed.value.value))) {
    return [
      invalid(
        'spec.gateway',
        spec.gateway,
        'is one of spec.ips and could be handed to a Pod; add it to spec.excludeIPs or remove it from spec.ips',
      ),
    ];
  }
  return [];
}

function checkRoutes(spec: AddressSpec, a: AddressAnalysis): Violation[] {
  const out: Violation[] = [];
  const seen = new Map<string, number>();
  (spec.routes ?? []).forEach((route, i) => {
    const at = `spec.routes[${i}]`;
    const dst = parseCIDR(String(route?.dst ?? ''));
    if (!dst.ok) out.push(invalid(`${at}.dst`, route?.dst, dst.reason));
    else if (a.family !== undefined && dst.value.family !== a.family) {
      out.push(invalid(`${at}.dst`, route.dst, `is IPv${dst.value.family} but spec.ipVersion is ${a.family}`));
    } else if (dst.value.prefixLength === 0) {
      out.push(invalid(`${at}.dst`, route.dst, 'the default route comes from spec.gateway; remove this route and set spec.gateway'));
    } else {
      const key = canonicalCIDR(dst.value);
      const first = seen.get(key);
      if (first !== undefined) out.push(duplicate(`${at}.dst`, route.dst, `spec.routes[${first}] has the same destination`));
      else seen.set(key, i);
    }
    const gw = parseIP(String(route?.gw ?? ''));
    if (!gw.ok) out.push(invalid(`${at}.gw`, route?.gw, gw.reason));
    else if (a.family !== undefined && gw.value.family !== a.family) {
      out.push(invalid(`${at}.gw`, route.gw, `is IPv${gw.value.family} but spec.ipVersion is ${a.family}`));
    } else if (a.cidr && !cidrContains(a.cidr, gw.value)) {
      out.push(invalid(`${at}.gw`, route.gw, `is not inside spec.subnet ${canonicalCIDR(a.cidr)}`));
    }
  });
  return out;
}

export function checkAddressSpec(
  spec: AddressSpec,
  config: RulesConfig,
  options: { checkCanonical: boolean },
): { analysis: AddressAnalysis; violations: Violation[] } {
  const version = checkIPVersion(spec.ipVersion, config, 'spec.subnet');
  const subnet = checkSubnetCIDR(spec.subnet, version.family, options.checkCanonical);
  const family = version.family;
  const ips = checkRangeList(spec.ips, 'spec.ips', family, subnet.cidr);
  const excludeIPs = checkRangeList(spec.excludeIPs, 'spec.excludeIPs', family, subnet.cidr);
  const analysis: AddressAnalysis = { family, cidr: subnet.cidr, ips: ips.set, excludeIPs: excludeIPs.set };
  if (ips.set) analysis.usable = subtract(ips.set, excludeIPs.set ?? emptySet(ips.set.family));
  const violations = [...version.violations, ...subnet.violations, ...ips.violations, ...excludeIPs.violations];
  const overlap = ips.violations.length === 0 ? firstOverlap(ips.ranges) : undefined;
  if (overlap) {
    violations.push(invalid('spec.ips', spec.ips, `items "${formatIPRange(overlap[0])}" and "${formatIPRange(overlap[1])}" overlap`));
  }
  violations.push(...checkGateway(spec, analysis), ...checkRoutes(spec, analysis));
  return { analysis, violations };
}

/** Whether `inner` lies inside `outer` — both parsed sets of one family. */
export function within(inner: IPRangeSet | undefined, outer: IPRangeSet | undefined): boolean {
  return inner !== undefined && outer !== undefined && isSubset(inner, outer);
}
