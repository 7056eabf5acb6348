import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expiresWithin, issueServingMaterial, materialProblem, servingDNSNames } from '../../../certs/index.js';

const now = new Date('2026-11-26T12:00:00Z');
const dnsNames = servingDNSNames('admission-ipam-webhook', 'admission-ipam-system');
const material = issueServingMaterial({ dnsNames, ipAddresses: ['127.0.0.1'], now });

describe('webhook serving certificates', () => {
  it('makes a CA that may only sign, and a leaf for serverAuth with the Service names', () => {
    const ca = new X509Certificate(material.ca.certPem);
    const leaf = new X509Certificate(material.serving.certPem);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
    expect(leaf.subjectAltName).toContain('DNS:admission-ipam-webhook.admission-ipam-system.svc');
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(leaf.checkHost('admission-ipam-webhook.admission-ipam-system.svc.cluster.local')).toBeDefined();
    expect(leaf.serialNumber).not.toBe(ca.serialNumber);
    expect(materialProblem(material, dnsNames, ['127.0.0.1'], now)).toBeUndefined();
  });

  it('gives every certificate its own serial', () => {
    const again = issueServingMaterial({ ca: material.ca, dnsNames, ipAddresses: [], now });
    const serials = new Set(
      [material.ca.certPem, material.serving.certPem, again.serving.certPem].map((pem) => new X509Certificate(pem).serialNumber),
    );
    expect(serials.size).toBe(3);
  });

  it('says why stored material cannot serve', () => {
    const later = new Date(now.getTime() + 340 * 86400_000);
    expect(materialProblem(material, dnsNames, [], later)).toMatch(/expires within 30 days/);
    expect(materialProblem(material, ['other.example'], [], now)).toMatch(/does not cover other\.example/);
    const foreign = issueServingMaterial({ dnsNames, ipAddresses: [], now });
    expect(materialProblem({ ca: foreign.ca, serving: material.serving }, dnsNames, [], now)).toMatch(/not signed by the CA/);
    expect(
      materialProblem({ ca: material.ca, serving: { ...material.serving, keyPem: foreign.serving.keyPem } }, dnsNames, [], now),
    ).toMatch(/key does not match/);
    expect(expiresWithin(material.ca.certPem, now, 30)).toBe(false);
  });
});
