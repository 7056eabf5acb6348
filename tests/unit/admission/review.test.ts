import jsonPatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import {
  type AdmissionReview,
  allowed,
  type Decision,
  denied,
  type JsonObject,
  type PatchOperation,
  parseAdmissionReview,
  patched,
  reviewResponse,
} from '../../../admission/index.js';
import { type FixtureName, loadFixture } from './fixtures.js';

function parseFixture(name: FixtureName): AdmissionReview {
  const parsed = parseAdmissionReview(loadFixture(name));
  if (!parsed.ok) throw new Error(`fixture ${name} does not parse: ${parsed.error}`);
  return parsed.review;
}

function objectOf(review: AdmissionReview): JsonObject {
  const object = review.request.object;
  if (object === undefined) throw new Error('the review has no object');
  return object;
}

function patchOf(decision: Decision): PatchOperation[] {
  if (decision.kind !== 'patched') throw new Error(`expected a patched decision, got ${decision.kind}`);
  return decision.patch;
}

interface PodLike {
  metadata: { annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

describe('parseAdmissionReview', () => {
  it('reads a Pod CREATE made from a generateName, leaving the name out', () => {
    const review = parseFixture('pod-create');
    expect(review.apiVersion).toBe('admission.k8s.io/v1');
    expect(review.request).toMatchObject({
      uid: '0df28fbd-5f5f-11e8-bc74-36e6bb280816',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'default',
      operation: 'CREATE',
      dryRun: false,
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
    });
    expect(review.request.name).toBeUndefined();
    expect(review.request.oldObject).toBeUndefined();
    // The object is kept exactly as received, unknown fields included.
    expect(objectOf(review)).toEqual((loadFixture('pod-create').request as { object: unknown }).object);
  });

  it('reads a cluster-scoped SpiderIPPool CREATE', () => {
    const review = parseFixture('spiderippool-create');
    expect(review.request.kind).toEqual({ group: 'spiderpool.spidernet.io', version: 'v2beta1', kind: 'SpiderIPPool' });
    expect(review.request.name).toBe('test-pod-ippool');
    expect(review.request.namespace).toBeUndefined();
  });

  it('reads an UPDATE with its oldObject and userInfo.extra', () => {
    const review = parseFixture('pod-update');
    expect(review.request.operation).toBe('UPDATE');
    expect(review.request.oldObject).toBeDefined();
    expect(review.request.userInfo.extra).toEqual({ scopes: ['view', 'edit'] });
  });

  it('reads a DELETE whose object is null', () => {
    const review = parseFixture('pod-delete');
    expect(review.request.operation).toBe('DELETE');
    expect(review.request.object).toBeUndefined();
    expect(review.request.oldObject).toBeDefined();
  });

  it('reads a v1beta1 review and a dry run', () => {
    expect(parseFixture('pod-create-v1beta1').apiVersion).toBe('admission.k8s.io/v1beta1');
    expect(parseFixture('pod-create-dryrun').request.dryRun).toBe(true);
  });

  type Change = (review: Record<string, unknown>, request: Record<string, unknown>) => void;
  const errors: [string, Change | unknown, string][] = [
    ['a JSON array', [], 'AdmissionReview: expected an object, got an array'],
    ['null', null, 'AdmissionReview: expected an object, got null'],
    ['a string', 'hello', 'AdmissionReview: expected an object, got the string "hello"'],
    ['another kind', ((r) => (r.kind = 'Pod')) as Change, 'kind: expected "AdmissionReview", got the string "Pod"'],
    ['no kind', ((r) => delete r.kind) as Change, 'kind: expected "AdmissionReview", got nothing (field missing)'],
    [
      'an unknown apiVersion',
      ((r) => (r.apiVersion = 'admission.k8s.io/v2')) as Change,
      'apiVersion: expected "admission.k8s.io/v1" or "admission.k8s.io/v1beta1", got the string "admission.k8s.io/v2"',
    ],
    ['no request', ((r) => delete r.request) as Change, 'request: expected an object, got nothing (field missing)'],
    ['no uid', ((_, q) => delete q.uid) as Change, 'request.uid: expected a non-empty string, got nothing (field missing)'],
    ['an empty uid', ((_, q) => (q.uid = '')) as Change, 'request.uid: expected a non-empty string, got an empty string'],
    ['a numeric uid', ((_, q) => (q.uid = 42)) as Change, 'request.uid: expected a non-empty string, got number 42'],
    [
      'no kind.kind',
      ((_, q) => (q.kind = { group: '', version: 'v1' })) as Change,
      'request.kind.kind: expected a non-empty string, got nothing (field missing)',
    ],
    [
      'a null kind.group',
      ((_, q) => (q.kind = { group: null, version: 'v1', kind: 'Pod' })) as Change,
      'request.kind.group: expected a string, got null',
    ],
    ['no resource', ((_, q) => delete q.resource) as Change, 'request.resource: expected an object, got nothing (field missing)'],
    [
      'no resource.resource',
      ((_, q) => (q.resource = { group: '', version: 'v1' })) as Change,
      'request.resource.resource: expected a non-empty string, got nothing (field missing)',
    ],
    [
      'an unknown operation',
      ((_, q) => (q.operation = 'PATCH')) as Change,
      'request.operation: expected one of CREATE, UPDATE, DELETE, CONNECT, got the string "PATCH"',
    ],
    [
      'a lower-case operation',
      ((_, q) => (q.operation = 'create')) as Change,
      'request.operation: expected one of CREATE, UPDATE, DELETE, CONNECT, got the string "create"',
    ],
    ['no userInfo', ((_, q) => delete q.userInfo) as Change, 'request.userInfo: expected an object, got nothing (field missing)'],
    [
      'a numeric username',
      ((_, q) => (q.userInfo = { username: 7 })) as Change,
      'request.userInfo.username: expected a string, got number 7',
    ],
    [
      'a group that is not a string',
      ((_, q) => (q.userInfo = { username: 'jane', groups: ['dev', false] })) as Change,
      'request.userInfo.groups[1]: expected a string, got boolean false',
    ],
    [
      'an extra value that is not a list',
      ((_, q) => (q.userInfo = { username: 'jane', extra: { scopes: 'view' } })) as Change,
      'request.userInfo.extra.scopes: expected an array of strings, got the string "view"',
    ],
    ['a numeric namespace', ((_, q) => (q.namespace = 3)) as Change, 'request.namespace: expected a string, got number 3'],
    ['an object that is a list', ((_, q) => (q.object = [])) as Change, 'request.object: expected an object, got an array'],
    ['a CREATE without object', ((_, q) => (q.object = null)) as Change, 'request.object: expected the object of the CREATE, got null'],
    ['a string oldObject', ((_, q) => (q.oldObject = '{}')) as Change, 'request.oldObject: expected an object, got the string "{}"'],
    ['a string dryRun', ((_, q) => (q.dryRun = 'true')) as Change, 'request.dryRun: expected a boolean, got the string "true"'],
    ['a list of options', ((_, q) => (q.options = ['x'])) as Change, 'request.options: expected an object, got an array'],
    [
      'a malformed requestKind',
      ((_, q) => (q.requestKind = { group: '', kind: 'Pod' })) as Change,
      'request.requestKind.version: expected a non-empty string, got nothing (field missing)',
    ],
  ];

  it.each(errors)('rejects %s with a message naming the field', (_name, change, expected) => {
    let body: unknown = change;
    if (typeof change === 'function') {
      const review = loadFixture('pod-create');
      (change as Change)(review, review.request as Record<string, unknown>);
      body = review;
    }
    expect(parseAdmissionReview(body)).toEqual({ ok: false, error: expected });
  });

  it('shortens a long bad value in the message', () => {
    const review = loadFixture('pod-create');
    review.kind = 'x'.repeat(500);
    const parsed = parseAdmissionReview(review);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.length).toBeLessThan(120);
  });
});

describe('decisions', () => {
  it('allowed carries warnings only when there are some', () => {
    expect(allowed()).toEqual({ kind: 'allowed' });
    expect(allowed([])).toEqual({ kind: 'allowed' });
    expect(allowed(['pool "a" is 90% full'])).toEqual({ kind: 'allowed', warnings: ['pool "a" is 90% full'] });
  });

  it.each([
    [{}, 403, 'Forbidden'],
    [{ code: 422 }, 422, 'Invalid'],
    [{ code: 409 }, 409, 'AlreadyExists'],
    [{ code: 409, reason: 'Conflict' as const }, 409, 'Conflict'],
    [{ code: 500 }, 500, 'InternalError'],
  ])('denied(%o) answers code %i reason %s', (options, code, reason) => {
    expect(denied('no', options)).toEqual({ kind: 'denied', code, reason, message: 'no' });
  });

  it('denied leaves the reason out for a code without a usual one', () => {
    expect(denied('teapot', { code: 418 })).toEqual({ kind: 'denied', code: 418, message: 'teapot' });
  });

  it('patched escapes "/" and "~" in annotation keys as JSON Pointer asks', () => {
    const raw = objectOf(parseFixture('pod-create'));
    const pod = structuredClone(raw) as unknown as PodLike;
    pod.metadata.annotations = {
      ...pod.metadata.annotations,
      'ipam.spidernet.io/assigned-eth0': '{"interface":"eth0","ipv4":"10.6.168.101/16"}',
      'example.com/odd~key': 'x',
    };
    const patch = patchOf(patched(raw, pod));
    expect(patch).toEqual(
      expect.arrayContaining([
        {
          op: 'add',
          path: '/metadata/annotations/ipam.spidernet.io~1assigned-eth0',
          value: '{"interface":"eth0","ipv4":"10.6.168.101/16"}',
        },
        { op: 'add', path: '/metadata/annotations/example.com~1odd~0key', value: 'x' },
      ]),
    );
    expect(patch).toHaveLength(2);
  });

  it('patched adds the annotations map first when the object has none', () => {
    const raw = objectOf(parseFixture('pod-create'));
    delete (raw.metadata as JsonObject).annotations;
    const pod = structuredClone(raw) as unknown as PodLike;
    pod.metadata.annotations = { 'ipam.spidernet.io/assigned-eth0': 'x' };
    const patch = patchOf(patched(raw, pod));
    expect(patch).toEqual([{ op: 'add', path: '/metadata/annotations', value: { 'ipam.spidernet.io/assigned-eth0': 'x' } }]);
    expect(jsonPatch.applyPatch(structuredClone(raw), patch).newDocument).toEqual(pod);
  });

  it('patched touches nothing but what changed: unknown fields, managedFields and nulls stay out of the patch', () => {
    const raw = objectOf(parseFixture('pod-create'));
    const before = structuredClone(raw);
    const pod = structuredClone(raw) as unknown as PodLike;
    pod.metadata.annotations = { ...pod.metadata.annotations, 'ipam.spidernet.io/assigned-eth0': 'x' };
    pod.spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } };
    const patch = patchOf(patched(raw, pod));
    expect(patch.map((op) => [op.op, op.path])).toEqual([
      ['add', '/spec/affinity'],
      ['add', '/metadata/annotations/ipam.spidernet.io~1assigned-eth0'],
    ]);
    expect(raw).toEqual(before);
    const applied = jsonPatch.applyPatch(structuredClone(raw), patch).newDocument as unknown as PodLike;
    expect(applied).toEqual(pod);
    expect(applied.spec['x-future-field']).toEqual({ introducedIn: 'v1.99', values: [1, 2, 3] });
    expect(applied.spec.hostnameOverride).toBe('web-a');
  });

  it('patched replaces a changed annotation of an UPDATE', () => {
    const raw = objectOf(parseFixture('pod-update'));
    const pod = structuredClone(raw) as unknown as PodLike;
    pod.metadata.annotations = { ...pod.metadata.annotations, 'ipam.spidernet.io/assigned-eth0': 'restored' };
    expect(patchOf(patched(raw, pod))).toEqual([
      { op: 'replace', path: '/metadata/annotations/ipam.spidernet.io~1assigned-eth0', value: 'restored' },
    ]);
  });

  it('patched with no change is a plain allow, keeping the warnings', () => {
    const raw = objectOf(parseFixture('pod-create'));
    expect(patched(raw, structuredClone(raw))).toEqual({ kind: 'allowed' });
    expect(patched(raw, structuredClone(raw), ['dry run: nothing reserved'])).toEqual({
      kind: 'allowed',
      warnings: ['dry run: nothing reserved'],
    });
  });

  it('patched diffs the wire form: undefined properties are absent, not removals of something else', () => {
    const raw: JsonObject = { metadata: { name: 'a' } };
    const mutated = { metadata: { name: 'a', labels: undefined } };
    expect(patched(raw, mutated)).toEqual({ kind: 'allowed' });
  });
});

describe('reviewResponse', () => {
  const review = parseFixture('pod-create');

  it('answers an allow with the request uid and nothing else', () => {
    expect(reviewResponse(review, allowed())).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: '0df28fbd-5f5f-11e8-bc74-36e6bb280816', allowed: true },
    });
  });

  it('puts a denial in response.status, never in result', () => {
    const decision = denied('SpiderIPPool test-pod-ippool: spec.ips: "10.7.0.1" is outside spec.subnet "10.6.0.0/16"', {
      code: 422,
      causes: [{ field: 'spec.ips[0]', message: 'outside spec.subnet "10.6.0.0/16"', reason: 'FieldValueInvalid' }],
      warnings: ['spec.gateway is not set'],
    });
    const answer = reviewResponse(review, decision);
    expect(answer.response).toEqual({
      uid: review.request.uid,
      allowed: false,
      status: {
        code: 422,
        reason: 'Invalid',
        message: 'SpiderIPPool test-pod-ippool: spec.ips: "10.7.0.1" is outside spec.subnet "10.6.0.0/16"',
        details: { causes: [{ field: 'spec.ips[0]', message: 'outside spec.subnet "10.6.0.0/16"', reason: 'FieldValueInvalid' }] },
      },
      warnings: ['spec.gateway is not set'],
    });
    expect(JSON.stringify(answer)).not.toContain('"result"');
  });

  it('encodes a patch as base64 JSON with patchType JSONPatch', () => {
    const raw = objectOf(review);
    const pod = structuredClone(raw) as unknown as PodLike;
    pod.metadata.labels = { ...pod.metadata.labels, 'ipam.spidernet.io/managed': 'true' };
    const answer = reviewResponse(review, patched(raw, pod, ['w']));
    expect(answer.response.patchType).toBe('JSONPatch');
    expect(answer.response.warnings).toEqual(['w']);
    expect(JSON.parse(Buffer.from(answer.response.patch ?? '', 'base64').toString('utf8'))).toEqual([
      { op: 'add', path: '/metadata/labels/ipam.spidernet.io~1managed', value: 'true' },
    ]);
  });

  it('answers in the apiVersion received', () => {
    expect(reviewResponse(parseFixture('pod-create-v1beta1'), allowed()).apiVersion).toBe('admission.k8s.io/v1beta1');
  });
});
