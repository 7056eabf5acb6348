// The webhook served over HTTPS with throwaway certificates, and rotation without a restart.
import { X509Certificate } from 'node:crypto';
import { Agent, request } from 'node:https';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdmissionReviewResponse,
  allowed,
  createAdmissionMetrics,
  createLogger,
  createRegistry,
  createWebhookApp,
  startWebhookServer,
  type WebhookServer,
} from '../../../admission/index.js';
import { createCertificateAuthority, issueCertificate, type KeyAndCertificate } from '../../../certs/index.js';
import { fixtureText } from './fixtures.js';

let ca: KeyAndCertificate;
let first: KeyAndCertificate;
let second: KeyAndCertificate;
let webhook: WebhookServer;

function serving(): KeyAndCertificate {
  return issueCertificate(ca, {
    commonName: 'admission-ipam.admission-ipam.svc',
    dnsNames: ['admission-ipam', 'admission-ipam.admission-ipam.svc', 'localhost'],
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
    validDays: 1,
    now: new Date(),
  });
}

function serialOf(pem: string): string {
  return new X509Certificate(pem).serialNumber.toUpperCase();
}

/** The serial of the certificate a fresh TLS connection is shown, verified against the CA. */
function peerSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: ca.certPem, servername: 'localhost' }, () => {
      const serial = socket.getPeerCertificate().serialNumber.toUpperCase();
      socket.end();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

function postReview(
  port: number,
  body: string,
  agent: Agent | false = false,
): Promise<{ status: number; review: AdmissionReviewResponse }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/validate-pod',
        method: 'POST',
        ca: ca.certPem,
        headers: { 'content-type': 'application/json' },
        agent,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, review: JSON.parse(text) as AdmissionReviewResponse }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  ca = createCertificateAuthority('admission-ipam-test-ca', 1, new Date());
  first = serving();
  second = serving();
  const app = createWebhookApp({
    log: createLogger({ level: 'silent' }),
    metrics: createAdmissionMetrics(createRegistry({ defaultMetrics: false })),
    routes: { '/validate-pod': { name: 'validate-pod', handler: () => allowed() } },
  });
  webhook = await startWebhookServer({ host: '127.0.0.1', port: 0, tls: { key: first.keyPem, cert: first.certPem } }, app);
}, 30_000);

afterAll(async () => {
  await webhook.close();
});

describe('startWebhookServer', () => {
  it('answers reviews over HTTPS with a certificate the CA vouches for', async () => {
    const { status, review } = await postReview(webhook.port, fixtureText('pod-create'));
    expect(status).toBe(200);
    expect(review.response).toEqual({ uid: '0df28fbd-5f5f-11e8-bc74-36e6bb280816', allowed: true });
  });

  it('swaps the certificate on rotate, without a restart', async () => {
    expect(serialOf(first.certPem)).not.toBe(serialOf(second.certPem));
    expect(await peerSerial(webhook.port)).toBe(serialOf(first.certPem));
    webhook.rotate({ key: second.keyPem, cert: second.certPem });
    expect(await peerSerial(webhook.port)).toBe(serialOf(second.certPem));
    expect((await postReview(webhook.port, fixtureText('pod-create'))).status).toBe(200);
  });

  it('keeps the current certificate when the new key does not match', async () => {
    expect(() => webhook.rotate({ key: first.keyPem, cert: second.certPem })).toThrow();
    expect(await peerSerial(webhook.port)).toBe(serialOf(second.certPem));
  });

  it('closes promptly with an idle keep-alive connection open, and twice is harmless', async () => {
    const app = createWebhookApp({
      log: createLogger({ level: 'silent' }),
      metrics: createAdmissionMetrics(createRegistry({ defaultMetrics: false })),
      routes: { '/validate-pod': { name: 'validate-pod', handler: () => allowed() } },
    });
    const other = await startWebhookServer({ host: '127.0.0.1', port: 0, tls: { key: first.keyPem, cert: first.certPem } }, app);
    const keepAlive = new Agent({ keepAlive: true });
    expect((await postReview(other.port, fixtureText('pod-create'), keepAlive)).status).toBe(200);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    keepAlive.destroy();
    expect(other.server.listening).toBe(false);
    await other.close();
    await expect(peerSerial(other.port)).rejects.toThrow(/ECONNREFUSED/);
  });
});
