export type { HealthAppOptions, HealthServer, Readiness } from './health.js';
export { createHealthApp, startHealthServer } from './health.js';
export type { Logger, LoggerOptions, LogLevel } from './log.js';
export { createLogger, redactedPaths } from './log.js';
export type { AdmissionMetrics, AdmissionResult, LeaderMetrics } from './metrics.js';
export { createAdmissionMetrics, createLeaderMetrics, createRegistry, METRIC_PREFIX, registry } from './metrics.js';
export type {
  AdmissionApiVersion,
  AdmissionOperation,
  AdmissionRequest,
  AdmissionResponse,
  AdmissionReview,
  AdmissionReviewResponse,
  AdmissionStatus,
  CauseType,
  Decision,
  DenialOptions,
  GroupVersionKind,
  GroupVersionResource,
  JsonObject,
  JsonValue,
  ParsedReview,
  PatchOperation,
  StatusCause,
  StatusReason,
  UserInfo,
} from './review.js';
export {
  ADMISSION_V1,
  ADMISSION_V1BETA1,
  allowed,
  denied,
  isDecision,
  parseAdmissionReview,
  patched,
  reviewResponse,
} from './review.js';
export type {
  AdmissionContext,
  AdmissionHandler,
  TlsMaterial,
  WebhookAppOptions,
  WebhookRoute,
  WebhookServer,
  WebhookServerOptions,
} from './server.js';
export { BODY_LIMIT_BYTES, createWebhookApp, startWebhookServer } from './server.js';
