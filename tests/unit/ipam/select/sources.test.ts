// Where the pool names of each interface come from: behaviour §3.2, vectors §3.1 and §3.5.
import { describe, expect, it } from 'vitest';
import type { InterfaceIPAMConfig, PodFacts, PodInterface, SpiderIPPool } from '../../../../ipam/model/index.js';
import { poolRequests, type SourceOptions } from '../../../../ipam/select/index.js';

const noConfig: InterfaceIPAMConfig = { defaultIPv4Pools: [], defaultIPv6Pools: [], cleanGateway: false };
const nic = (name: string, index: number, ipam: Partial<InterfaceIPAMConfig> = {}): PodInterface => ({
  name,
  index,
  ipam: { ...noConfig, ...ipam },
});
const eth0 = nic('eth0', 0);
const net1 = nic('net1', 1);
const net2 = nic('net2', 2);
const deployment = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'ns', name: 'web' };
const barePod = { group: '', version: 'v1', kind: 'Pod', namespace: 'ns', name: 'web' };

function facts(annotations: Record<string, string>, more: Partial<PodFacts> = {}): PodFacts {
  return {
    namespace: 'ns',
    name: '',
    labels: {},
    annotations,
    namespaceLabels: {},
    namespaceAnnotations: {},
    topController: deployment,
    interfaces: [eth0],
    ...more,
  };
}
const defaultPool = (name: string, ipVersion: number | undefined, subnet: string, isDefault = true): SpiderIPPool => ({
  metadata: { name },
  spec: { ipVersion, subnet, default: isDefault },
});
const clusterDefaults = [
  defaultPool('default-v4-ippool', 4, '172.18.0.0/16'),
  defaultPool('default-v6-ippool', 6, 'fc00:f853:ccd:e793::/64'),
  defaultPool('not-default', 4, '10.0.0.0/8', false),
  defaultPool('unversioned-v4', undefined, '10.9.0.0/16'),
];
const on: SourceOptions = { enableSpiderSubnet: true, enableAutoPools: true };
const off: SourceOptions = { enableSpiderSubnet: false, enableAutoPools: false };

const ippool = 'ipam.spidernet.io/ippool';
const ippools = 'ipam.spidernet.io/ippools';
const subnet = 'ipam.spidernet.io/subnet';
const subnets = 'ipam.spidernet.io/subnets';
const nsV4 = 'ipam.spidernet.io/default-ipv4-ippool';
const nsV6 = 'ipam.spidernet.io/default-ipv6-ippool';

describe('pool requests', () => {
  it.each<[string, PodFacts, SourceOptions, SpiderIPPool[], unknown[]]>([
    [
      'ippool applies to every interface',
      facts({ [ippool]: '{"ipv4":["a"],"ipv6":["b*"]}' }, { interfaces: [eth0, net1] }),
      off,
      [],
      [
        { interface: 'eth0', source: 'ippool', cleanGateway: false, ipv4: ['a'], ipv6: ['b*'] },
        { interface: 'net1', source: 'ippool', cleanGateway: false, ipv4: ['a'], ipv6: ['b*'] },
      ],
    ],
    [
      'ippool takes clean_gateway from the CNI config',
      facts({ [ippool]: '{"ipv4":["a"]}' }, { interfaces: [nic('eth0', 0, { cleanGateway: true })] }),
      off,
      [],
      [{ interface: 'eth0', source: 'ippool', cleanGateway: true, ipv4: ['a'] }],
    ],
    [
      'ippools (spec §2.2) wins over ippool, with its own cleangateway',
      facts(
        {
          [ippools]:
            '[{"interface": "eth0", "ipv4": ["pool-a"], "ipv6": ["pool-a6"], "cleangateway": true}, {"interface": "net1", "ipv4": ["pool-b", "wild-v4-[123]"], "cleangateway": false}]',
          [ippool]: '{"ipv4":["ignored"]}',
        },
        { interfaces: [eth0, nic('net1', 1, { cleanGateway: true })] },
      ),
      off,
      [],
      [
        { interface: 'eth0', source: 'ippools', cleanGateway: true, ipv4: ['pool-a'], ipv6: ['pool-a6'] },
        { interface: 'net1', source: 'ippools', cleanGateway: false, ipv4: ['pool-b', 'wild-v4-[123]'] },
      ],
    ],
    [
      'named ippools items for interfaces of another IPAM are ignored',
      facts(
        {
          [ippools]: '[{"interface":"eth0","ipv4":["calico-side"]},{"interface":"net1","ipv4":["b"]}]',
        },
        { interfaces: [net1] },
      ),
      off,
      [],
      [{ interface: 'net1', source: 'ippools', cleanGateway: false, ipv4: ['b'] }],
    ],
    [
      'unnamed ippools match by position',
      facts({ [ippools]: '[{}, {"ipv4":["b"]}, {"ipv6":["c"],"cleangateway":true}]' }, { interfaces: [net1, nic('eth7', 2)] }),
      off,
      [],
      [
        { interface: 'net1', source: 'ippools', cleanGateway: false, ipv4: ['b'] },
        { interface: 'eth7', source: 'ippools', cleanGateway: true, ipv6: ['c'] },
      ],
    ],
    [
      'a bad ippool annotation is not read when ippools wins',
      facts({ [ippools]: '[{"ipv4":["a"]}]', [ippool]: '{bad' }),
      off,
      [],
      [{ interface: 'eth0', source: 'ippools', cleanGateway: false, ipv4: ['a'] }],
    ],
    [
      'subnet annotations are ignored with SpiderSubnet off',
      facts({ [subnet]: '{"ipv4":["s"]}', [ippool]: '{"ipv4":["a"]}' }),
      off,
      [],
      [{ interface: 'eth0', source: 'ippool', cleanGateway: false, ipv4: ['a'] }],
    ],
    [
      'subnet outranks ippools (seed 000)',
      facts({ [subnet]: '{"ipv4":["nginx-subnet-v4"]}', 'ipam.spidernet.io/ippool-ip-number': '+3', [ippools]: '[{"ipv4":["a"]}]' }),
      on,
      [],
      [{ interface: 'eth0', source: 'subnet', cleanGateway: false, ipv4: ['nginx-subnet-v4'] }],
    ],
    [
      'subnets wins over subnet (seed 001), clean_gateway from the CNI config',
      facts(
        {
          [subnets]:
            '[{"interface":"eth0","ipv4":["subnet-test-ens192"]},{"interface":"net1","ipv4":["subnet-test-ens224"],"ipv6":["v6","x"]}]',
          [subnet]: '{"ipv4":["ignored"]}',
        },
        { interfaces: [eth0, nic('net1', 1, { cleanGateway: true })] },
      ),
      on,
      [],
      [
        { interface: 'eth0', source: 'subnet', cleanGateway: false, ipv4: ['subnet-test-ens192'] },
        { interface: 'net1', source: 'subnet', cleanGateway: true, ipv4: ['subnet-test-ens224'], ipv6: ['v6'] },
      ],
    ],
    [
      'subnet with an explicit interface',
      facts({ [subnet]: '{"interface":"net1","ipv6":["s6"]}' }, { interfaces: [net1] }),
      on,
      [],
      [{ interface: 'net1', source: 'subnet', cleanGateway: false, ipv6: ['s6'] }],
    ],
    [
      'Namespace defaults apply to every interface',
      facts(
        {},
        {
          namespaceAnnotations: { [nsV4]: '["ns-v4-pool1", "wild-v4*"]', [nsV6]: '[]' },
          interfaces: [eth0, nic('net1', 1, { defaultIPv4Pools: ['cni'] })],
        },
      ),
      off,
      clusterDefaults,
      [
        { interface: 'eth0', source: 'namespace', cleanGateway: false, ipv4: ['ns-v4-pool1', 'wild-v4*'] },
        { interface: 'net1', source: 'namespace', cleanGateway: false, ipv4: ['ns-v4-pool1', 'wild-v4*'] },
      ],
    ],
    [
      'empty Namespace lists fall through; CNI defaults, else cluster defaults, per interface',
      facts(
        {},
        {
          namespaceAnnotations: { [nsV4]: '[]', [nsV6]: 'null' },
          interfaces: [nic('eth0', 0, { defaultIPv6Pools: ['cni-v6'], cleanGateway: true }), net1],
        },
      ),
      off,
      clusterDefaults,
      [
        { interface: 'eth0', source: 'cni-config', cleanGateway: true, ipv6: ['cni-v6'] },
        {
          interface: 'net1',
          source: 'cluster-default',
          cleanGateway: false,
          ipv4: ['default-v4-ippool', 'unversioned-v4'],
          ipv6: ['default-v6-ippool'],
        },
      ],
    ],
    ['no interface of ours, nothing to do', facts({ [ippools]: '[]' }, { interfaces: [] }), on, [], []],
  ])('%s', (_, podFacts, options, pools, expected) => {
    expect(poolRequests(podFacts, pools, options)).toEqual({ ok: true, requests: expected });
  });

  it.each<[string, PodFacts, SourceOptions, SpiderIPPool[], Array<string | RegExp>]>([
    [
      'no source at all',
      facts({}),
      off,
      [defaultPool('not-default', 4, '10.0.0.0/8', false)],
      ['no IPPool available, no pool selection rules of any type are specified', 'eth0'],
    ],
    ['a bad ippool annotation', facts({ [ippool]: '{"ipv4": [' }), off, clusterDefaults, ['wrong input', `'${ippool}'`]],
    ['ippool naming no pool', facts({ [ippool]: '{}' }), off, clusterDefaults, ['wrong input', 'names no pool']],
    ['an empty ippools list', facts({ [ippools]: '[]' }), off, clusterDefaults, ['value requires at least one item']],
    [
      'named ippools without an interface of ours (vectors §3.5)',
      facts({ [ippools]: '[{"interface":"eth0","ipv4":["a"]}]' }, { interfaces: [eth0, net1] }),
      off,
      [],
      ['wrong input', `'${ippools}'`, 'interface net1 must be specified', 'names eth0'],
    ],
    [
      'unnamed ippools with too few items',
      facts({ [ippools]: '[{"ipv4":["a"]},{"ipv4":["b"]}]' }, { interfaces: [eth0, net2] }),
      off,
      [],
      ['interface net2 is at position 2', 'has 2 unnamed item(s)'],
    ],
    [
      'an ippools item with no pool for an interface of ours',
      facts({ [ippools]: '[{}, {"ipv4":["b"]}]' }, { interfaces: [eth0, net1] }),
      off,
      [],
      ['the item for interface eth0 names no pool'],
    ],
    [
      'bad Namespace JSON',
      facts({}, { namespaceAnnotations: { [nsV6]: '[x' } }),
      off,
      clusterDefaults,
      ['wrong input', `Namespace annotation '${nsV6}'`],
    ],
    [
      'subnet annotations with auto pools off',
      facts({ [subnets]: '[{"interface":"eth0","ipv4":["s"]}]' }),
      { enableSpiderSubnet: true, enableAutoPools: false },
      [],
      ["it's invalid to use 'ipam.spidernet.io/subnets' or 'ipam.spidernet.io/subnet' annotation when Auto-Pool feature is disabled"],
    ],
    [
      'a bare Pod with a subnet annotation',
      facts({ [subnet]: '{"ipv4":["s"]}' }, { topController: barePod }),
      on,
      [],
      ["SpiderSubnet feature doesn't support no-controller pod"],
    ],
    [
      'subnets without an interface of ours',
      facts({ [subnets]: '[{"interface":"eth0","ipv4":["s"]}]' }, { interfaces: [eth0, net1] }),
      on,
      [],
      [`'${subnets}'`, 'interface net1 must be specified'],
    ],
    [
      'subnet serving eth0 while net1 is ours',
      facts({ [subnet]: '{"ipv4":["s"]}' }, { interfaces: [net1] }),
      on,
      [],
      [`'${subnet}'`, 'serves interface eth0', 'net1 uses this IPAM too'],
    ],
    ['subnets refused by its parser', facts({ [subnets]: '[{"interface":"eth0"}]' }), on, [], ["it's invalid to set dual empty subnet"]],
    [
      'a bad ippool-ip-number with a subnet',
      facts({ [subnet]: '{"ipv4":["s"]}', 'ipam.spidernet.io/ippool-ip-number': '-1' }),
      on,
      [],
      ['must equal or greater than 0'],
    ],
    [
      'a bad ippool-reclaim with a subnet',
      facts({ [subnet]: '{"ipv4":["s"]}', 'ipam.spidernet.io/ippool-reclaim': 'maybe' }),
      on,
      [],
      ['strconv.ParseBool'],
    ],
  ])('refuses %s', (_, podFacts, options, pools, parts) => {
    const r = poolRequests(podFacts, pools, options);
    expect(r.ok).toBe(false);
    if (!r.ok) for (const part of parts) expect(r.reason).toContain(part);
  });
});
