// What the watch loop does with each line and after each kind of ending, without an API server.
import { describe, expect, it } from 'vitest';
import { decideAfterWatch, healthyWatchMs, interpretWatchLine, outcomeError, type WatchOutcome } from '../../../kube/watch/index.js';

const cm = (rv: string) => ({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'a', namespace: 'ns', resourceVersion: rv } });
const line = (value: unknown) => JSON.stringify(value);

describe('interpretWatchLine', () => {
  it.each(['ADDED', 'MODIFIED', 'DELETED'] as const)('%s applies the object and moves the resourceVersion', (type) => {
    expect(interpretWatchLine(line({ type, object: cm('7') }))).toEqual({ kind: 'change', type, object: cm('7'), resourceVersion: '7' });
  });

  it('BOOKMARK only moves the resourceVersion', () => {
    const bookmark = { type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '42' } } };
    expect(interpretWatchLine(line(bookmark))).toEqual({ kind: 'bookmark', resourceVersion: '42' });
  });

  it('an ERROR event with code 410 ends the watch with its Status', () => {
    const error = {
      type: 'ERROR',
      object: { kind: 'Status', status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version: 1 (99)' },
    };
    expect(interpretWatchLine(line(error))).toEqual({
      kind: 'end',
      outcome: { kind: 'error-event', code: 410, reason: 'Expired', message: 'too old resource version: 1 (99)' },
    });
  });

  it.each([
    ['not JSON', '{"type": "ADDED", ', /not JSON/],
    ['not an object', '[1,2]', /not a JSON object/],
    ['no type', line({ object: cm('1') }), /no "type"/],
    ['unknown type', line({ type: 'SNAPSHOT', object: cm('1') }), /unknown watch event type "SNAPSHOT"/],
    [
      'object without name',
      line({ type: 'ADDED', object: { metadata: { resourceVersion: '1' } } }),
      /ADDED event: the object has no metadata.name/,
    ],
    ['object without resourceVersion', line({ type: 'MODIFIED', object: { metadata: { name: 'a' } } }), /has no metadata.resourceVersion/],
    ['object not an object', line({ type: 'DELETED', object: 'a' }), /is not a JSON object/],
    ['bookmark without resourceVersion', line({ type: 'BOOKMARK', object: { metadata: {} } }), /BOOKMARK event without resourceVersion/],
  ])('%s ends the watch as a malformed event', (_, text, message) => {
    const step = interpretWatchLine(text);
    expect(step.kind).toBe('end');
    if (step.kind !== 'end' || step.outcome.kind !== 'malformed-event') throw new Error(`unexpected ${JSON.stringify(step)}`);
    expect(step.outcome.message).toMatch(message);
  });
});

describe('decideAfterWatch', () => {
  const quick = { durationMs: 5, events: 0 };
  const busy = { durationMs: 5, events: 3 };
  const long = { durationMs: healthyWatchMs, events: 0 };
  it.each<[string, WatchOutcome, { durationMs: number; events: number }, ReturnType<typeof decideAfterWatch>]>([
    ['a watch that ends after events reconnects at once', { kind: 'closed' }, busy, { action: 'reconnect', failure: false }],
    ['a long quiet watch that ends reconnects at once', { kind: 'closed' }, long, { action: 'reconnect', failure: false }],
    ['a stream closed at once backs off', { kind: 'closed' }, quick, { action: 'reconnect', failure: true }],
    [
      'HTTP 410 relists',
      { kind: 'http-error', status: 410, reason: 'Gone', message: 'gone' },
      busy,
      { action: 'relist', reason: 'expired', failure: true },
    ],
    [
      'ERROR event 410 relists',
      { kind: 'error-event', code: 410, message: 'too old' },
      busy,
      { action: 'relist', reason: 'expired', failure: true },
    ],
    [
      'ERROR event Expired without code relists',
      { kind: 'error-event', reason: 'Expired', message: 'x' },
      quick,
      { action: 'relist', reason: 'expired', failure: true },
    ],
    ['ERROR event 500 reconnects', { kind: 'error-event', code: 500, message: 'internal' }, busy, { action: 'reconnect', failure: true }],
    [
      'a malformed event relists',
      { kind: 'malformed-event', message: 'x' },
      busy,
      { action: 'relist', reason: 'malformed-event', failure: true },
    ],
    ['a network error reconnects', { kind: 'network-error', message: 'ECONNRESET' }, busy, { action: 'reconnect', failure: true }],
    ['a silent watch reconnects', { kind: 'silent', silentMs: 1000 }, quick, { action: 'reconnect', failure: true }],
    ...[401, 403, 404, 429, 500, 503].map(
      (status): [string, WatchOutcome, { durationMs: number; events: number }, ReturnType<typeof decideAfterWatch>] => [
        `HTTP ${status} reconnects with backoff, never gives up`,
        { kind: 'http-error', status, message: 'm' },
        quick,
        { action: 'reconnect', failure: true },
      ],
    ),
  ])('%s', (_, outcome, run, expected) => {
    expect(decideAfterWatch(outcome, run)).toEqual(expected);
  });
});

describe('outcomeError', () => {
  it('names the path, the status and the message', () => {
    const error = outcomeError(
      { kind: 'http-error', status: 403, reason: 'Forbidden', message: 'configmaps is forbidden' },
      '/api/v1/configmaps',
    );
    expect(error?.message).toBe('watch /api/v1/configmaps: HTTP 403 Forbidden: configmaps is forbidden');
    expect(outcomeError({ kind: 'error-event', code: 410, message: 'too old' }, '/p')?.message).toBe('watch /p: ERROR event 410: too old');
    expect(outcomeError({ kind: 'network-error', message: 'ECONNREFUSED' }, '/p')?.message).toBe('watch /p: ECONNREFUSED');
  });

  it('is undefined for a watch that simply ended or went silent', () => {
    expect(outcomeError({ kind: 'closed' }, '/p')).toBeUndefined();
    expect(outcomeError({ kind: 'silent', silentMs: 1 }, '/p')).toBeUndefined();
  });
});
