// Parsing LIST pages, watch lines and Status objects, with messages that name the request and the field.
import { describe, expect, it } from 'vitest';
import { parseListPage, parseWatchLine, statusOf } from '../../../kube/watch/index.js';

describe('parseListPage', () => {
  it('gives list items the kind and apiVersion that watch events carry', () => {
    const page = parseListPage(
      {
        kind: 'SpiderIPPoolList',
        apiVersion: 'spiderpool.spidernet.io/v2beta1',
        metadata: { resourceVersion: '812', continue: 'tok' },
        items: [{ metadata: { name: 'pool-a', resourceVersion: '800' }, spec: { ipVersion: 4 } }],
      },
      'LIST pools',
    );
    expect(page).toEqual({
      items: [
        {
          apiVersion: 'spiderpool.spidernet.io/v2beta1',
          kind: 'SpiderIPPool',
          metadata: { name: 'pool-a', resourceVersion: '800' },
          spec: { ipVersion: 4 },
        },
      ],
      resourceVersion: '812',
      continueToken: 'tok',
    });
  });

  it('treats an empty continue token and missing items as the last, empty page', () => {
    expect(
      parseListPage({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '5', continue: '' }, items: null }, 'x'),
    ).toEqual({
      items: [],
      resourceVersion: '5',
      continueToken: undefined,
    });
  });

  it.each([
    ['not an object', 'oops', 'LIST p: the response is not a JSON object'],
    ['no resourceVersion', { items: [] }, 'LIST p: the list has no metadata.resourceVersion, so no watch can start from it'],
    ['items not an array', { metadata: { resourceVersion: '1' }, items: {} }, 'LIST p: items is object, not an array'],
    [
      'an item without name',
      { metadata: { resourceVersion: '1' }, items: [{ metadata: { resourceVersion: '1' } }] },
      'LIST p: items[0] has no metadata.name',
    ],
  ])('refuses %s', (_, raw, message) => {
    expect(() => parseListPage(raw, 'LIST p')).toThrow(message);
  });
});

describe('parseWatchLine', () => {
  it('splits type and object', () => {
    expect(parseWatchLine('{"type":"ADDED","object":{"metadata":{"name":"a"}}}')).toEqual({
      event: { type: 'ADDED', object: { metadata: { name: 'a' } } },
    });
    expect(parseWatchLine('garbage')).toHaveProperty('problem');
  });
});

describe('statusOf', () => {
  it('reads code, reason and message, and nothing from non-Status values', () => {
    expect(statusOf({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'no' })).toEqual({
      code: 403,
      reason: 'Forbidden',
      message: 'no',
    });
    expect(statusOf({ code: '410' })).toEqual({});
    expect(statusOf(null)).toEqual({});
  });
});
