// The webhook's certificates live in a Secret: created once, reused by every replica
// and restart, and renewed keeping the CA when only the serving certificate is old.
import { randomBytes, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ensureServingMaterial } from '../../kube/certificate-secret.js';
import { clients, createTestNamespace } from '../support/cluster.js';

const { kc, core } = clients();

describe('certificate Secret', () => {
  it('is created once, reused, and renewed with the same CA', async () => {
    const namespace = await createTestNamespace(core, 'certs');
    const options = {
      namespace,
      secretName: `tls-${randomBytes(2).toString('hex')}`,
      dnsNames: ['svc.ns.svc', 'localhost'],
      ipAddresses: ['127.0.0.1'],
    };
    const now = new Date();
    const [a, b] = await Promise.all([
      ensureServingMaterial(kc, { ...options, now: () => now }),
      ensureServingMaterial(kc, { ...options, now: () => now }),
    ]);
    // Two replicas starting at once end up with the same material: one created it, the other read it.
    expect(a.material.ca.certPem).toBe(b.material.ca.certPem);
    expect(a.material.serving.certPem).toBe(b.material.serving.certPem);
    const again = await ensureServingMaterial(kc, { ...options, now: () => now });
    expect(again.changed).toBeUndefined();
    expect(again.material.serving.certPem).toBe(a.material.serving.certPem);
    const secret = await core.readNamespacedSecret({ name: options.secretName, namespace });
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    // 340 days later the serving certificate is within its renewal window; the CA (10 years) is kept.
    const later = new Date(now.getTime() + 340 * 86400_000);
    const renewed = await ensureServingMaterial(kc, { ...options, now: () => later });
    expect(renewed.changed).toMatch(/expires within 30 days/);
    expect(renewed.material.ca.certPem).toBe(a.material.ca.certPem);
    expect(renewed.material.serving.certPem).not.toBe(a.material.serving.certPem);
    expect(new X509Certificate(renewed.material.serving.certPem).verify(new X509Certificate(a.material.ca.certPem).publicKey)).toBe(true);
  });
});
