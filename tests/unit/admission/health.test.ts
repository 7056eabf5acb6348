// Probes and metrics on the plain-HTTP port, with a webhook app sharing the same registry.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allowed,
  createAdmissionMetrics,
  createHealthApp,
  createLogger,
  createRegistry,
  createWebhookApp,
  type HealthServer,
  type Readiness,
  startHealthServer,
} from '../../../admission/index.js';
import { fixtureText } from './fixtures.js';

let readiness: Readiness = { ready: false, reasons: ['serving certificate not loaded', 'SpiderIPPool informer has not synced'] };
let readinessThrows = false;
let health: HealthServer;
let base: string;
let webhookBase: string;
let closeWebhook: () => Promise<void>;

beforeAll(async () => {
  const registry = createRegistry();
  const metrics = createAdmissionMetrics(registry);
  health = await startHealthServer(
    { host: '127.0.0.1', port: 0 },
    createHealthApp({
      registry,
      readiness: () => {
        if (readinessThrows) throw new Error('informer state unknown');
        return readiness;
      },
    }),
  );
  base = `http://127.0.0.1:${health.port}`;
  const webhook = createWebhookApp({
    log: createLogger({ level: 'silent' }),
    metrics,
    routes: { '/mutate-pod': { name: 'mutate-pod', handler: () => allowed() } },
  });
  const server = await new Promise<ReturnType<typeof webhook.listen>>((resolve) => {
    const listening = webhook.listen(0, '127.0.0.1', () => resolve(listening));
  });
  webhookBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeWebhook = () => new Promise((resolve) => server.close(() => resolve()));
});

afterAll(async () => {
  await closeWebhook();
  await health.close();
});

describe('health app', () => {
  it('answers /healthz with 200 while the process runs', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok\n');
  });

  it('answers /readyz 503 with the reasons, then 200 once ready', async () => {
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toBe(
      '[-] serving certificate not loaded\n[-] SpiderIPPool informer has not synced\nreadyz check failed\n',
    );

    readiness = { ready: true, reasons: [] };
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe('ok\n');
  });

  it('answers /readyz 503 when the readiness check throws or gives no reason', async () => {
    readinessThrows = true;
    const thrown = await fetch(`${base}/readyz`);
    expect(thrown.status).toBe(503);
    expect(await thrown.text()).toBe('[-] readiness check failed: informer state unknown\nreadyz check failed\n');
    readinessThrows = false;

    readiness = { ready: false, reasons: [] };
    const noReason = await fetch(`${base}/readyz`);
    expect(noReason.status).toBe(503);
    expect(await noReason.text()).toContain('not ready (no reason given)');
    readiness = { ready: true, reasons: [] };
  });

  it('serves the registry on /metrics, admission counter labelled after a request', async () => {
    const answered = await fetch(`${webhookBase}/mutate-pod`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: fixtureText('pod-create'),
    });
    expect(answered.status).toBe(200);

    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE admission_ipam_admission_requests_total counter');
    expect(text).toContain('admission_ipam_admission_requests_total{webhook="mutate-pod",operation="CREATE",result="allowed"} 1');
    expect(text).toContain('# TYPE admission_ipam_admission_duration_seconds histogram');
    expect(text).toContain('admission_ipam_admission_duration_seconds_bucket{le="0.005",webhook="mutate-pod"}');
    // Default process metrics keep their standard names.
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).not.toContain('summary');
  });

  it('answers 404 elsewhere', async () => {
    expect((await fetch(`${base}/mutate-pod`)).status).toBe(404);
  });
});
