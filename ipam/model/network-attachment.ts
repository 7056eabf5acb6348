// Whether a NetworkAttachmentDefinition's interface takes its addresses from us, and what its CNI "ipam" section
// says about pool selection (behaviour §8.2: default_ipv4_ippool, default_ipv6_ippool, clean_gateway). A NAD
// written for Spiderpool (ipam type "spiderpool") is ours unchanged, so a manifest moves over without edits.
import type { Parsed } from '../ip/index.js';
import type { InterfaceIPAMConfig } from './pod.js';
import { decodeJSON, describe, goField, isJSONObject, type JSONObject, readPoolNames } from './pod-annotations.js';

/** IPAM plugin types served here: Spiderpool's, for drop-in NADs, and our own name. */
export const ourIPAMTypes: readonly string[] = ['spiderpool', 'admission-ipam'];

export type AttachmentIPAM =
  | {
      ours: true;
      /** The ipam `type` as written, and where the section is ("ipam" or "plugins[0].ipam"). */
      type: string;
      at: string;
      ipam: InterfaceIPAMConfig;
    }
  /** Not ours; `why` is for logs ("why was this interface skipped"). */
  | { ours: false; why: string };

function readIPAM(section: JSONObject, at: string): Parsed<InterfaceIPAMConfig> {
  const v4 = readPoolNames(goField(section, 'default_ipv4_ippool'), `${at}.default_ipv4_ippool`);
  if (!v4.ok) return v4;
  const v6 = readPoolNames(goField(section, 'default_ipv6_ippool'), `${at}.default_ipv6_ippool`);
  if (!v6.ok) return v6;
  const cleanGateway = goField(section, 'clean_gateway') ?? false;
  if (typeof cleanGateway !== 'boolean')
    return { ok: false, reason: `"${at}.clean_gateway" must be true or false, got ${describe(cleanGateway)}` };
  return { ok: true, value: { defaultIPv4Pools: v4.value, defaultIPv6Pools: v6.value, cleanGateway } };
}

/**
 * Reads `spec.config` of the NAD `nad` ("namespace/name"): a single CNI plugin config or a conflist with `plugins`.
 * The first plugin whose ipam type is ours decides; in a chain the others (veth, tuning, coordinator) carry no ipam.
 */
export function readAttachmentIPAM(nad: string, config: string | undefined): Parsed<AttachmentIPAM> {
  const fail = (rule: string) => ({ ok: false as const, reason: `NetworkAttachmentDefinition ${nad}: spec.config ${rule}` });
  // An empty config tells Multus to read a file named after the NAD on the node: admission cannot see it.
  if (config === undefined || config === null || (typeof config === 'string' && config.trim() === '')) {
    return {
      ok: true,
      value: { ours: false, why: `NetworkAttachmentDefinition ${nad} has no spec.config (Multus reads it from the node)` },
    };
  }
  const json = decodeJSON(config);
  if (!json.ok) return fail(`is ${json.reason}`);
  if (!isJSONObject(json.value)) return fail(`must be a JSON object (a CNI config or conflist), got ${describe(json.value)}`);

  const plugins: Array<[JSONObject, string]> = [];
  const list = goField(json.value, 'plugins');
  if (list === undefined || list === null) plugins.push([json.value, '']);
  else if (!Array.isArray(list)) return fail(`"plugins" must be a list of plugin configs, got ${describe(list)}`);
  else {
    for (const [i, plugin] of list.entries()) {
      if (!isJSONObject(plugin)) return fail(`"plugins[${i}]" must be an object, got ${describe(plugin)}`);
      plugins.push([plugin, `plugins[${i}].`]);
    }
  }

  const foreign: string[] = [];
  for (const [plugin, prefix] of plugins) {
    const section = goField(plugin, 'ipam');
    if (section === undefined || section === null) continue;
    const at = `${prefix}ipam`;
    if (!isJSONObject(section)) return fail(`"${at}" must be an object, got ${describe(section)}`);
    const type = goField(section, 'type');
    if (typeof type !== 'string') return fail(`"${at}.type" must be a string, got ${describe(type)}`);
    if (!ourIPAMTypes.includes(type)) {
      foreign.push(type);
      continue;
    }
    const ipam = readIPAM(section, at);
    if (!ipam.ok) return fail(`is invalid: ${ipam.reason}`);
    return { ok: true, value: { ours: true, type, at, ipam: ipam.value } };
  }
  const why = foreign.length > 0 ? `its IPAM type is ${foreign.map((t) => `"${t}"`).join(', ')}` : 'no plugin has an ipam section';
  return { ok: true, value: { ours: false, why: `NetworkAttachmentDefinition ${nad}: ${why}` } };
}
