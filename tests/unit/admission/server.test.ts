// The webhook app over real HTTP on 127.0.0.1 (TLS is covered in tls.test.ts).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdmissionHandler,
  type AdmissionMetrics,
  type AdmissionReviewResponse,
  allowed,
  createAdmissionMetrics,
  createLogger,
  createRegistry,
  createWebhookApp,
  denied,
  type JsonObject,
  patched,
} from '../../../admission/index.js';
import { collectLogs, fixtureText, type LogLine, loadFixture } from './fixtures.js';

const logs = collectLogs();
let metrics: AdmissionMetrics;
let server: Server;
let base: string;

const mutatePod: AdmissionHandler = (request) => {
  const raw = request.object as JsonObject;
  const pod = structuredClone(raw) as { metadata: { annotations?: Record<string, string> } };
  pod.metadata.annotations = {
    ...pod.metadata.annotations,
    'ipam.spidernet.io/assigned-eth0': '{"interface":"eth0","ipv4":"10.6.168.101/16"}',
  };
  return patched(raw, pod);
};

beforeAll(async () => {
  metrics = createAdmissionMetrics(createRegistry({ defaultMetrics: false }));
  const app = createWebhookApp({
    log: createLogger({ level: 'debug', destination: logs.destination }),
    metrics,
    routes: {
      '/validate-allow': { name: 'validate-allow', handler: () => allowed(['pool "test-pod-ippool" is 90% allocated']) },
      '/validate-deny': {
        name: 'validate-deny',
        handler: async (request) =>
          denied(`pod ${request.namespace}/${request.name ?? '(generated)'}: pool "test-pod-ippool" is exhausted`),
      },
      '/mutate-pod': { name: 'mutate-pod', handler: mutatePod },
      '/throws': {
        name: 'throws',
        handler: () => {
          throw new Error('pool cache not synced');
        },
      },
      '/rejects': { name: 'rejects', handler: async () => Promise.reject(new Error('API server timeout')) },
      '/bad-patch': {
        name: 'bad-patch',
        handler: () => ({ kind: 'patched', patch: [{ op: 'add', path: '/metadata/labels/size', value: 10n as unknown as number }] }),
      },
      '/returns-nothing': { name: 'returns-nothing', handler: (() => undefined) as unknown as AdmissionHandler },
    },
  });
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function post(path: string, body: string, contentType = 'application/json'): Promise<Response> {
  return fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
}

async function review(path: string, body: string = fixtureText('pod-create')): Promise<AdmissionReviewResponse> {
  const response = await post(path, body);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return (await response.json()) as AdmissionReviewResponse;
}

function linesWith(msg: string): LogLine[] {
  return logs.lines.filter((line) => line.msg === msg);
}

describe('createWebhookApp', () => {
  it('answers an allow with the request uid and the warnings', async () => {
    expect(await review('/validate-allow')).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: '0df28fbd-5f5f-11e8-bc74-36e6bb280816', allowed: true, warnings: ['pool "test-pod-ippool" is 90% allocated'] },
    });
  });

  it('answers a denial with HTTP 200 and the message in response.status', async () => {
    const answer = await review('/validate-deny');
    expect(answer.response).toEqual({
      uid: '0df28fbd-5f5f-11e8-bc74-36e6bb280816',
      allowed: false,
      status: { code: 403, reason: 'Forbidden', message: 'pod default/(generated): pool "test-pod-ippool" is exhausted' },
    });
    const denial = linesWith('admission request denied').at(-1);
    expect(denial).toMatchObject({ level: 'info', uid: '0df28fbd-5f5f-11e8-bc74-36e6bb280816', webhook: 'validate-deny', kind: 'Pod' });
  });

  it('answers a mutation with a base64 JSON Patch', async () => {
    const answer = await review('/mutate-pod');
    expect(answer.response.allowed).toBe(true);
    expect(answer.response.patchType).toBe('JSONPatch');
    expect(JSON.parse(Buffer.from(answer.response.patch ?? '', 'base64').toString('utf8'))).toEqual([
      { op: 'add', path: '/metadata/annotations/ipam.spidernet.io~1assigned-eth0', value: '{"interface":"eth0","ipv4":"10.6.168.101/16"}' },
    ]);
  });

  it('answers a v1beta1 review as v1beta1', async () => {
    const answer = await review('/mutate-pod', fixtureText('pod-create-v1beta1'));
    expect(answer.apiVersion).toBe('admission.k8s.io/v1beta1');
    expect(answer.response.uid).toBe('3f8e2a1c-9b7d-4e6f-a5c4-b3d2e1f0a9b8');
  });

  it('hands the handler a DELETE without object', async () => {
    const answer = await review('/validate-allow', fixtureText('pod-delete'));
    expect(answer.response).toMatchObject({ uid: 'c7d9e1f3-5a6b-4c7d-8e9f-0a1b2c3d4e5f', allowed: true });
  });

  it.each([
    ['/throws', 'throws', 'pool cache not synced'],
    ['/rejects', 'rejects', 'API server timeout'],
    ['/returns-nothing', 'returns-nothing', 'handler returned undefined, not a Decision'],
    ['/bad-patch', 'bad-patch', 'Do not know how to serialize a BigInt'],
  ])('turns a failing handler at %s into a denial, logged with the uid, and keeps serving', async (path, name, cause) => {
    const answer = await review(path, fixtureText('pod-update'));
    expect(answer.response).toEqual({
      uid: 'b1e3c5a7-2d4f-4b6e-8a1c-3e5f7a9b1d20',
      allowed: false,
      status: { code: 500, reason: 'InternalError', message: `internal error in webhook ${name}: ${cause}` },
    });
    const failure = linesWith('admission handler failed').find((line) => line.webhook === name);
    expect(failure).toMatchObject({
      level: 'error',
      uid: 'b1e3c5a7-2d4f-4b6e-8a1c-3e5f7a9b1d20',
      namespace: 'default',
      name: 'web-7c9f8d6b5-x2lqk',
      operation: 'UPDATE',
      kind: 'Pod',
      err: { message: cause },
    });
    // The same server answers the next request.
    expect((await review('/validate-allow')).response.allowed).toBe(true);
  });

  it('counts and times every review by webhook, operation and result', async () => {
    const counted = await metrics.registry.getSingleMetricAsString('admission_ipam_admission_requests_total');
    expect(counted).toContain('admission_ipam_admission_requests_total{webhook="mutate-pod",operation="CREATE",result="patched"} 2');
    expect(counted).toContain('admission_ipam_admission_requests_total{webhook="validate-deny",operation="CREATE",result="denied"} 1');
    expect(counted).toContain('admission_ipam_admission_requests_total{webhook="throws",operation="UPDATE",result="error"} 1');
    expect(counted).not.toMatch(/uid=|name=|namespace=/);
    const timed = await metrics.registry.getSingleMetricAsString('admission_ipam_admission_duration_seconds');
    expect(timed).toContain('admission_ipam_admission_duration_seconds_count{webhook="mutate-pod"} 2');
    expect(timed).not.toContain('quantile');
  });

  it('refuses a body that is not JSON with HTTP 400 and a message', async () => {
    const response = await post('/mutate-pod', '{"kind": "AdmissionReview", ');
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/^request body is not valid JSON: /);
  });

  it('refuses a malformed review with HTTP 400 naming the field', async () => {
    const body = loadFixture('pod-create');
    delete (body.request as Record<string, unknown>).uid;
    const response = await post('/mutate-pod', JSON.stringify(body));
    expect(response.status).toBe(400);
    expect(await response.text()).toBe(
      'webhook mutate-pod: malformed AdmissionReview: request.uid: expected a non-empty string, got nothing (field missing)\n',
    );
  });

  it('refuses an empty body with HTTP 400', async () => {
    const response = await post('/mutate-pod', '');
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('malformed AdmissionReview');
  });

  it('refuses another content type with HTTP 415', async () => {
    const response = await post('/mutate-pod', fixtureText('pod-create'), 'text/plain');
    expect(response.status).toBe(415);
    expect(await response.text()).toContain('expected Content-Type application/json');
  });

  it('refuses a body over 7 MiB with HTTP 413 and a message', async () => {
    const body = loadFixture('pod-create');
    (body.request as { object: JsonObject }).object.padding = 'x'.repeat(8 * 1024 * 1024);
    const response = await post('/mutate-pod', JSON.stringify(body));
    expect(response.status).toBe(413);
    expect(await response.text()).toBe('request body is larger than the 7 MiB allowed for an AdmissionReview\n');
    const rejected = linesWith('webhook request rejected before review').at(-1);
    expect(rejected).toMatchObject({ level: 'warn', status: 413, webhook: 'mutate-pod', path: '/mutate-pod' });
    expect(JSON.stringify(rejected).length).toBeLessThan(1_000); // the body is not logged
  });

  it('accepts a body just under 7 MiB', async () => {
    const body = loadFixture('pod-create');
    (body.request as { object: JsonObject }).object.padding = 'x'.repeat(6 * 1024 * 1024);
    expect((await review('/validate-allow', JSON.stringify(body))).response.allowed).toBe(true);
  });

  it('counts requests without a usable review apart', async () => {
    const counted = await metrics.registry.getSingleMetricAsString('admission_ipam_admission_invalid_requests_total');
    expect(counted).toContain('admission_ipam_admission_invalid_requests_total{webhook="mutate-pod"} 5');
  });

  it('answers 404 on an unknown path and 405 on GET of a webhook', async () => {
    const unknown = await post('/mutate-nothing', fixtureText('pod-create'));
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('no webhook is served at POST /mutate-nothing');
    const get = await fetch(`${base}/mutate-pod`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('refuses a route path without a leading slash', () => {
    expect(() =>
      createWebhookApp({
        log: createLogger({ level: 'silent' }),
        metrics,
        routes: { 'mutate-pod': { name: 'x', handler: () => allowed() } },
      }),
    ).toThrow('webhook x: path "mutate-pod" must start with "/"');
  });
});
