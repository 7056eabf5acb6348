// The webhook's serving certificate: signed by a long-lived CA (kept, so the
// caBundle in the webhook configurations stays valid across restarts and
// replicas), renewed well before it expires.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createCertificateAuthority, issueCertificate, type KeyAndCertificate } from './authority.js';

export interface ServingMaterial {
  ca: KeyAndCertificate;
  serving: KeyAndCertificate;
}

export const caValidDays = 3650;
export const servingValidDays = 365;
/** Renew the serving certificate when fewer days than this remain. */
export const renewBeforeDays = 30;

/** The names the API server may use to reach the Service, plus loopback for a webhook run on the host. */
export function servingDNSNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`, 'localhost'];
}

export function issueServingMaterial(options: {
  ca?: KeyAndCertificate;
  dnsNames: string[];
  ipAddresses: string[];
  now: Date;
}): ServingMaterial {
  const ca = options.ca ?? createCertificateAuthority('admission-ipam-webhook-ca', caValidDays, options.now);
  const serving = issueCertificate(ca, {
    commonName: options.dnsNames[0] ?? 'admission-ipam',
    dnsNames: options.dnsNames,
    ipAddresses: options.ipAddresses,
    usage: 'server',
    validDays: servingValidDays,
    now: options.now,
  });
  return { ca, serving };
}

export function expiresWithin(certPem: string, now: Date, days: number): boolean {
  const notAfter = new Date(new X509Certificate(certPem).validTo).getTime();
  return notAfter - now.getTime() < days * 86400_000;
}

/** Whether the stored material can serve: the CA still valid for a while, the serving certificate signed by it, covering the names, not expiring soon. */
export function materialProblem(material: ServingMaterial, dnsNames: string[], ipAddresses: string[], now: Date): string | undefined {
  const ca = new X509Certificate(material.ca.certPem);
  const serving = new X509Certificate(material.serving.certPem);
  if (expiresWithin(material.ca.certPem, now, renewBeforeDays)) return 'the CA expires soon';
  if (!serving.verify(ca.publicKey)) return 'the serving certificate is not signed by the CA';
  if (expiresWithin(material.serving.certPem, now, renewBeforeDays))
    return `the serving certificate expires within ${renewBeforeDays} days`;
  const missing = [
    ...dnsNames.filter((n) => serving.checkHost(n) === undefined),
    ...ipAddresses.filter((ip) => serving.checkIP(ip) === undefined),
  ];
  if (missing.length > 0) return `the serving certificate does not cover ${missing.join(', ')}`;
  if (!serving.checkPrivateKey(createPrivateKey(material.serving.keyPem))) return 'the serving key does not match its certificate';
  return undefined;
}
