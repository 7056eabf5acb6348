// The Multus annotations (behaviour §2.9): which NetworkAttachmentDefinition serves which interface of a Pod,
// and the names Multus will give those interfaces. Parsing follows upstream Multus (and Spiderpool's copy of it,
// pkg/multuscniconfig), because the interface names computed here must be the ones the runtime will use: an IP
// reserved for "net1" is useless if Multus calls the interface "net2".
import type { Parsed } from '../ip/index.js';
import { decodeJSON, describe, goField, isJSONObject, quoteValue } from './pod-annotations.js';

export const multusAnnotations = {
  /** The NAD of the Pod's first interface (eth0), replacing Multus' clusterNetwork. */
  defaultNetwork: 'v1.multus-cni.io/default-network',
  /** Additional interfaces, short form `[ns/]name[@ifname], ...` or a JSON list. */
  networks: 'k8s.v1.cni.cncf.io/networks',
} as const;

/** One entry of a Multus annotation, with the namespace already resolved. */
export interface NetworkSelection {
  namespace: string;
  name: string;
  /** The interface name asked for (`@ifname` or the JSON `interface` key), if any. */
  interface?: string;
}

/** One interface of the Pod as Multus will create it. */
export interface MultusInterface {
  name: string;
  /** 0 for the first interface; i for the i-th entry (1-based) of k8s.v1.cni.cncf.io/networks. */
  index: number;
  /** "namespace/name" of its NAD; undefined for the first interface when there is no Multus default network. */
  network?: string;
}

export interface MultusOptions {
  /** Where a bare default-network name lives: Multus' own namespace (Spiderpool uses its install namespace). */
  multusNamespace: string;
  /** Multus' clusterNetwork as "ns/name" (or a bare name in multusNamespace), Spiderpool's MULTUS_CLUSTER_NETWORK. */
  clusterNetwork?: string;
}

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelRule = 'lower case alphanumeric characters or "-", starting and ending with an alphanumeric character, at most 63';
/** IFNAMSIZ is 16 bytes with the terminating NUL; the kernel counts bytes, not characters. */
const maxInterfaceBytes = 15;

const isLabel = (s: string) => s.length <= 63 && dns1123Label.test(s);
const isSubdomain = (s: string) => s.length <= 253 && dns1123Subdomain.test(s);

function interfaceNameProblem(name: string): string | undefined {
  if (new TextEncoder().encode(name).length > maxInterfaceBytes)
    return `interface name "${name}" is longer than ${maxInterfaceBytes} bytes`;
  if (/[ \t\n\v\f\r/]/.test(name)) return `interface name "${name}" must not contain spaces or "/"`;
  return undefined;
}

type Fail = (rule: string) => { ok: false; reason: string };
const failFor =
  (key: string, value: unknown): Fail =>
  (rule) => ({ ok: false, reason: `invalid Multus annotation '${key}' value ${quoteValue(value)}: ${rule}` });

/** `[<namespace>/]<name>[@<ifname>]`, the names DNS-1123 labels, as upstream Multus' parsePodNetworkObjectName. */
function parseShortEntry(entry: string, at: string, defaultNamespace: string): Parsed<NetworkSelection> {
  const slash = entry.split('/');
  if (slash.length > 2) return { ok: false, reason: `${at} "${entry}" has more than one "/"` };
  const namespace = slash.length === 2 ? (slash[0] ?? '').trim() : '';
  const at_ = (slash[slash.length - 1] ?? '').split('@');
  if (at_.length > 2) return { ok: false, reason: `${at} "${entry}" has more than one "@"` };
  const name = (at_[0] ?? '').trim();
  const ifname = at_.length === 2 ? (at_[1] ?? '').trim() : '';
  if (name === '') return { ok: false, reason: `${at} "${entry}" names no network` };
  if (!isLabel(name)) return { ok: false, reason: `${at} "${entry}": network name "${name}" must be a DNS-1123 label (${labelRule})` };
  // Multus skips the checks of empty parts: "/nad" is in the default namespace and "nad@" asks for no name.
  if (namespace !== '' && !isLabel(namespace)) {
    return { ok: false, reason: `${at} "${entry}": namespace "${namespace}" must be a DNS-1123 label (${labelRule})` };
  }
  const problem = ifname === '' ? undefined : interfaceNameProblem(ifname);
  if (problem) return { ok: false, reason: `${at} "${entry}": ${problem}` };
  return { ok: true, value: { namespace: namespace || defaultNamespace, name, ...(ifname ? { interface: ifname } : {}) } };
}

function parseJSONEntry(raw: unknown, at: string, defaultNamespace: string): Parsed<NetworkSelection> {
  if (!isJSONObject(raw))
    return { ok: false, reason: `${at} must be an object {"name", "namespace"?, "interface"?}, got ${describe(raw)}` };
  const name = goField(raw, 'name');
  const namespace = goField(raw, 'namespace') ?? '';
  const ifname = goField(raw, 'interface') ?? '';
  if (typeof name !== 'string' || name === '') return { ok: false, reason: `${at}.name must be a network name, got ${describe(name)}` };
  // The JSON form names the object directly, so the object-name rule (a DNS-1123 subdomain) applies.
  if (!isSubdomain(name)) return { ok: false, reason: `${at}.name "${name}" is not a valid object name (DNS-1123 subdomain)` };
  if (typeof namespace !== 'string') return { ok: false, reason: `${at}.namespace must be a string, got ${describe(namespace)}` };
  if (namespace !== '' && !isLabel(namespace))
    return { ok: false, reason: `${at}.namespace "${namespace}" must be a DNS-1123 label (${labelRule})` };
  if (typeof ifname !== 'string') return { ok: false, reason: `${at}.interface must be a string, got ${describe(ifname)}` };
  const problem = ifname === '' ? undefined : interfaceNameProblem(ifname);
  if (problem) return { ok: false, reason: `${at}.interface: ${problem}` };
  return { ok: true, value: { namespace: namespace || defaultNamespace, name, ...(ifname ? { interface: ifname } : {}) } };
}

function parseSelections(key: string, value: string, defaultNamespace: string): Parsed<NetworkSelection[]> {
  const fail = failFor(key, value);
  if (typeof value !== 'string') return fail('must be text');
  const text = value.trim();
  if (text === '') return { ok: true, value: [] };
  const selections: NetworkSelection[] = [];
  // Multus (and the network-attachment-definition client) take any of [ { " as the sign of the JSON form.
  if (/[[{"]/.test(text)) {
    const json = decodeJSON(text);
    if (!json.ok) return fail(json.reason);
    if (!Array.isArray(json.value))
      return fail(`the JSON form must be a list of {"name", "namespace"?, "interface"?}, got ${describe(json.value)}`);
    for (const [i, raw] of json.value.entries()) {
      const parsed = parseJSONEntry(raw, `entry [${i}]`, defaultNamespace);
      if (!parsed.ok) return fail(parsed.reason);
      selections.push(parsed.value);
    }
  } else {
    for (const [i, entry] of text.split(',').entries()) {
      const parsed = parseShortEntry(entry.trim(), `entry [${i}]`, defaultNamespace);
      if (!parsed.ok) return fail(parsed.reason);
      selections.push(parsed.value);
    }
  }
  return { ok: true, value: selections };
}

/** `k8s.v1.cni.cncf.io/networks`; an entry without a namespace is in the Pod's namespace. Empty means none. */
export function parseNetworksAnnotation(value: string, podNamespace: string): Parsed<NetworkSelection[]> {
  return parseSelections(multusAnnotations.networks, value, podNamespace);
}

/**
 * `v1.multus-cni.io/default-network`; a bare name is in Multus' namespace (that is where Multus looks for the
 * default network's NAD). Empty means "use the cluster network" (undefined). More than one entry is refused, as
 * Multus refuses it.
 */
export function parseDefaultNetworkAnnotation(value: string, multusNamespace: string): Parsed<NetworkSelection | undefined> {
  const parsed = parseSelections(multusAnnotations.defaultNetwork, value, multusNamespace);
  if (!parsed.ok) return parsed;
  if (typeof value === 'string' && value.trim() === '') return { ok: true, value: undefined };
  const fail = failFor(multusAnnotations.defaultNetwork, value);
  if (parsed.value.length === 0) return fail('names no network');
  if (parsed.value.length > 1) return fail(`names ${parsed.value.length} networks; the first interface has exactly one default network`);
  return { ok: true, value: parsed.value[0] };
}

const qualified = (name: string, namespace: string) => (name.includes('/') ? name : `${namespace}/${name}`);

/**
 * The Pod's interfaces as Multus will create them: eth0 from the default network (or the cluster network), then
 * entry i of `networks` as `net<i+1>` unless it asks for a name. Two interfaces of one name are refused: Multus
 * would fail creating the second one, after the IPs were already reserved.
 */
export function multusInterfaces(
  annotations: Record<string, string>,
  podNamespace: string,
  options: MultusOptions,
): Parsed<MultusInterface[]> {
  const defaultValue = annotations[multusAnnotations.defaultNetwork];
  const defaultNetwork = defaultValue === undefined ? undefined : parseDefaultNetworkAnnotation(defaultValue, options.multusNamespace);
  if (defaultNetwork && !defaultNetwork.ok) return defaultNetwork;
  const chosen = defaultNetwork?.value;
  const first: MultusInterface = { name: 'eth0', index: 0 };
  if (chosen) first.network = `${chosen.namespace}/${chosen.name}`;
  else if (options.clusterNetwork) first.network = qualified(options.clusterNetwork, options.multusNamespace);
  const interfaces = [first];

  const networksValue = annotations[multusAnnotations.networks];
  if (networksValue === undefined) return { ok: true, value: interfaces };
  const networks = parseNetworksAnnotation(networksValue, podNamespace);
  if (!networks.ok) return networks;
  for (const [i, selection] of networks.value.entries()) {
    const name = selection.interface ?? `net${i + 1}`;
    const network = `${selection.namespace}/${selection.name}`;
    const twice = interfaces.find((other) => other.name === name);
    if (twice) {
      const owner = twice.index === 0 ? 'the first interface' : `entry [${twice.index - 1}] (${twice.network})`;
      return failFor(
        multusAnnotations.networks,
        networksValue,
      )(`entry [${i}] (${network}) would be interface ${name}, already used by ${owner}`);
    }
    interfaces.push({ name, index: i + 1, network });
  }
  return { ok: true, value: interfaces };
}
