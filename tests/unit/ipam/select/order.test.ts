// Candidate order: Spiderpool's ByPoolPriority vectors (validation-and-allocation-cases.md §3.3) and a property
// check that the sort is stable and never puts a less specific pool before a more specific one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IPPoolSpec, SpiderIPPool } from '../../../../ipam/model/index.js';
import { comparePoolSpecificity, orderPools, specificity } from '../../../../ipam/select/order.js';

const pool = (name: string, spec: Partial<IPPoolSpec> = {}): SpiderIPPool => ({
  metadata: { name },
  spec: { ipVersion: 4, subnet: '10.0.0.0/24', ...spec },
});
const selector = { matchLabels: { app: 'x' } };
const order = (pools: SpiderIPPool[]) => orderPools(pools, (p) => p).map((p) => p.metadata.name);

describe('ByPoolPriority vectors', () => {
  it.each<[string, Partial<IPPoolSpec>]>([
    ['podAffinity', { podAffinity: selector }],
    ['nodeAffinity', { nodeAffinity: selector }],
    ['namespaceAffinity', { namespaceAffinity: selector }],
    ['multusName kube-system/macvlan', { multusName: ['kube-system/macvlan'] }],
  ])('pool1 with %s goes before pool2 without affinity, from [1,2] and [2,1]', (_n, spec) => {
    const p1 = pool('1', spec);
    const p2 = pool('2');
    expect(order([p1, p2])).toEqual(['1', '2']);
    expect(order([p2, p1])).toEqual(['1', '2']);
  });

  it('pools without any affinity keep the input order', () => {
    expect(order([pool('1'), pool('2')])).toEqual(['1', '2']);
    expect(order([pool('2'), pool('1')])).toEqual(['2', '1']);
  });

  it('podAffinity > nodeName+nodeAffinity > namespaceName+namespaceAffinity > multusName > none', () => {
    const pools = [
      pool('1', { podAffinity: selector }),
      pool('2', { nodeName: ['master'], nodeAffinity: selector }),
      pool('3', { namespaceName: ['kube-system'], namespaceAffinity: selector }),
      pool('4', { multusName: ['kube-system/macvlan'] }),
      pool('5'),
    ];
    expect(order(pools)).toEqual(['1', '2', '3', '4', '5']);
    expect(order([...pools].reverse())).toEqual(['1', '2', '3', '4', '5']);
  });

  it('a tie on nodeName is decided by the next property (namespaceName): [1,2,3,4] -> [1,3,2,4]', () => {
    const pools = [
      pool('1', { podAffinity: selector }),
      pool('2', { nodeName: ['master'] }),
      pool('3', { nodeName: ['master'], namespaceName: ['kube-system'] }),
      pool('4', { namespaceName: ['kube-system'], multusName: ['kube-system/macvlan'] }),
    ];
    expect(order(pools)).toEqual(['1', '3', '2', '4']);
  });

  it('podAffinity+nodeName beats podAffinity+namespaceName+multusName: [1,2] -> [2,1]', () => {
    const pools = [
      pool('1', { podAffinity: selector, namespaceName: ['default'], multusName: ['kube-system/macvlan'] }),
      pool('2', { podAffinity: selector, nodeName: ['master'] }),
    ];
    expect(order(pools)).toEqual(['2', '1']);
  });
});

describe('what counts as set', () => {
  it.each<[string, Partial<IPPoolSpec>, boolean[]]>([
    ['nothing', {}, [false, false, false, false, false, false]],
    ['empty lists do not count', { nodeName: [], namespaceName: [], multusName: [] }, [false, false, false, false, false, false]],
    [
      'an empty selector counts (a non-nil pointer in Go)',
      { podAffinity: {}, nodeAffinity: {}, namespaceAffinity: {} },
      [true, false, true, false, true, false],
    ],
    [
      'every property',
      {
        podAffinity: selector,
        nodeName: ['n'],
        nodeAffinity: selector,
        namespaceName: ['ns'],
        namespaceAffinity: selector,
        multusName: ['m'],
      },
      [true, true, true, true, true, true],
    ],
  ])('%s', (_n, spec, expected) => {
    expect(specificity(pool('p', spec))).toEqual(expected);
  });
});

const arbPool = fc
  .record({
    podAffinity: fc.boolean(),
    nodeName: fc.boolean(),
    nodeAffinity: fc.boolean(),
    namespaceName: fc.boolean(),
    namespaceAffinity: fc.boolean(),
    multusName: fc.boolean(),
  })
  .map(
    (f): Partial<IPPoolSpec> => ({
      ...(f.podAffinity ? { podAffinity: selector } : {}),
      ...(f.nodeName ? { nodeName: ['n'] } : {}),
      ...(f.nodeAffinity ? { nodeAffinity: selector } : {}),
      ...(f.namespaceName ? { namespaceName: ['ns'] } : {}),
      ...(f.namespaceAffinity ? { namespaceAffinity: selector } : {}),
      ...(f.multusName ? { multusName: ['m'] } : {}),
    }),
  );

describe('orderPools properties', () => {
  it('is a permutation, specificity-monotone, stable on ties and idempotent', () => {
    fc.assert(
      fc.property(fc.array(arbPool, { maxLength: 12 }), (specs) => {
        const input = specs.map((spec, i) => ({ index: i, pool: pool(`p${i}`, spec) }));
        const out = orderPools(input, (x) => x.pool);
        expect(out.map((x) => x.index).sort((a, b) => a - b)).toEqual(input.map((x) => x.index));
        for (let i = 0; i + 1 < out.length; i++) {
          const a = out[i] as (typeof out)[number];
          const b = out[i + 1] as (typeof out)[number];
          const cmp = comparePoolSpecificity(a.pool, b.pool);
          expect(cmp).toBeLessThanOrEqual(0);
          if (cmp === 0) expect(a.index).toBeLessThan(b.index);
        }
        expect(orderPools(out, (x) => x.pool)).toEqual(out);
      }),
    );
  });

  it('the comparator is antisymmetric and agrees with the lexicographic order of specificity', () => {
    fc.assert(
      fc.property(arbPool, arbPool, (x, y) => {
        const a = pool('a', x);
        const b = pool('b', y);
        const lex = specificity(a).map(Number).join('').localeCompare(specificity(b).map(Number).join(''));
        // More flags set (lexicographically greater) sorts first; sums of opposite signs are zero.
        expect(Math.sign(comparePoolSpecificity(a, b)) + Math.sign(lex)).toBe(0);
        expect(Math.sign(comparePoolSpecificity(a, b)) + Math.sign(comparePoolSpecificity(b, a))).toBe(0);
      }),
    );
  });
});
