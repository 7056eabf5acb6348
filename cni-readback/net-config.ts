// The network config on stdin, as far as this plugin reads it: cniVersion, name, the "ipam" section (type and where the
// node's kubeconfig is), and for CHECK the prevResult. Keys of Spiderpool's ipam section (behaviour §8.2) are accepted
// and ignored: pools were chosen at admission, so default_ipv4_ippool and the rest have already done their work.

import { ourIPAMTypes } from '../ipam/model/index.js';
import { type CniError, cniError, specCodes } from './errors.js';
import { allowsCheck, type CniVersion, checkVersion } from './versions.js';

/** Where the node's kubeconfig is when the ipam section does not say (written by the installer, deploy/cni/). */
export const defaultKubeconfigPath = '/etc/cni/net.d/admission-ipam.d/admission-ipam.kubeconfig';

export interface NetConfig {
  cniVersion: CniVersion;
  name: string;
  ipamType: string;
  kubeconfig: string;
  /** CHECK (0.4.0+): the result of the chain so far. */
  prevResult: Record<string, unknown> | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
// libcni's utils.ValidateNetworkName
const networkNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export type ConfigRead = { ok: true; value: NetConfig } | { ok: false; error: CniError; cniVersion?: string };

/** The config's cniVersion, for the error object, when the text is at least a JSON object holding one. */
export function peekVersion(stdin: string): string | undefined {
  try {
    const doc: unknown = JSON.parse(stdin);
    return isObject(doc) && typeof doc.cniVersion === 'string' ? doc.cniVersion : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the config in libcni's order: decodable, named, a supported version, then the ipam section. */
export function readNetConfig(stdin: string, command: 'ADD' | 'DEL' | 'CHECK'): ConfigRead {
  let doc: unknown;
  try {
    doc = JSON.parse(stdin);
  } catch (err) {
    return { ok: false, error: cniError(specCodes.decodingFailure, `error unmarshall network config: ${(err as Error).message}`) };
  }
  if (!isObject(doc))
    return { ok: false, error: cniError(specCodes.decodingFailure, 'error unmarshall network config: not a JSON object') };
  const name = doc.name;
  if (typeof name !== 'string' || name === '')
    return { ok: false, error: cniError(specCodes.invalidNetworkConfig, 'missing network name') };
  if (!networkNamePattern.test(name)) {
    return { ok: false, error: cniError(specCodes.invalidNetworkConfig, 'invalid characters found in network name', name) };
  }
  // libcni reads a config without cniVersion as 0.1.0.
  const version = doc.cniVersion === undefined ? '0.1.0' : doc.cniVersion;
  if (typeof version !== 'string') {
    return { ok: false, error: cniError(specCodes.decodingFailure, `cniVersion must be a string, got ${JSON.stringify(version)}`) };
  }
  const fail = (error: CniError): ConfigRead => ({ ok: false, error, cniVersion: version });
  if (command === 'CHECK' && (version === '0.3.0' || version === '0.3.1')) {
    return fail(cniError(specCodes.incompatibleVersion, 'config version does not allow CHECK'));
  }
  const incompatible = checkVersion(version);
  if (incompatible) return fail(incompatible);
  const cniVersion = version as CniVersion;
  if (command === 'CHECK' && !allowsCheck(cniVersion))
    return fail(cniError(specCodes.incompatibleVersion, 'config version does not allow CHECK'));

  const ipam = doc.ipam;
  if (!isObject(ipam)) return fail(cniError(specCodes.invalidNetworkConfig, `network ${name}: the config has no "ipam" object`));
  if (typeof ipam.type !== 'string' || !ourIPAMTypes.includes(ipam.type)) {
    return fail(
      cniError(
        specCodes.invalidNetworkConfig,
        `network ${name}: ipam.type is ${JSON.stringify(ipam.type)}; this plugin serves ${ourIPAMTypes.map((t) => `"${t}"`).join(' and ')}`,
      ),
    );
  }
  const kubeconfig = ipam.kubeconfig ?? defaultKubeconfigPath;
  if (typeof kubeconfig !== 'string' || kubeconfig === '') {
    return fail(
      cniError(
        specCodes.invalidNetworkConfig,
        `network ${name}: ipam.kubeconfig must be a file path, got ${JSON.stringify(ipam.kubeconfig)}`,
      ),
    );
  }
  const prev = doc.prevResult;
  if (prev !== undefined && !isObject(prev)) {
    return fail(cniError(specCodes.decodingFailure, `network ${name}: prevResult must be an object, got ${JSON.stringify(prev)}`));
  }
  return { ok: true, value: { cniVersion, name, ipamType: ipam.type, kubeconfig, prevResult: prev } };
}
