// Reading a NetworkAttachmentDefinition's CNI config: behaviour §8.2.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readAttachmentIPAM } from '../../../../ipam/model/index.js';

type Result = { ok: true; value: unknown } | { ok: false; reason: string };
function expectError(r: Result, ...parts: Array<string | RegExp>) {
  expect(r.ok).toBe(false);
  if (!r.ok) for (const part of parts) expect(r.reason).toMatch(part);
}

const noDefaults = { defaultIPv4Pools: [], defaultIPv6Pools: [], cleanGateway: false };
const conflist = (...plugins: unknown[]) => JSON.stringify({ cniVersion: '0.3.1', name: 'n', plugins });

describe('which NADs use our IPAM', () => {
  it.each<[string, string | undefined, unknown]>([
    [
      'a single plugin with spiderpool IPAM',
      '{"type":"macvlan","ipam":{"type":"spiderpool"}}',
      { ours: true, type: 'spiderpool', at: 'ipam', ipam: noDefaults },
    ],
    [
      'our own type name',
      '{"type":"macvlan","ipam":{"type":"admission-ipam"}}',
      { ours: true, type: 'admission-ipam', at: 'ipam', ipam: noDefaults },
    ],
    [
      'a conflist, IPAM on the main plugin (seed 002)',
      conflist({ type: 'macvlan', master: 'eth0', ipam: { type: 'spiderpool' } }, { type: 'veth', service_cidr: ['10.96.0.0/16'] }),
      { ours: true, type: 'spiderpool', at: 'plugins[0].ipam', ipam: noDefaults },
    ],
    [
      'every §8.2 key',
      conflist(
        { type: 'tuning' },
        {
          type: 'macvlan',
          ipam: {
            type: 'spiderpool',
            default_ipv4_ippool: ['v4-a', 'v4-*'],
            default_ipv6_ippool: ['v6-a'],
            clean_gateway: true,
            match_master_subnet: false,
            log_level: 'info',
            log_file_max_size: 100,
          },
        },
      ),
      {
        ours: true,
        type: 'spiderpool',
        at: 'plugins[1].ipam',
        ipam: { defaultIPv4Pools: ['v4-a', 'v4-*'], defaultIPv6Pools: ['v6-a'], cleanGateway: true },
      },
    ],
    [
      'keys in another case, as Go reads them',
      '{"type":"macvlan","IPAM":{"Type":"spiderpool","Clean_Gateway":true}}',
      { ours: true, type: 'spiderpool', at: 'ipam', ipam: { ...noDefaults, cleanGateway: true } },
    ],
    [
      'null lists',
      '{"ipam":{"type":"spiderpool","default_ipv4_ippool":null,"clean_gateway":null}}',
      { ours: true, type: 'spiderpool', at: 'ipam', ipam: noDefaults },
    ],
    [
      'host-local IPAM',
      '{"type":"macvlan","ipam":{"type":"host-local","subnet":"10.0.0.0/24"}}',
      { ours: false, why: 'NetworkAttachmentDefinition ns/nad: its IPAM type is "host-local"' },
    ],
    [
      'no ipam section',
      conflist({ type: 'calico' }, { type: 'portmap' }),
      { ours: false, why: 'NetworkAttachmentDefinition ns/nad: no plugin has an ipam section' },
    ],
    [
      'an IPAM type differing in case is not ours',
      '{"ipam":{"type":"Spiderpool"}}',
      { ours: false, why: 'NetworkAttachmentDefinition ns/nad: its IPAM type is "Spiderpool"' },
    ],
    [
      'an empty config (read from the node by Multus)',
      '',
      { ours: false, why: 'NetworkAttachmentDefinition ns/nad has no spec.config (Multus reads it from the node)' },
    ],
    ['no config', undefined, { ours: false, why: 'NetworkAttachmentDefinition ns/nad has no spec.config (Multus reads it from the node)' }],
  ])('%s', (_, config, expected) => expect(readAttachmentIPAM('ns/nad', config)).toEqual({ ok: true, value: expected }));

  it.each<[string, string, Array<string | RegExp>]>([
    ['bad JSON', '{"type": "macvlan", ', ['NetworkAttachmentDefinition ns/nad', 'spec.config is not valid JSON']],
    ['a list', '[]', ['must be a JSON object', 'got a list']],
    ['plugins not a list', '{"plugins": {"type":"macvlan"}}', ['"plugins" must be a list']],
    ['a plugin not an object', '{"plugins": [1]}', ['"plugins[0]" must be an object']],
    ['ipam not an object', '{"ipam": "spiderpool"}', ['"ipam" must be an object', 'got "spiderpool"']],
    ['ipam type not a string', '{"ipam": {"type": 1}}', ['"ipam.type" must be a string']],
    [
      'a pool list as text',
      '{"ipam": {"type": "spiderpool", "default_ipv4_ippool": "v4"}}',
      ['"ipam.default_ipv4_ippool" must be a list of strings'],
    ],
    [
      'a pool twice',
      '{"ipam": {"type": "spiderpool", "default_ipv6_ippool": ["a","a"]}}',
      ['"ipam.default_ipv6_ippool" lists pool "a" twice'],
    ],
    [
      'clean_gateway as text',
      '{"plugins":[{"ipam": {"type": "spiderpool", "clean_gateway": "true"}}]}',
      ['"plugins[0].ipam.clean_gateway" must be true or false'],
    ],
  ])('refuses %s', (_, config, parts) => expectError(readAttachmentIPAM('ns/nad', config), ...parts));
});

describe('the NADs of the seed examples', () => {
  const files = ['install/macvlan-conf-nad.yaml', 'multi-nic/macvlan-nads-ens192-ens224.yaml'];
  const nads = files.flatMap((file) =>
    parseAllDocuments(readFileSync(new URL(`../../../../examples/${file}`, import.meta.url), 'utf8')).map(
      (doc) => doc.toJSON() as { metadata: { namespace: string; name: string }; spec: { config: string } },
    ),
  );
  it.each(nads.map((nad) => [`${nad.metadata.namespace}/${nad.metadata.name}`, nad] as const))('%s uses our IPAM', (key, nad) => {
    expect(readAttachmentIPAM(key, nad.spec.config)).toEqual({
      ok: true,
      value: { ours: true, type: 'spiderpool', at: 'plugins[0].ipam', ipam: noDefaults },
    });
  });
});
