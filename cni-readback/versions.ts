// CNI spec versions this plugin speaks, and the shape of a result in each. Results are built once in the 1.0.0 form and
// converted, as libcni converts them: 0.3.0, 0.3.1 and 0.4.0 share one shape (types/040), where every IP carries
// "version". 0.3.0's text names the list "ip", but libcni and every first-party plugin write "ips" for 0.3.0 as well,
// and runtimes parse that; so does this plugin.
import { type CniError, cniError, specCodes } from './errors.js';

export const supportedVersions = ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] as const;
export type CniVersion = (typeof supportedVersions)[number];

export const isSupportedVersion = (v: string): v is CniVersion => (supportedVersions as readonly string[]).includes(v);

const semver = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** -1, 0 or 1, as libcni's version.GreaterThanOrEqualTo compares; undefined when either is not x.y.z. */
export function compareVersions(a: string, b: string): number | undefined {
  const ma = semver.exec(a);
  const mb = semver.exec(b);
  if (!ma || !mb) return undefined;
  for (let i = 1; i <= 3; i++) {
    const d = Number(ma[i]) - Number(mb[i]);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** libcni's reconciler: an exact match of a supported version, else "incompatible CNI versions" with both sides named. */
export function checkVersion(configVersion: string): CniError | undefined {
  if (isSupportedVersion(configVersion)) return undefined;
  return cniError(
    specCodes.incompatibleVersion,
    'incompatible CNI versions',
    `config is ${JSON.stringify(configVersion)}, plugin supports [${supportedVersions.map((v) => JSON.stringify(v)).join(' ')}]`,
  );
}

/** CHECK exists from 0.4.0 on. */
export const allowsCheck = (version: CniVersion): boolean => version === '0.4.0' || version === '1.0.0';

/** The VERSION answer: the version asked about when it is one of ours (CNI 1.0 echoes it), else the newest. */
export function versionInfo(requested: string | undefined): string {
  const cniVersion = requested !== undefined && isSupportedVersion(requested) ? requested : '1.0.0';
  return JSON.stringify({ cniVersion, supportedVersions });
}

export interface ResultIP {
  /** "10.6.168.101/16" */
  address: string;
  gateway?: string;
}

export interface ResultRoute {
  dst: string;
  gw?: string;
}

/** The IPAM part of a CNI 1.0.0 result: no interfaces (an IPAM plugin creates none) and no DNS (none is recorded). */
export interface IPAMResult {
  ips: ResultIP[];
  routes: ResultRoute[];
}

const familyOf = (address: string): '4' | '6' => (address.includes(':') ? '6' : '4');

/** The result as the runtime expects it for the config's version. */
export function resultFor(version: CniVersion, result: IPAMResult): Record<string, unknown> {
  const routes = result.routes.map((r) => (r.gw === undefined ? { dst: r.dst } : { dst: r.dst, gw: r.gw }));
  if (version === '1.0.0') {
    const ips = result.ips.map((ip) => (ip.gateway === undefined ? { address: ip.address } : { address: ip.address, gateway: ip.gateway }));
    return { cniVersion: version, ips, routes, dns: {} };
  }
  const ips = result.ips.map((ip) => ({
    version: familyOf(ip.address),
    address: ip.address,
    ...(ip.gateway === undefined ? {} : { gateway: ip.gateway }),
  }));
  return { cniVersion: version, ips, routes, dns: {} };
}
