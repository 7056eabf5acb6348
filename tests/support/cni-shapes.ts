// The JSON shapes of the CNI spec (SPEC.md "Success", "Error", "Version"; libcni types/040 and types/100), checked
// strictly: a required field missing, a field of the wrong type or a field the version does not define is a problem.
// Used by the unit tests of every command and version and by the tests against the real cluster.
import { isIP } from 'node:net';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCIDR = (v: unknown): boolean => {
  if (typeof v !== 'string') return false;
  const [ip, prefix, extra] = v.split('/');
  const family = isIP(ip ?? '');
  return extra === undefined && family !== 0 && /^\d+$/.test(prefix ?? '') && Number(prefix) <= (family === 4 ? 32 : 128);
};
const isStringList = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string');

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], at: string, problems: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) problems.push(`${at}: "${k}" is not a field of this version`);
}

/** Problems of a success result for `version`; empty when it conforms. */
export function resultShapeProblems(doc: unknown, version: string): string[] {
  const problems: string[] = [];
  if (!isObject(doc)) return ['the result is not a JSON object'];
  const legacy = version !== '1.0.0';
  onlyKeys(doc, ['cniVersion', 'interfaces', 'ips', 'routes', 'dns'], 'result', problems);
  if (doc.cniVersion !== version) problems.push(`cniVersion is ${JSON.stringify(doc.cniVersion)}, not ${version}`);
  if (doc.interfaces !== undefined) {
    if (!Array.isArray(doc.interfaces)) problems.push('interfaces is not a list');
    else
      doc.interfaces.forEach((i, n) => {
        if (!isObject(i) || typeof i.name !== 'string') problems.push(`interfaces[${n}] has no name`);
      });
  }
  if (doc.ips !== undefined) {
    if (!Array.isArray(doc.ips)) problems.push('ips is not a list');
    else
      doc.ips.forEach((ip, n) => {
        const at = `ips[${n}]`;
        if (!isObject(ip)) {
          problems.push(`${at} is not an object`);
          return;
        }
        onlyKeys(ip, legacy ? ['version', 'address', 'gateway', 'interface'] : ['address', 'gateway', 'interface'], at, problems);
        if (!isCIDR(ip.address)) problems.push(`${at}.address ${JSON.stringify(ip.address)} is not an address with a prefix length`);
        if (ip.gateway !== undefined && (typeof ip.gateway !== 'string' || isIP(ip.gateway) === 0))
          problems.push(`${at}.gateway is not an IP`);
        if (ip.interface !== undefined && !(Number.isInteger(ip.interface) && (ip.interface as number) >= 0))
          problems.push(`${at}.interface is not an index`);
        if (legacy) {
          const family = typeof ip.address === 'string' ? String(isIP(ip.address.split('/')[0] ?? '')) : '';
          if (ip.version !== '4' && ip.version !== '6') problems.push(`${at}.version must be "4" or "6" in ${version}`);
          else if (ip.version !== family) problems.push(`${at}.version is ${ip.version} for an IPv${family} address`);
        }
      });
  }
  if (doc.routes !== undefined) {
    if (!Array.isArray(doc.routes)) problems.push('routes is not a list');
    else
      doc.routes.forEach((r, n) => {
        const at = `routes[${n}]`;
        if (!isObject(r)) {
          problems.push(`${at} is not an object`);
          return;
        }
        onlyKeys(r, legacy ? ['dst', 'gw'] : ['dst', 'gw', 'mtu', 'advmss', 'priority', 'table', 'scope'], at, problems);
        if (!isCIDR(r.dst)) problems.push(`${at}.dst ${JSON.stringify(r.dst)} is not a CIDR`);
        if (r.gw !== undefined && (typeof r.gw !== 'string' || isIP(r.gw) === 0)) problems.push(`${at}.gw is not an IP`);
      });
  }
  if (doc.dns !== undefined) {
    if (!isObject(doc.dns)) problems.push('dns is not an object');
    else {
      onlyKeys(doc.dns, ['nameservers', 'domain', 'search', 'options'], 'dns', problems);
      for (const k of ['nameservers', 'search', 'options'])
        if (doc.dns[k] !== undefined && !isStringList(doc.dns[k])) problems.push(`dns.${k} is not a list of strings`);
      if (doc.dns.domain !== undefined && typeof doc.dns.domain !== 'string') problems.push('dns.domain is not a string');
    }
  }
  return problems;
}

/** Problems of an error object. */
export function errorShapeProblems(doc: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(doc)) return ['the error is not a JSON object'];
  onlyKeys(doc, ['cniVersion', 'code', 'msg', 'details'], 'error', problems);
  if (!Number.isInteger(doc.code) || (doc.code as number) < 1) problems.push('code is not a positive integer');
  if (typeof doc.msg !== 'string' || doc.msg === '') problems.push('msg is not a non-empty string');
  if (doc.details !== undefined && typeof doc.details !== 'string') problems.push('details is not a string');
  if (doc.cniVersion !== undefined && typeof doc.cniVersion !== 'string') problems.push('cniVersion is not a string');
  return problems;
}

/** Problems of a VERSION answer. */
export function versionShapeProblems(doc: unknown): string[] {
  if (!isObject(doc)) return ['the answer is not a JSON object'];
  const problems: string[] = [];
  onlyKeys(doc, ['cniVersion', 'supportedVersions'], 'version', problems);
  if (typeof doc.cniVersion !== 'string') problems.push('cniVersion is not a string');
  if (!isStringList(doc.supportedVersions)) problems.push('supportedVersions is not a list of strings');
  return problems;
}
