// Pool-name globs: Go's filepath.Match (its own test table), Spiderpool's HasWildcard and
// ParseWildcardPoolNameList vectors (validation-and-allocation-cases.md §3.1), and the stable expansion order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IPPoolSpec, SpiderIPPool } from '../../../../ipam/model/index.js';
import { expandPoolNames, globMatch, isPoolNameGlob } from '../../../../ipam/select/wildcards.js';

const pool = (name: string, spec: Partial<IPPoolSpec> = {}): SpiderIPPool => ({
  metadata: { name },
  spec: { ipVersion: 4, subnet: '10.0.0.0/24', ...spec },
});
const v6 = (name: string): SpiderIPPool => pool(name, { ipVersion: 6, subnet: 'fd00::/120' });
const at = { family: 4 as const, interface: 'eth0' };

describe('isPoolNameGlob (Spiderpool HasWildcardInStr)', () => {
  it.each([
    ['pool', false],
    ['pool?', true],
    ['pool*', true],
    ['pool[abc]', true],
    ['pool[', false],
    ['pool]', false],
    ['po]ol[', true],
    ['', false],
  ])('%s -> %s', (name, expected) => {
    expect(isPoolNameGlob(name)).toBe(expected);
  });
});

// Go's path/filepath TestMatch table (Linux), with the current rule that a malformed pattern is always reported.
const bad = 'bad';
describe('globMatch follows Go filepath.Match', () => {
  it.each<[string, string, boolean | typeof bad]>([
    ['abc', 'abc', true],
    ['*', 'abc', true],
    ['*c', 'abc', true],
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*', 'ab/c', false],
    ['a*/b', 'abc/b', true],
    ['a*/b', 'a/c/b', false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true],
    ['ab[e-g]', 'abc', false],
    ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abc', false],
    ['ab[^e-g]', 'abc', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a?b', 'a☺b', true],
    ['a[^a]b', 'a☺b', true],
    ['a???b', 'a☺b', false],
    ['a[^a][^a][^a]b', 'a☺b', false],
    ['[a-ζ]*', 'α', true],
    ['*[a-ζ]', 'A', false],
    ['a?b', 'a/b', false],
    ['a*b', 'a/b', false],
    ['[\\]a]', ']', true],
    ['[\\-]', '-', true],
    ['[x\\-]', 'x', true],
    ['[x\\-]', '-', true],
    ['[x\\-]', 'z', false],
    ['[\\-x]', 'x', true],
    ['[\\-x]', '-', true],
    ['[\\-x]', 'a', false],
    ['[]a]', ']', bad],
    ['[-]', '-', bad],
    ['[x-]', 'x', bad],
    ['[x-]', '-', bad],
    ['[x-]', 'z', bad],
    ['[-x]', 'x', bad],
    ['[-x]', '-', bad],
    ['[-x]', 'a', bad],
    ['\\', 'a', bad],
    ['[a-b-c]', 'a', bad],
    ['[', 'a', bad],
    ['[^', 'a', bad],
    ['[^bc', 'a', bad],
    ['a[', 'a', bad],
    ['a[', 'ab', bad],
    ['a[', 'x', bad],
    ['a/b[', 'x', bad],
    ['*x', 'xxx', true],
    // Go has no "!" negation: "[!a]" is the class {!, a}.
    ['pool-[!a]', 'pool-a', true],
    ['pool-[!a]', 'pool-b', false],
    ['pool-[!a]', 'pool-!', true],
    ['v4-pool-[0-9]', 'v4-pool-7', true],
    ['v4-pool-[0-9]', 'v4-pool-10', false],
  ])('Match(%j, %j) = %s', (pattern, name, expected) => {
    const result = globMatch(pattern, name);
    if (expected === bad) expect(result).toEqual({ ok: false, reason: `syntax error in pattern "${pattern}"` });
    else expect(result).toEqual({ ok: true, matched: expected });
  });
});

describe('expandPoolNames (ParseWildcardPoolNameList + pre-check)', () => {
  it('keeps a list without wildcards unchanged', () => {
    expect(expandPoolNames(['pool1', 'pool2'], [pool('pool2'), pool('pool1')], at)).toEqual({ ok: true, names: ['pool1', 'pool2'] });
  });

  it('expands "ippool*" against the pool ippool-N and keeps the literal after it', () => {
    const result = expandPoolNames(['ippool*', 'pp1'], [pool('pp1'), pool('ippool-7')], at);
    expect(result).toEqual({ ok: true, names: ['ippool-7', 'pp1'] });
  });

  it('expands a glob that matches nothing to nothing, without an error', () => {
    expect(expandPoolNames(['aaa*'], [pool('pool1')], at)).toEqual({ ok: true, names: [] });
  });

  it('refuses a malformed pattern', () => {
    const result = expandPoolNames(['p1', 'pool*', '[ippool]['], [pool('p1'), pool('pool-a')], at);
    expect(result).toEqual({ ok: false, reason: 'wrong input: syntax error in pattern "[ippool][" for IPv4 of eth0' });
  });

  it('refuses a malformed pattern even when there is no pool to match it against', () => {
    expect(expandPoolNames(['[ippool]['], [], at).ok).toBe(false);
  });

  it('expands globs in place, matches in pool-name order, literals where the user put them', () => {
    const pools = [pool('m'), pool('a2'), pool('z'), pool('a10'), pool('a1')];
    expect(expandPoolNames(['z', 'a*', 'm'], pools, at)).toEqual({ ok: true, names: ['z', 'a1', 'a10', 'a2', 'm'] });
  });

  it('gives the same expansion whatever order the pool cache lists pools in', () => {
    const names = ['p-0', 'p-1', 'p-2', 'q-0', 'q-1', 'r'];
    fc.assert(
      fc.property(fc.shuffledSubarray(names, { minLength: names.length }), (order) => {
        const result = expandPoolNames(
          ['q*', 'r', 'p-?'],
          order.map((n) => pool(n)),
          at,
        );
        expect(result).toEqual({ ok: true, names: ['q-0', 'q-1', 'r', 'p-0', 'p-1', 'p-2'] });
      }),
    );
  });

  it('expands a glob only against pools of the requested family; a literal of the other family stays for the family filter', () => {
    const pools = [pool('pool-a'), v6('pool-b'), v6('v6-only')];
    expect(expandPoolNames(['pool-*'], pools, at)).toEqual({ ok: true, names: ['pool-a'] });
    expect(expandPoolNames(['pool-*'], pools, { family: 6, interface: 'net1' })).toEqual({ ok: true, names: ['pool-b'] });
    expect(expandPoolNames(['v6-only'], pools, at)).toEqual({ ok: true, names: ['v6-only'] });
  });

  it('derives the family from spec.subnet when spec.ipVersion is missing', () => {
    const pools = [pool('pool-a', { ipVersion: undefined }), pool('pool-b', { ipVersion: undefined, subnet: 'fd00::/64' })];
    expect(expandPoolNames(['pool-*'], pools, at)).toEqual({ ok: true, names: ['pool-a'] });
  });

  it.each<[string, string[], string]>([
    ['a literal named twice', ['a', 'a'], 'wrong input: pool "a" is named twice for IPv4 of eth0'],
    ['a literal also matched by a glob', ['a', '*'], 'wrong input: pool "a" is named twice for IPv4 of eth0'],
    ['two globs matching the same pool', ['b*', '?'], 'wrong input: pool "b" is named twice for IPv4 of eth0'],
    ['a missing literal', ['a', 'nope'], 'failed to get original IPPool nope: no SpiderIPPool named "nope" exists'],
    ['the first problem in the user order (duplicate before missing)', ['a', 'a', 'nope'], 'wrong input: pool "a" is named twice'],
    ['the first problem in the user order (missing before duplicate)', ['nope', 'a', 'a'], 'failed to get original IPPool nope'],
    ['"pool[" without "]" is a literal name', ['pool['], 'failed to get original IPPool pool['],
  ])('refuses %s', (_name, names, reason) => {
    const result = expandPoolNames(names, [pool('a'), pool('b')], at);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});
