// Annotation values are untrusted: whatever text or JSON arrives, a parser answers with a result and never throws,
// and a refusal always has a reason to show the user.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  multusInterfaces,
  parseDefaultNetworkAnnotation,
  parseIPPoolAnnotation,
  parseIPPoolIPNumber,
  parseIPPoolReclaim,
  parseIPPoolsAnnotation,
  parseNamespaceDefaultPools,
  parseNetworksAnnotation,
  parseRoutesAnnotation,
  parseSubnetAnnotation,
  parseSubnetsAnnotation,
  readAttachmentIPAM,
} from '../../../../ipam/model/index.js';

type Result = { ok: true; value?: unknown } | { ok: false; reason: string };
const parsers: Array<[string, (text: string) => Result]> = [
  ['ippool', parseIPPoolAnnotation],
  ['ippools', parseIPPoolsAnnotation],
  ['subnet', parseSubnetAnnotation],
  ['subnets', parseSubnetsAnnotation],
  ['routes', parseRoutesAnnotation],
  ['ippool-ip-number', parseIPPoolIPNumber],
  ['ippool-reclaim', parseIPPoolReclaim],
  [
    'namespace defaults',
    (t) => parseNamespaceDefaultPools({ 'ipam.spidernet.io/default-ipv4-ippool': t, 'ipam.spidernet.io/default-ipv6-ippool': t }),
  ],
  ['networks', (t) => parseNetworksAnnotation(t, 'pod-ns')],
  ['default-network', (t) => parseDefaultNetworkAnnotation(t, 'kube-system')],
  [
    'multus interfaces',
    (t) => multusInterfaces({ 'k8s.v1.cni.cncf.io/networks': t, 'v1.multus-cni.io/default-network': t }, 'ns', { multusNamespace: 'm' }),
  ],
  ['NAD config', (t) => readAttachmentIPAM('ns/nad', t)],
];

// JSON shaped like the annotations (the keys the parsers look for, in several cases) mixed with arbitrary JSON,
// so the property reaches the deep branches, not only "not valid JSON".
const keys = fc.constantFrom(
  'ipv4',
  'IPv4',
  'ipv6',
  'interface',
  'cleangateway',
  'dst',
  'gw',
  'name',
  'namespace',
  'ipam',
  'type',
  'plugins',
  'x',
);
const leaf = fc.oneof(
  fc.constantFrom('spiderpool', 'eth0', 'net1', '10.0.0.0/8', '10.0.0.1', 'fd00::1', 'a', '', 'a@b'),
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const shaped = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('list'), tie('object')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(keys, tie('value'), { maxKeys: 5 }),
})).value;
const texts = fc.oneof(
  fc.string(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  shaped.map((v) => JSON.stringify(v)),
  fc.array(fc.constantFrom('a', 'ns/', '/', '@', ',', ' ', 'eth0', '[', '{', '"'), { maxLength: 12 }).map((parts) => parts.join('')),
);

describe('parsers never throw', () => {
  it.each(parsers)('%s', (_, parse) => {
    fc.assert(
      fc.property(texts, (text) => {
        const r = parse(text);
        if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  });

  it.each(parsers)('%s survives deeply nested JSON', (_, parse) => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => parse(deep)).not.toThrow();
    expect(() => parse(`{"ipv4":${deep}}`)).not.toThrow();
  });

  it.each(parsers)('%s refuses non-text input without throwing', (_, parse) => {
    for (const junk of [5, null, {}, []]) expect(() => parse(junk as unknown as string)).not.toThrow();
  });
});
