export type { CertificateRequest, KeyAndCertificate } from './authority.js';
export { createCertificateAuthority, issueCertificate } from './authority.js';
export {
  caValidDays,
  expiresWithin,
  issueServingMaterial,
  materialProblem,
  renewBeforeDays,
  type ServingMaterial,
  servingDNSNames,
  servingValidDays,
} from './serving.js';
