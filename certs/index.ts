export type { CertificateRequest, KeyAndCertificate } from './authority.js';
export { createCertificateAuthority, issueCertificate } from './authority.js';
