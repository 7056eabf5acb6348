// Label selector matching, checked against the semantics of Kubernetes' labels.Selector.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LabelSelector } from '../../../../ipam/model/index.js';
import { formatSelector, matchesSelector } from '../../../../ipam/select/label-selector-match.js';

const web = { app: 'web', tier: 'front' };

describe('matchesSelector', () => {
  it.each<[string, LabelSelector, Record<string, string>, boolean]>([
    ['empty selector matches everything', {}, web, true],
    ['empty selector matches no labels too', {}, {}, true],
    ['empty lists are an empty selector', { matchLabels: {}, matchExpressions: [] }, {}, true],
    ['matchLabels equal', { matchLabels: { app: 'web' } }, web, true],
    ['matchLabels different value', { matchLabels: { app: 'db' } }, web, false],
    ['matchLabels absent key', { matchLabels: { zone: 'a' } }, web, false],
    ['matchLabels empty value needs the key', { matchLabels: { zone: '' } }, web, false],
    ['matchLabels empty value present', { matchLabels: { zone: '' } }, { zone: '' }, true],
    ['all matchLabels must hold', { matchLabels: { app: 'web', tier: 'back' } }, web, false],
    ['In holds', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'mid'] }] }, web, true],
    ['In fails on value', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, web, false],
    ['In fails on absent key', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, web, false],
    ['NotIn holds on other value', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['back'] }] }, web, true],
    ['NotIn fails on listed value', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, web, false],
    ['NotIn holds on absent key', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, web, true],
    ['Exists holds', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, web, true],
    ['Exists fails', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, web, false],
    ['DoesNotExist holds on absent key', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, web, true],
    ['DoesNotExist fails', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, web, false],
    ['unknown operator matches nothing', { matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] }, web, false],
    [
      'matchLabels AND matchExpressions (both hold)',
      { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] },
      web,
      true,
    ],
    [
      'matchLabels AND matchExpressions (expression fails)',
      { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] },
      web,
      false,
    ],
    [
      'a label named like an Object.prototype member is not present by inheritance',
      { matchExpressions: [{ key: 'constructor', operator: 'Exists' }] },
      {},
      false,
    ],
  ])('%s', (_name, selector, labels, expected) => {
    expect(matchesSelector(selector, labels)).toBe(expected);
  });

  it('NotIn is the negation of In, and DoesNotExist of Exists, for any labels', () => {
    const key = fc.constantFrom('a', 'b', 'c');
    const value = fc.constantFrom('x', 'y', 'z');
    fc.assert(
      fc.property(fc.dictionary(key, value), key, fc.array(value, { minLength: 1, maxLength: 3 }), (labels, k, values) => {
        const inSel = matchesSelector({ matchExpressions: [{ key: k, operator: 'In', values }] }, labels);
        const notIn = matchesSelector({ matchExpressions: [{ key: k, operator: 'NotIn', values }] }, labels);
        const exists = matchesSelector({ matchExpressions: [{ key: k, operator: 'Exists' }] }, labels);
        const absent = matchesSelector({ matchExpressions: [{ key: k, operator: 'DoesNotExist' }] }, labels);
        return inSel === !notIn && exists === !absent;
      }),
    );
  });
});

describe('formatSelector', () => {
  it.each<[LabelSelector, string]>([
    [{}, '<everything>'],
    [{ matchLabels: { tier: 'front', app: 'web' } }, 'app=web,tier=front'],
    [
      {
        matchExpressions: [
          { key: 'zone', operator: 'In', values: ['b', 'a'] },
          { key: 'rack', operator: 'NotIn', values: ['r1'] },
          { key: 'gpu', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist' },
        ],
      },
      'zone in (a,b),rack notin (r1),gpu,!legacy',
    ],
  ])('%j -> %s', (selector, text) => {
    expect(formatSelector(selector)).toBe(text);
  });
});
