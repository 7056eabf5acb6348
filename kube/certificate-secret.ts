// The webhook's CA and serving certificate live in one Secret, so every replica
// serves with the same CA and a restart reuses it. The first replica to create the
// Secret wins; the others read what it wrote.
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { issueServingMaterial, materialProblem, type ServingMaterial } from '../certs/index.js';
import { isConflict, isNotFound } from './api-errors.js';

export interface CertificateSecretOptions {
  namespace: string;
  secretName: string;
  dnsNames: string[];
  ipAddresses: string[];
  now: () => Date;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : '');

function toSecret(material: ServingMaterial, options: CertificateSecretOptions, resourceVersion?: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name: options.secretName,
      namespace: options.namespace,
      labels: { 'app.kubernetes.io/name': 'admission-ipam' },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    data: {
      'ca.crt': b64(material.ca.certPem),
      'ca.key': b64(material.ca.keyPem),
      'tls.crt': b64(material.serving.certPem),
      'tls.key': b64(material.serving.keyPem),
    },
  };
}

function fromSecret(secret: V1Secret): ServingMaterial | undefined {
  const d = secret.data ?? {};
  const material = {
    ca: { certPem: unb64(d['ca.crt']), keyPem: unb64(d['ca.key']) },
    serving: { certPem: unb64(d['tls.crt']), keyPem: unb64(d['tls.key']) },
  };
  return material.ca.certPem && material.ca.keyPem && material.serving.certPem && material.serving.keyPem ? material : undefined;
}

function problemOf(material: ServingMaterial | undefined, options: CertificateSecretOptions): string | undefined {
  if (!material) return 'the Secret lacks ca.crt, ca.key, tls.crt or tls.key';
  try {
    return materialProblem(material, options.dnsNames, options.ipAddresses, options.now());
  } catch (err) {
    return `the Secret holds unreadable certificates: ${(err as Error).message}`;
  }
}

/**
 * Returns usable serving material, creating or renewing the Secret when needed. A CA that is still good is
 * kept when only the serving certificate needs renewing, so the caBundle does not change.
 */
export async function ensureServingMaterial(
  kc: KubeConfig,
  options: CertificateSecretOptions,
): Promise<{ material: ServingMaterial; changed: string | undefined }> {
  const core = kc.makeApiClient(CoreV1Api);
  for (let attempt = 0; attempt < 5; attempt++) {
    let existing: V1Secret | undefined;
    try {
      existing = await core.readNamespacedSecret({ name: options.secretName, namespace: options.namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const current = existing ? fromSecret(existing) : undefined;
    const problem = existing ? problemOf(current, options) : 'no Secret yet';
    if (!problem && current) return { material: current, changed: undefined };
    const caStillGood = current && !problemOf({ ca: current.ca, serving: current.ca }, { ...options, dnsNames: [], ipAddresses: [] });
    const material = issueServingMaterial({
      ca: caStillGood ? current.ca : undefined,
      dnsNames: options.dnsNames,
      ipAddresses: options.ipAddresses,
      now: options.now(),
    });
    try {
      if (existing) {
        await core.replaceNamespacedSecret({
          name: options.secretName,
          namespace: options.namespace,
          body: toSecret(material, options, existing.metadata?.resourceVersion),
        });
      } else {
        await core.createNamespacedSecret({ namespace: options.namespace, body: toSecret(material, options) });
      }
      return { material, changed: problem };
    } catch (err) {
      if (!isConflict(err)) throw err; // another replica wrote first: read what it wrote
    }
  }
  throw new Error(
    `could not settle the certificate Secret ${options.namespace}/${options.secretName} after 5 attempts (conflicting writers)`,
  );
}
