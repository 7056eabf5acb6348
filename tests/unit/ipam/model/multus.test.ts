// Multus annotations and interface names: behaviour §2.9.
import { describe, expect, it } from 'vitest';
import {
  type MultusOptions,
  multusInterfaces,
  parseDefaultNetworkAnnotation,
  parseNetworksAnnotation,
} from '../../../../ipam/model/index.js';

type Result = { ok: true; value: unknown } | { ok: false; reason: string };
function expectError(r: Result, ...parts: Array<string | RegExp>) {
  expect(r.ok).toBe(false);
  if (!r.ok) for (const part of parts) expect(r.reason).toMatch(part);
}

const networks = 'k8s.v1.cni.cncf.io/networks';
const defaultNetwork = 'v1.multus-cni.io/default-network';

describe('k8s.v1.cni.cncf.io/networks', () => {
  it.each<[string, string, unknown]>([
    [
      'spec §2.9 short form',
      'ns1/nad-a, nad-b@eth7',
      [
        { namespace: 'ns1', name: 'nad-a' },
        { namespace: 'pod-ns', name: 'nad-b', interface: 'eth7' },
      ],
    ],
    [
      'seed 001 (kube-system/macvlan-conf-ens224)',
      'kube-system/macvlan-conf-ens224',
      [{ namespace: 'kube-system', name: 'macvlan-conf-ens224' }],
    ],
    ['spaces around parts', '  kube-system / nad-a @ net5 ', [{ namespace: 'kube-system', name: 'nad-a', interface: 'net5' }]],
    ['"/nad" is in the default namespace, as Multus reads it', '/nad', [{ namespace: 'pod-ns', name: 'nad' }]],
    ['"nad@" asks for no name', 'nad@', [{ namespace: 'pod-ns', name: 'nad' }]],
    ['empty means no additional interface', '  ', []],
    [
      'spec §2.9 JSON form',
      '[{"name": "nad-a", "namespace": "kube-system", "interface": "net5", "ips": ["10.0.0.1/24"], "mac": "c2:b0:57:49:47:f1"}]',
      [{ namespace: 'kube-system', name: 'nad-a', interface: 'net5' }],
    ],
    ['JSON without namespace or interface', '[{"name":"nad-a"}]', [{ namespace: 'pod-ns', name: 'nad-a' }]],
    [
      'JSON with null namespace and empty interface',
      '[{"name":"nad-a","namespace":null,"interface":""}]',
      [{ namespace: 'pod-ns', name: 'nad-a' }],
    ],
    ['JSON object names may have dots', '[{"name":"nad.v1"}]', [{ namespace: 'pod-ns', name: 'nad.v1' }]],
    ['pretty-printed JSON not starting with [{"', '[\n  { "name": "a" }\n]', [{ namespace: 'pod-ns', name: 'a' }]],
    ['JSON empty list', '[]', []],
    ['15-byte interface name', 'a@abcdefghijklmno', [{ namespace: 'pod-ns', name: 'a', interface: 'abcdefghijklmno' }]],
  ])('reads %s', (_, value, expected) => expect(parseNetworksAnnotation(value, 'pod-ns')).toEqual({ ok: true, value: expected }));

  it.each<[string, string, Array<string | RegExp>]>([
    ['upper case name', 'Nad-A', [`'${networks}'`, 'network name "Nad-A" must be a DNS-1123 label']],
    ['underscore in namespace', 'kube_system/nad', ['namespace "kube_system" must be a DNS-1123 label']],
    ['two slashes', 'a/b/c', ['more than one "/"']],
    ['two @', 'a@b@c', ['more than one "@"']],
    ['an empty entry', 'a,,b', ['entry [1]', 'names no network']],
    ['a trailing comma', 'a,', ['entry [1]', 'names no network']],
    ['a dot in a short-form name', 'nad.v1', ['must be a DNS-1123 label']],
    ['a 64-character label', `${'a'.repeat(64)}`, ['must be a DNS-1123 label']],
    ['a 16-byte interface name', 'a@abcdefghijklmnop', ['longer than 15 bytes']],
    ['multi-byte characters counted as bytes', 'a@ééééééééé', ['longer than 15 bytes']],
    ['a space in the interface', 'a@eth 7', ['must not contain spaces or "/"']],
    ['bad JSON', '[{"name": ', ['not valid JSON']],
    ['JSON object instead of list', '{"name":"a"}', ['must be a list', 'got an object']],
    ['JSON entry without name', '[{"namespace":"a"}]', ['entry [0].name must be a network name', 'got nothing']],
    ['JSON name not a string', '[{"name":7}]', ['entry [0].name must be a network name', 'got 7']],
    ['JSON null entry', '[null]', ['entry [0] must be an object', 'got null']],
    ['JSON bad namespace', '[{"name":"a","namespace":"Kube"}]', ['namespace "Kube" must be a DNS-1123 label']],
    ['JSON interface with slash', '[{"name":"a","interface":"net/1"}]', ['must not contain spaces or "/"']],
    ['JSON interface not a string', '[{"name":"a","interface":1}]', ['entry [0].interface must be a string']],
    ['a quote makes it JSON', 'a"b', ['not valid JSON']],
  ])('refuses %s', (_, value, parts) => expectError(parseNetworksAnnotation(value, 'pod-ns'), ...parts));
});

describe('v1.multus-cni.io/default-network', () => {
  it.each<[string, string, unknown]>([
    ['ns/name', 'kube-system/macvlan-conf', { namespace: 'kube-system', name: 'macvlan-conf' }],
    ['a bare name is in the Multus namespace', 'macvlan-conf', { namespace: 'multus-ns', name: 'macvlan-conf' }],
    ['the JSON form', '[{"name":"macvlan-conf"}]', { namespace: 'multus-ns', name: 'macvlan-conf' }],
    ['empty means the cluster network', '', undefined],
  ])('reads %s', (_, value, expected) => expect(parseDefaultNetworkAnnotation(value, 'multus-ns')).toEqual({ ok: true, value: expected }));

  it.each<[string, string, Array<string | RegExp>]>([
    ['two networks', 'a,b', [`'${defaultNetwork}'`, 'names 2 networks']],
    ['an empty JSON list', '[]', ['names no network']],
    ['a bad name', 'Macvlan', ['must be a DNS-1123 label']],
  ])('refuses %s', (_, value, parts) => expectError(parseDefaultNetworkAnnotation(value, 'multus-ns'), ...parts));
});

describe('interface names', () => {
  const options: MultusOptions = { multusNamespace: 'kube-system' };
  it.each<[string, Record<string, string>, MultusOptions, unknown]>([
    ['no Multus annotation, no cluster network', {}, options, [{ name: 'eth0', index: 0 }]],
    [
      'the cluster network, bare',
      {},
      { ...options, clusterNetwork: 'calico' },
      [{ name: 'eth0', index: 0, network: 'kube-system/calico' }],
    ],
    [
      'the cluster network, qualified',
      {},
      { ...options, clusterNetwork: 'other/calico' },
      [{ name: 'eth0', index: 0, network: 'other/calico' }],
    ],
    [
      'seed 003 (multus-test-app-deployment-two-nics)',
      { [defaultNetwork]: 'default/macvlan-vlan0-eth0', [networks]: 'kube-system/macvlan-vlan0-eth1' },
      { ...options, clusterNetwork: 'calico' },
      [
        { name: 'eth0', index: 0, network: 'default/macvlan-vlan0-eth0' },
        { name: 'net1', index: 1, network: 'kube-system/macvlan-vlan0-eth1' },
      ],
    ],
    [
      'net<i+1> unless named',
      { [networks]: 'a, b@eth7, c' },
      options,
      [
        { name: 'eth0', index: 0 },
        { name: 'net1', index: 1, network: 'pod-ns/a' },
        { name: 'eth7', index: 2, network: 'pod-ns/b' },
        { name: 'net3', index: 3, network: 'pod-ns/c' },
      ],
    ],
    [
      'a bare default network is in the Multus namespace',
      { [defaultNetwork]: 'macvlan-conf-ens192' },
      options,
      [{ name: 'eth0', index: 0, network: 'kube-system/macvlan-conf-ens192' }],
    ],
  ])('%s', (_, annotations, opts, expected) =>
    expect(multusInterfaces(annotations, 'pod-ns', opts)).toEqual({ ok: true, value: expected }),
  );

  it.each<[string, Record<string, string>, Array<string | RegExp>]>([
    [
      'a name asked twice',
      { [networks]: 'a@net9, b@net9' },
      [`'${networks}'`, 'entry [1] (pod-ns/b) would be interface net9, already used by entry [0]'],
    ],
    ['a name colliding with a derived one', { [networks]: 'a@net2, b' }, ['entry [1] (pod-ns/b) would be interface net2']],
    ['eth0 asked by an additional network', { [networks]: 'a@eth0' }, ['would be interface eth0, already used by the first interface']],
    ['a bad default network', { [defaultNetwork]: 'a/b/c' }, [`'${defaultNetwork}'`, 'more than one "/"']],
    ['a bad networks value', { [networks]: '[{' }, [`'${networks}'`, 'not valid JSON']],
  ])('refuses %s', (_, annotations, parts) => expectError(multusInterfaces(annotations, 'pod-ns', options), ...parts));
});
