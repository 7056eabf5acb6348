// Pod and Namespace annotation parsers: behaviour §2.1–§2.5, §2.7; vectors §1 and §3.5.
import { describe, expect, it } from 'vitest';
import {
  parseIPPoolAnnotation,
  parseIPPoolIPNumber,
  parseIPPoolReclaim,
  parseIPPoolsAnnotation,
  parseNamespaceDefaultPools,
  parseRoutesAnnotation,
  parseSubnetAnnotation,
  parseSubnetsAnnotation,
} from '../../../../ipam/model/index.js';

type Result = { ok: true; value: unknown } | { ok: false; reason: string };
const expectOk = (r: Result, value: unknown) => expect(r).toEqual({ ok: true, value });
function expectError(r: Result, ...parts: Array<string | RegExp>) {
  expect(r.ok).toBe(false);
  if (r.ok) return;
  for (const part of parts) expect(r.reason).toMatch(part);
}

describe('ipam.spidernet.io/ippool', () => {
  it.each<[string, string, unknown]>([
    [
      'spec §2.1 example',
      '{"ipv4": ["v4-pool-a", "backup-v4*"], "ipv6": ["v6-pool-a"]}',
      { ipv4: ['v4-pool-a', 'backup-v4*'], ipv6: ['v6-pool-a'] },
    ],
    ['IPv4 only', '{"ipv4":["nginx-v4-ippool"]}', { ipv4: ['nginx-v4-ippool'], ipv6: [] }],
    ['IPv6 only', '{"ipv6":["v6"]}', { ipv4: [], ipv6: ['v6'] }],
    ['null family', '{"ipv4":["a"],"ipv6":null}', { ipv4: ['a'], ipv6: [] }],
    ['keys match case-insensitively, as Go decodes them', '{"IPv4":["a"],"IPV6":["b"]}', { ipv4: ['a'], ipv6: ['b'] }],
    ['the last matching key wins, as in Go', '{"ipv4":["a"],"IPv4":["b"]}', { ipv4: ['b'], ipv6: [] }],
    ['unknown keys are ignored', '{"interface":"net1","ipv4":["a"]}', { ipv4: ['a'], ipv6: [] }],
    ['pretty-printed with trailing spaces', '{      \n  "ipv4": ["test-node1-ippool"]\n}  ', { ipv4: ['test-node1-ippool'], ipv6: [] }],
  ])('accepts %s', (_, value, expected) => expectOk(parseIPPoolAnnotation(value), expected));

  it.each<[string, string, Array<string | RegExp>]>([
    ['bad JSON', '{"ipv4": [', ['wrong input', "'ipam.spidernet.io/ippool'", 'not valid JSON']],
    ['a list', '["a"]', ['wrong input', 'must be a JSON object', 'got a list']],
    ['a number', '5', ['must be a JSON object', 'got 5']],
    ['no pool at all', '{}', ['names no pool']],
    ['null', 'null', ['names no pool']],
    ['only unknown keys (vectors §3.5)', '{"v4":["a"]}', ['names no pool']],
    ['empty lists', '{"ipv4":[],"ipv6":[]}', ['names no pool']],
    ['a string instead of a list', '{"ipv4":"a"}', ['"ipv4" must be a list of strings', 'got "a"']],
    ['a number in the list', '{"ipv4":["a",1]}', ['"ipv4"[1] must be a string', 'got 1']],
    ['null in the list', '{"ipv6":[null]}', ['"ipv6"[0] must be a string', 'got null']],
    ['an empty name', '{"ipv4":[""]}', ['"ipv4"[0] is an empty pool name']],
    ['a pool named twice (§3.5)', '{"ipv4":["a","b","a"]}', ['wrong input', 'lists pool "a" twice']],
  ])('refuses %s', (_, value, parts) => expectError(parseIPPoolAnnotation(value), ...parts));

  it('quotes the offending value in the message, cut when long', () => {
    const r = parseIPPoolAnnotation(`{"ipv4": 5, "x": "${'y'.repeat(500)}"}`);
    expectError(r, `value '{"ipv4": 5`, /\.\.\.'/);
    if (!r.ok) expect(r.reason.length).toBeLessThan(400);
  });
});

describe('ipam.spidernet.io/ippools', () => {
  const spec22 =
    '[{"interface": "eth0", "ipv4": ["pool-a"], "ipv6": ["pool-a6"], "cleangateway": true},\n {"interface": "net1", "ipv4": ["pool-b", "wild-v4-[123]"], "cleangateway": false}]';
  it.each<[string, string, unknown]>([
    [
      'spec §2.2 example (named)',
      spec22,
      {
        named: true,
        items: [
          { interface: 'eth0', ipv4: ['pool-a'], ipv6: ['pool-a6'], cleanGateway: true },
          { interface: 'net1', ipv4: ['pool-b', 'wild-v4-[123]'], ipv6: [], cleanGateway: false },
        ],
      },
    ],
    [
      'unnamed items (positions)',
      '[{"ipv4":["a"]},{"ipv6":["b"]}]',
      {
        named: false,
        items: [
          { interface: '', ipv4: ['a'], ipv6: [], cleanGateway: false },
          { interface: '', ipv4: [], ipv6: ['b'], cleanGateway: false },
        ],
      },
    ],
    [
      'an item without pools (a placeholder for an interface of another IPAM)',
      '[{}, {"ipv4":["a"]}]',
      {
        named: false,
        items: [
          { interface: '', ipv4: [], ipv6: [], cleanGateway: false },
          { interface: '', ipv4: ['a'], ipv6: [], cleanGateway: false },
        ],
      },
    ],
    [
      'cleangateway null is false',
      '[{"interface":"eth0","ipv4":["a"],"cleangateway":null}]',
      { named: true, items: [{ interface: 'eth0', ipv4: ['a'], ipv6: [], cleanGateway: false }] },
    ],
    [
      'CleanGateway key in any case',
      '[{"Interface":"eth0","IPv4":["a"],"CleanGateway":true}]',
      { named: true, items: [{ interface: 'eth0', ipv4: ['a'], ipv6: [], cleanGateway: true }] },
    ],
  ])('accepts %s', (_, value, expected) => expectOk(parseIPPoolsAnnotation(value), expected));

  it.each<[string, string, Array<string | RegExp>]>([
    ['bad JSON', '[{', ['wrong input', "'ipam.spidernet.io/ippools'", 'not valid JSON']],
    ['an empty list (vectors §3.5)', '[]', ['wrong input', 'value requires at least one item']],
    ['null', 'null', ['value requires at least one item']],
    ['an object', '{"interface":"eth0"}', ['must be a JSON list', 'got an object']],
    [
      'named and unnamed mixed',
      '[{"interface":"eth0","ipv4":["a"]},{"ipv4":["b"]}]',
      ['NIC should be either all specified or all unspecified'],
    ],
    ['unnamed then named', '[{"ipv4":["a"]},{"interface":"net1","ipv4":["b"]}]', ['NIC should be either all specified or all unspecified']],
    ['a duplicated interface', '[{"interface":"eth0","ipv4":["a"]},{"interface":"eth0","ipv4":["b"]}]', ['duplicate interface eth0']],
    ['a non-object item', '[{"interface":"eth0"}, 3]', ['item [1] must be an object', 'got 3']],
    ['a null item', '[null]', ['item [0] must be an object', 'got null']],
    ['interface not a string', '[{"interface":1}]', ['"[0].interface" must be a string']],
    ['cleangateway as text', '[{"interface":"eth0","cleangateway":"true"}]', ['"[0].cleangateway" must be true or false', 'got "true"']],
    ['a pool named twice', '[{"interface":"eth0","ipv4":["a","a"]}]', ['"[0].ipv4" lists pool "a" twice']],
    ['nested junk in a list', '[{"interface":"eth0","ipv4":[["a"]]}]', ['"[0].ipv4"[0] must be a string', 'got a list']],
  ])('refuses %s', (_, value, parts) => expectError(parseIPPoolsAnnotation(value), ...parts));
});

describe('ipam.spidernet.io/subnet and subnets', () => {
  it.each<[string, string, unknown]>([
    ['spec §2.3 example', '{"ipv4": ["subnet-6"], "ipv6": ["subnet-6v6"]}', { interface: 'eth0', ipv4: 'subnet-6', ipv6: 'subnet-6v6' }],
    ['only the first name counts', '{"ipv4": ["s1", "s2", ""]}', { interface: 'eth0', ipv4: 's1' }],
    ['an explicit interface', '{"interface": "net1", "ipv6": ["s6"]}', { interface: 'net1', ipv6: 's6' }],
    ['seed 000 (nginx-deployment-auto-pool-from-subnet)', '{"ipv4":["nginx-subnet-v4"]}', { interface: 'eth0', ipv4: 'nginx-subnet-v4' }],
  ])('subnet accepts %s', (_, value, expected) => expectOk(parseSubnetAnnotation(value), expected));

  it.each<[string, string, Array<string | RegExp>]>([
    ['bad JSON', '{', ['wrong input', "'ipam.spidernet.io/subnet'", 'not valid JSON']],
    ['both families empty', '{"ipv4": [], "ipv6": null}', ["it's invalid to set dual empty subnet with single interface"]],
    ['null', 'null', ['no subnets specified']],
    ['an empty first name', '{"ipv4": [""]}', ["it's invalid to set an empty IPv4 subnet with single interface"]],
    ['an empty first IPv6 name', '{"ipv4":["a"],"ipv6": ["", "b"]}', ["it's invalid to set an empty IPv6 subnet"]],
    ['a wildcard', '{"ipv4": ["subnet-*"]}', ['is a pattern']],
    ['a list', '[{"ipv4":["a"]}]', ['must be a JSON object']],
    ['a number in a later position', '{"ipv4": ["a", 3]}', ['"ipv4"[1] must be a string']],
  ])('subnet refuses %s', (_, value, parts) => expectError(parseSubnetAnnotation(value), ...parts));

  const seed001 =
    '[\n   {      \n     "interface": "eth0",      \n     "ipv4": [       \n       "subnet-test-ens192"      \n     ]\n   },{      \n     "interface": "net1",      \n     "ipv4": [       \n       "subnet-test-ens224"      \n     ]\n   }\n]';
  it.each<[string, string, unknown]>([
    [
      'spec §2.3 example',
      '[{"interface": "eth0", "ipv4": ["subnet-6"]}, {"interface": "net1", "ipv4": ["subnet-7"]}]',
      [
        { interface: 'eth0', ipv4: 'subnet-6' },
        { interface: 'net1', ipv4: 'subnet-7' },
      ],
    ],
    [
      'seed 001 (two NICs, trailing spaces)',
      seed001,
      [
        { interface: 'eth0', ipv4: 'subnet-test-ens192' },
        { interface: 'net1', ipv4: 'subnet-test-ens224' },
      ],
    ],
    [
      'one subnet per family on different interfaces',
      '[{"interface":"eth0","ipv4":["a"],"ipv6":["b"]},{"interface":"net1","ipv4":["b"]}]',
      [
        { interface: 'eth0', ipv4: 'a', ipv6: 'b' },
        { interface: 'net1', ipv4: 'b' },
      ],
    ],
  ])('subnets accepts %s', (_, value, expected) => expectOk(parseSubnetsAnnotation(value), expected));

  it.each<[string, string, Array<string | RegExp>]>([
    ['an empty list', '[]', ['wrong input', "'ipam.spidernet.io/subnets'", 'no subnets specified']],
    ['null', 'null', ['no subnets specified']],
    ['an object', '{"ipv4":["a"]}', ['must be a JSON list']],
    ['an item without interface', '[{"ipv4":["a"]}]', ['item [0] names no interface']],
    [
      'a duplicated interface',
      '[{"interface":"eth0","ipv4":["a"]},{"interface":"eth0","ipv4":["b"]}]',
      ["it's invalid to use the same Interface name", '"eth0"'],
    ],
    [
      'one subnet for two interfaces',
      '[{"interface":"eth0","ipv4":["a"]},{"interface":"net1","ipv4":["a"]}]',
      ["it's invalid to use the same subnet for multiple interfaces", 'ipv4 "a"'],
    ],
    [
      'an item with both families empty',
      '[{"interface":"eth0","ipv4":["a"]},{"interface":"net1"}]',
      ["it's invalid to set dual empty subnet with multiple interfaces", '[1].'],
    ],
    ['an empty first name', '[{"interface":"eth0","ipv6":[""]}]', ["it's invalid to set an empty IPv6 subnet with multiple interfaces"]],
    ['a non-object item', '[true]', ['item [0] must be an object', 'got true']],
  ])('subnets refuses %s', (_, value, parts) => expectError(parseSubnetsAnnotation(value), ...parts));
});

describe('ipam.spidernet.io/routes', () => {
  it.each<[string, string, unknown]>([
    ['spec §2.5 example', '[{"dst": "10.0.0.0/16", "gw": "192.168.1.1"}]', [{ dst: '10.0.0.0/16', gw: '192.168.1.1', family: 4 }]],
    ['IPv6', '[{"dst": "fd00:1::/64", "gw": "fd00::1"}]', [{ dst: 'fd00:1::/64', gw: 'fd00::1', family: 6 }]],
    [
      'host bits in dst (Go ParseCIDR accepts them)',
      '[{"dst":"10.7.0.1/16","gw":"10.6.0.1"}]',
      [{ dst: '10.7.0.1/16', gw: '10.6.0.1', family: 4 }],
    ],
    ['an empty list', '[]', []],
    ['null', 'null', []],
  ])('accepts %s', (_, value, expected) => expectOk(parseRoutesAnnotation(value), expected));

  it.each<[string, string, Array<string | RegExp>]>([
    ['bad JSON', '[{"dst"', ['wrong input', "'ipam.spidernet.io/routes'"]],
    ['mixed families', '[{"dst":"10.0.0.0/16","gw":"fd00::1"}]', ['invalid route format', 'dst is IPv4 but gw is IPv6']],
    ['dst not a CIDR', '[{"dst":"10.0.0.0","gw":"10.0.0.1"}]', ['invalid route format', 'is not a CIDR']],
    ['gw not an IP', '[{"dst":"10.0.0.0/8","gw":"gateway"}]', ['invalid route format', 'is not an IP address']],
    ['octal-looking gw', '[{"dst":"10.0.0.0/8","gw":"010.0.0.1"}]', ['invalid route format', 'leading zero']],
    ['missing gw', '[{"dst":"10.0.0.0/8"}]', ['invalid route format', 'gw nothing']],
    ['a number dst', '[{"dst":5,"gw":"10.0.0.1"}]', ['invalid route format', 'dst 5']],
    ['an object', '{"dst":"10.0.0.0/8","gw":"10.0.0.1"}', ['must be a JSON list']],
  ])('refuses %s', (_, value, parts) => expectError(parseRoutesAnnotation(value), ...parts));
});

describe('ipam.spidernet.io/ippool-ip-number', () => {
  it.each<[string, unknown]>([
    ['+1', { kind: 'flexible', n: 1 }],
    ['+3', { kind: 'flexible', n: 3 }],
    ['+0', { kind: 'flexible', n: 0 }],
    ['5', { kind: 'fixed', n: 5 }],
    ['0', { kind: 'fixed', n: 0 }],
    ['007', { kind: 'fixed', n: 7 }],
    ['-0', { kind: 'fixed', n: 0 }],
  ])('reads %s', (value, expected) => expectOk(parseIPPoolIPNumber(value), expected));

  it.each<[string, string]>([
    ['-1', 'must equal or greater than 0'],
    ['+-2', 'must equal or greater than 0'],
    ['++1', "invalid input '++1'"],
    ['1+', "invalid input '1+'"],
    ['abc+2', "invalid input 'abc+2'"],
    ['1.5', 'invalid input'],
    [' 2', 'invalid input'],
    ['', 'invalid input'],
    ['99999999999999999999', 'too large'],
  ])('refuses %j', (value, rule) => expectError(parseIPPoolIPNumber(value), 'wrong input', "'ipam.spidernet.io/ippool-ip-number'", rule));
});

describe('ipam.spidernet.io/ippool-reclaim', () => {
  it.each([
    ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((v) => [v, true] as const),
    ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((v) => [v, false] as const),
    [undefined, true] as const,
  ])('reads %j as %s', (value, expected) => expectOk(parseIPPoolReclaim(value), expected));

  it.each(['yes', 'no', 'tRUE', ' true', '', '2', 'toString', 'constructor'])('refuses %j', (value) =>
    expectError(parseIPPoolReclaim(value), 'wrong input', "'ipam.spidernet.io/ippool-reclaim'", 'strconv.ParseBool'),
  );
});

describe('Namespace default pools', () => {
  const v4 = 'ipam.spidernet.io/default-ipv4-ippool';
  const v6 = 'ipam.spidernet.io/default-ipv6-ippool';
  it.each<[string, Record<string, string>, unknown]>([
    [
      'spec §2.7 example',
      { [v4]: '["ns-v4-pool1", "ns-v4-pool2", "wild-v4*"]', [v6]: '["ns-v6-pool1"]' },
      { ipv4: ['ns-v4-pool1', 'ns-v4-pool2', 'wild-v4*'], ipv6: ['ns-v6-pool1'] },
    ],
    ['no annotations', {}, { ipv4: [], ipv6: [] }],
    ['unrelated annotations', { 'ipam.spidernet.io/ippool': 'junk' }, { ipv4: [], ipv6: [] }],
    ['empty lists and null', { [v4]: '[]', [v6]: 'null' }, { ipv4: [], ipv6: [] }],
  ])('reads %s', (_, annotations, expected) => expectOk(parseNamespaceDefaultPools(annotations), expected));

  it.each<[string, Record<string, string>, Array<string | RegExp>]>([
    ['bad JSON', { [v4]: '[ns-v4' }, ['wrong input', "Namespace annotation 'ipam.spidernet.io/default-ipv4-ippool'", 'not valid JSON']],
    ['an object', { [v6]: '{"ipv6":["a"]}' }, ["'ipam.spidernet.io/default-ipv6-ippool'", 'must be a JSON list of pool names']],
    ['a bare string', { [v4]: '"pool"' }, ['must be a JSON list of pool names', 'got "pool"']],
    ['a number in the list', { [v4]: '["a", 2]' }, ['"ipv4"[1] must be a string']],
    ['a pool twice', { [v6]: '["a","a"]' }, ['lists pool "a" twice']],
  ])('refuses %s', (_, annotations, parts) => expectError(parseNamespaceDefaultPools(annotations), ...parts));
});
