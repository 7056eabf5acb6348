// The local cluster's PKI: one CA that signs the API server's serving certificate
// and the admin client certificate (O=system:masters), plus the key pair that
// signs ServiceAccount tokens. Written once per cluster state directory.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createCertificateAuthority, issueCertificate, type KeyAndCertificate } from '../../certs/index.js';

export interface ClusterPki {
  ca: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

export function pkiFiles(dir: string): ClusterPki {
  return {
    ca: `${dir}/ca.crt`,
    caKey: `${dir}/ca.key`,
    apiserverCert: `${dir}/apiserver.crt`,
    apiserverKey: `${dir}/apiserver.key`,
    adminCert: `${dir}/admin.crt`,
    adminKey: `${dir}/admin.key`,
    serviceAccountKey: `${dir}/sa.key`,
    serviceAccountPub: `${dir}/sa.pub`,
  };
}

function write(file: string, content: string, mode = 0o600): void {
  writeFileSync(file, content, { mode });
}

export function ensurePki(dir: string, serviceClusterIP: string): ClusterPki {
  const files = pkiFiles(dir);
  if (Object.values(files).every((f) => existsSync(f))) return files;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const now = new Date();
  const ca = createCertificateAuthority('admission-ipam-local-cluster-ca', 3650, now);
  write(files.ca, ca.certPem, 0o644);
  write(files.caKey, ca.keyPem);
  const save = (pair: KeyAndCertificate, cert: string, key: string) => {
    write(cert, pair.certPem, 0o644);
    write(key, pair.keyPem);
  };
  save(
    issueCertificate(ca, {
      commonName: 'kube-apiserver',
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
      ipAddresses: ['127.0.0.1', serviceClusterIP],
      usage: 'server',
      validDays: 3650,
      now,
    }),
    files.apiserverCert,
    files.apiserverKey,
  );
  save(
    issueCertificate(ca, { commonName: 'admin', organizations: ['system:masters'], usage: 'client', validDays: 3650, now }),
    files.adminCert,
    files.adminKey,
  );
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  write(files.serviceAccountKey, sa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  write(files.serviceAccountPub, sa.publicKey.export({ type: 'spki', format: 'pem' }).toString(), 0o644);
  return files;
}

export function kubeconfigYaml(server: string, pki: ClusterPki): string {
  const b64 = (file: string) => readFileSync(file).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(pki.ca)}
users:
- name: admin
  user:
    client-certificate-data: ${b64(pki.adminCert)}
    client-key-data: ${b64(pki.adminKey)}
contexts:
- name: admission-ipam-local
  context:
    cluster: local
    user: admin
current-context: admission-ipam-local
`;
}
